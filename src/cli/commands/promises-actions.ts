import { formatDuration } from '../../promises/lateness.js';
import { listLedger, type LedgerEntry } from '../../promises/ledger.js';
import { PromiseNotPausedError, PromiseNotPendingError, cancelPromise, resumePromise } from '../../promises/service.js';
import { parseBudgetFlags } from '../../promises/budget.js';
import { getPromise } from '../../promises/store.js';
import { MycelError } from '../../shared/errors.js';
import type { CliContext } from '../context.js';
import { connectInstanceTemporal, openInstanceDatabase } from '../instance.js';
import { PROMISE_STATUSES, type PromiseStatusFilter } from './promises-options.js';

// The actions of `mycel promises`, loaded only when one runs.

/** One ledger entry and its last receipts, as lines for the terminal. */
function describeEntry(p: LedgerEntry): string[] {
  const head = `${p.id}  ${p.kind.padEnd(9)}  ${p.status.padEnd(9)}  ${p.dueAt}  ${p.channel}:${p.chatId}  ${p.recurrence ? `(${p.recurrence}) ` : ''}${p.text}`;
  const paused = p.status === 'paused' ? [`    paused: ${p.pausedReason ?? 'no reason recorded'} (resume: mycel promises resume ${p.id})`] : [];
  const receipts = p.deliveries
    .slice(-5)
    .map((d) => `    ${d.outcome.padEnd(9)} ${d.at}${d.lateMs > 60_000 ? `  ${formatDuration(d.lateMs)} late` : ''}${d.tokens !== undefined ? `  ${d.tokens} tokens` : ''}${d.note ? `  ${d.note}` : ''}`);
  return [head, ...paused, ...receipts];
}

export async function listPromisesAction(ctx: CliContext, opts: { status: string; chat?: string; json?: boolean }): Promise<void> {
  if (!PROMISE_STATUSES.includes(opts.status as PromiseStatusFilter)) {
    throw new MycelError('BAD_STATUS', `Unknown status "${opts.status}".`, `use one of ${PROMISE_STATUSES.join(', ')}`);
  }
  const store = await openInstanceDatabase(ctx.config());
  try {
    const list = await listLedger(store, { status: opts.status as PromiseStatusFilter, chatId: opts.chat, budgetDefaults: ctx.config().usage.scheduled });
    if (opts.json) return ctx.out(JSON.stringify(list, null, 2));
    if (!list.length) return ctx.out(opts.status === 'pending' ? 'No promises are pending.' : 'No promises match.');
    for (const p of list) for (const line of describeEntry(p)) ctx.out(line);
  } finally {
    await store.close();
  }
}

/**
 * Runs `act` on promise `id` of the running instance: opens its database, finds the promise,
 * connects to its Temporal server, and closes both after. `expected` is the error type the
 * action throws for a promise in the wrong state; it is shown as message and hint.
 */
async function withInstancePromise(
  ctx: CliContext,
  id: string,
  expected: typeof PromiseNotPendingError | typeof PromiseNotPausedError,
  act: (deps: Parameters<typeof cancelPromise>[0], chat: Parameters<typeof cancelPromise>[1]) => Promise<void>,
): Promise<void> {
  const config = ctx.config();
  const store = await openInstanceDatabase(config);
  try {
    const promise = await getPromise(store, id);
    if (!promise) throw new MycelError('PROMISE_NOT_FOUND', `There is no promise "${id}".`, 'list them with `mycel promises list --status all`');
    const { client, connection } = await connectInstanceTemporal(config);
    try {
      await act({ store, temporal: client, config, logger: ctx.logger() }, promise.chat);
    } catch (err) {
      if (err instanceof expected) throw new MycelError(err.code, err.message, err.hint);
      throw err;
    } finally {
      await connection.close();
    }
  } finally {
    await store.close();
  }
}

export async function cancelPromiseAction(ctx: CliContext, id: string): Promise<void> {
  await withInstancePromise(ctx, id, PromiseNotPendingError, async (deps, chat) => {
    const cancelled = await cancelPromise(deps, chat, id, 'owner (cli)');
    ctx.out(`Cancelled ${cancelled.id} (${cancelled.kind}) in ${cancelled.chat.channel}:${cancelled.chat.chatId}: ${cancelled.text}`);
  });
}

export async function resumePromiseAction(ctx: CliContext, id: string, opts: { perRun?: string; perDay?: string }): Promise<void> {
  const flags = parseBudgetFlags([opts.perRun !== undefined ? `--per-run ${opts.perRun}` : '', opts.perDay !== undefined ? `--per-day ${opts.perDay}` : ''].join(' '));
  if (!flags.ok) throw new MycelError('BAD_BUDGET', flags.message, 'for example: mycel promises resume r7k2m9xqa --per-run 40000');
  await withInstancePromise(ctx, id, PromiseNotPausedError, async (deps, chat) => {
    const resumed = await resumePromise(deps, chat, id, 'owner (cli)', { budget: flags.budget });
    ctx.out(`Resumed ${resumed.id} (${resumed.kind}) in ${resumed.chat.channel}:${resumed.chat.chatId}: ${resumed.text}`);
  });
}
