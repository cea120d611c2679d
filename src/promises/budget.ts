import { z } from 'zod';
import type { Store } from '../storage/database.js';
import { MAX_TOKEN_BUDGET } from './limits.js';
import { deliveryTokens, promiseTokensSince, type BudgetOverrides, type PromiseRecord } from './store.js';

/**
 * Token budgets of scheduled work. A scheduled promise whose `what` goes to the model may use
 * at most `perRun` tokens (input + output, the provider's own figures) in one occurrence and
 * `perDay` tokens in one UTC day (counted from its last resume, when that is later). The
 * defaults come from MYCEL_SCHEDULED_TOKENS_PER_RUN / _PER_DAY; a promise may set its own.
 * This file is the arithmetic; `budget-guard.ts` applies it around each model call.
 */

export interface TokenBudget {
  perRun: number;
  perDay: number;
}

/** Which budget ran out. */
export type BudgetLimit = 'per-run' | 'per-day';

/** Tokens used so far: by this occurrence, and by the promise in its current day window. */
export interface BudgetUse {
  run: number;
  day: number;
}

/** The budget that applies to a promise: its own where it set one, else the configured default. */
export function effectiveBudget(overrides: BudgetOverrides, defaults: TokenBudget): TokenBudget {
  return { perRun: overrides.perRun ?? defaults.perRun, perDay: overrides.perDay ?? defaults.perDay };
}

/** 00:00 UTC of the day of `now`. */
export function utcDayStart(now: Date): string {
  return `${now.toISOString().slice(0, 10)}T00:00:00.000Z`;
}

/**
 * Where the per-day count starts: 00:00 UTC today, or the promise's last resume when that is
 * later (resuming starts a fresh allowance, so a promise paused for its day budget does not
 * pause again at its next call).
 */
export function dayWindowStart(now: Date, resumedAt: string | null): string {
  const midnight = utcDayStart(now);
  return resumedAt && resumedAt > midnight ? resumedAt : midnight;
}

/** Tokens the occurrence recorded under `key` used, and the promise's tokens in its day window. */
export async function budgetUse(store: Store, promise: Pick<PromiseRecord, 'id' | 'resumedAt'>, key: string, now: Date): Promise<BudgetUse> {
  const [run, day] = await Promise.all([deliveryTokens(store, key), promiseTokensSince(store, promise.id, dayWindowStart(now, promise.resumedAt))]);
  return { run, day };
}

/** Tokens the next model call may still use: the smaller remainder of the two budgets (0 when none). */
export function tokensLeft(budget: TokenBudget, use: BudgetUse): number {
  return Math.max(0, Math.min(budget.perRun - use.run, budget.perDay - use.day));
}

/** The budget nothing is left of (checked before a model call): no call may be made. */
export function exhausted(budget: TokenBudget, use: BudgetUse): BudgetLimit | undefined {
  if (use.run >= budget.perRun) return 'per-run';
  if (use.day >= budget.perDay) return 'per-day';
  return undefined;
}

/** The budget the use went over (checked after a model call): the promise pauses. */
export function overBudget(budget: TokenBudget, use: BudgetUse): BudgetLimit | undefined {
  if (use.run > budget.perRun) return 'per-run';
  if (use.day > budget.perDay) return 'per-day';
  return undefined;
}

const n = (x: number) => x.toLocaleString('en-US');

/** Why a promise paused, as the ledger shows it (`pauseReason`). */
export function pauseReason(limit: BudgetLimit, budget: TokenBudget, use: BudgetUse): string {
  return limit === 'per-run'
    ? `per-run token budget exceeded: one run used ${n(use.run)} of ${n(budget.perRun)} tokens`
    : `per-day token budget exceeded: ${n(use.day)} of ${n(budget.perDay)} tokens used today (UTC)`;
}

/** What ran out, in a sentence for the chat. */
function spent(limit: BudgetLimit, budget: TokenBudget, use: BudgetUse): string {
  return limit === 'per-run'
    ? `this run used ${n(use.run)} tokens, and its budget is ${n(budget.perRun)} tokens per run`
    : `it used ${n(use.day)} tokens today (UTC), and its budget is ${n(budget.perDay)} tokens per day`;
}

/**
 * What the chat is told when a recurring promise pauses for its budget: why, and how to
 * resume it (the same budget, or a larger one).
 */
export function pauseNotice(promise: Pick<PromiseRecord, 'id' | 'text'>, limit: BudgetLimit, budget: TokenBudget, use: BudgetUse, stoppedTools: boolean): string {
  const flag = limit === 'per-run' ? '--per-run' : '--per-day';
  const larger = Math.max(limit === 'per-run' ? budget.perRun : budget.perDay, limit === 'per-run' ? use.run : use.day) * 2;
  return [
    `⏸ Paused ${promise.id} ("${excerpt(promise.text)}"): ${spent(limit, budget, use)}.${stoppedTools ? ' The tool calls the model asked for next did not run.' : ''}`,
    `It will not run again until you resume it: /resume ${promise.id} (or /resume ${promise.id} ${flag} ${larger} for a larger budget; also \`mycel promises resume ${promise.id}\` or the Resume button on the Reminders page).`,
  ].join('\n');
}

/** What the chat is told when a one-off's run stops at its budget (there is nothing left to pause). */
export function stoppedNotice(promise: Pick<PromiseRecord, 'id' | 'text'>, limit: BudgetLimit, budget: TokenBudget, use: BudgetUse, stoppedTools: boolean): string {
  return `⏸ Stopped the run of ${promise.id} ("${excerpt(promise.text)}"): ${spent(limit, budget, use)}.${stoppedTools ? ' The tool calls the model asked for next did not run.' : ''} Schedule it again with a larger budget if it needs more (/schedule --per-run <tokens> <when> <what>).`;
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
}

/** A promise's own token budgets as the API, the model tool and the chat flags give them. */
export const budgetInputSchema = z
  .object({
    perRun: z.number().int().min(1).max(MAX_TOKEN_BUDGET).optional().describe('tokens (input + output) one run may use; default MYCEL_SCHEDULED_TOKENS_PER_RUN'),
    perDay: z.number().int().min(1).max(MAX_TOKEN_BUDGET).optional().describe('tokens the promise may use per UTC day; default MYCEL_SCHEDULED_TOKENS_PER_DAY'),
  })
  .strict();
export type BudgetInput = z.infer<typeof budgetInputSchema>;

/** The chat flags of a budget, and the field each sets. */
const FLAGS: Record<string, keyof BudgetInput> = { '--per-run': 'perRun', '--per-day': 'perDay' };
const FLAG_USAGE = '--per-run <tokens> and --per-day <tokens> (whole numbers, for example --per-run 20000)';

export type BudgetFlags = { ok: true; budget: BudgetInput; rest: string } | { ok: false; message: string };

/**
 * Reads the budget flags at the start of a command's arguments (`--per-run 20000 --per-day
 * 100000 every day at 8 …`, or `--per-run=20000`) and returns the rest. Flags go first, so a
 * `<what>` such as `/sh ls --all` keeps its own.
 */
export function parseBudgetFlags(args: string): BudgetFlags {
  const budget: BudgetInput = {};
  let rest = args.trim();
  for (;;) {
    const match = /^(--[a-z-]+)(?:=|\s+)?(\S*)\s*/i.exec(rest);
    if (!match || !rest.startsWith('--')) break;
    const field = FLAGS[match[1]!.toLowerCase()];
    if (!field) return { ok: false, message: `Unknown option ${match[1]}: the options are ${FLAG_USAGE}.` };
    const value = Number(match[2]!.replace(/[_,]/g, ''));
    if (!match[2] || !Number.isInteger(value) || value < 1 || value > MAX_TOKEN_BUDGET) {
      return { ok: false, message: `${match[1]} takes a whole number of tokens from 1 to ${MAX_TOKEN_BUDGET.toLocaleString('en-US')}${match[2] ? `, not "${match[2]}"` : ''}.` };
    }
    budget[field] = value;
    rest = rest.slice(match[0].length);
  }
  return { ok: true, budget, rest };
}
