import { z } from 'zod';
import type { ActivityDeps } from '../deps/activity-deps.js';
import { MycelError } from '../shared/errors.js';
import { defineTool, type ToolContext, type ToolDefinition } from '../tools/types.js';
import { MAX_REMINDER_TEXT_CHARS, MAX_SCHEDULED_WHAT_CHARS, describeWhen, parseWhen, type ParsedWhen } from './when.js';
import { listLedger } from './ledger.js';
import { cancelPromise, createPromise, listPromises, promiseView, resumePromise, snoozePromise, type PromiseView } from './service.js';
import { budgetInputSchema } from './budget.js';

/**
 * The promise tools: `remind.create`, `remind.list`, `remind.cancel`, `remind.snooze`.
 * The offline brain's /remind, /reminders, /cancel and /snooze call them, and so does a
 * model brain. Each is idempotent on `ctx.callId`: the promise id is derived from it, a
 * cancel records it as who cancelled, and a snooze's time is computed from the turn's
 * clock, so a retried activity repeats the same effect instead of adding one.
 */

/** Longest `when` text a tool accepts. */
export const MAX_WHEN_CHARS = 200;

export class PromiseTimeError extends MycelError {
  constructor(message: string) {
    super('PROMISE_TIME_INVALID', message);
    this.name = 'PromiseTimeError';
  }
}

/** What remind.create and remind.snooze answer. */
export interface PromiseToolOutput extends PromiseView {
  /** How the due time reads in the chat ("Tue 11 Mar 2025, 09:00 (Europe/Berlin)"). */
  when: string;
  /** False when a retried call found the promise it had already made. */
  created?: boolean;
}

function parse(deps: ActivityDeps, when: string, ctx: ToolContext): ParsedWhen {
  const result = parseWhen(when, { now: new Date(ctx.now), timeZone: ctx.timeZone, horizonDays: deps.config.promiseHorizonDays });
  if (!result.ok) throw new PromiseTimeError(result.message);
  return result;
}

const whenSchema = z
  .string()
  .trim()
  .min(1)
  .max(MAX_WHEN_CHARS)
  .describe("When, in the chat's time zone: 'in 30s', '10m', '2h', '17:30', 'tomorrow at 9', an ISO time like 2030-06-01T09:00, or a repeating rule like 'every weekday at 8' or 'every 30 minutes'");
const idSchema = z.string().trim().min(1).max(32).describe('The reminder id, as remind.list or remind.create gave it (r…)');

export function createPromiseTools(deps: ActivityDeps): ToolDefinition[] {
  const service = { store: deps.store, temporal: deps.temporal, config: deps.config, logger: deps.logger };

  const create = defineTool({
    id: 'remind.create',
    description:
      'Create a reminder (a durable promise) in this chat: at the given time Mycel posts "⏰ <text>", even across restarts. Use it whenever you promise to remind or follow up; never promise one without calling it.',
    input: z.object({ when: whenSchema, text: z.string().trim().min(1).max(MAX_REMINDER_TEXT_CHARS).describe('What to remind the person of') }),
    policy: 'allow',
    async run(input, ctx): Promise<PromiseToolOutput> {
      const parsed = parse(deps, input.when, ctx);
      const { promise, created } = await createPromise(service, {
        chat: ctx.chat,
        userId: ctx.userId,
        text: input.text,
        parsed,
        timeZone: ctx.timeZone,
        source: { callId: ctx.callId, turnKey: ctx.turnKey, workflowId: ctx.workflowId },
        now: new Date(ctx.now),
      });
      return { ...promiseView(promise), when: describeWhen(parsed, ctx.timeZone), created };
    },
  });

  const list = defineTool({
    id: 'remind.list',
    description: "List this chat's reminders, soonest first (pending ones unless status says otherwise).",
    input: z.object({ status: z.enum(['pending', 'delivered', 'cancelled', 'paused', 'all']).optional() }),
    policy: 'allow',
    async run(input, ctx) {
      const promises = await listPromises(deps.store, ctx.chat, input.status ?? 'pending');
      return { timeZone: ctx.timeZone, reminders: promises.map(promiseView) };
    },
  });

  const cancel = defineTool({
    id: 'remind.cancel',
    description: 'Cancel a pending reminder of this chat by its id.',
    input: z.object({ id: idSchema }),
    policy: 'allow',
    async run(input, ctx): Promise<PromiseView> {
      return promiseView(await cancelPromise(service, ctx.chat, input.id, ctx.callId, { now: new Date(ctx.now), retryable: true }));
    },
  });

  const snooze = defineTool({
    id: 'remind.snooze',
    description: "Move a pending one-off reminder of this chat to a new time ('10m' from now, '17:30', 'tomorrow at 9', an ISO time).",
    input: z.object({ id: idSchema, when: whenSchema }),
    policy: 'allow',
    async run(input, ctx): Promise<PromiseToolOutput> {
      const parsed = parse(deps, input.when, ctx);
      if (parsed.kind !== 'once') throw new PromiseTimeError(`"${input.when}" repeats; a reminder is snoozed to one time, such as 10m or tomorrow at 9.`);
      const promise = await snoozePromise(service, ctx.chat, input.id, parsed.dueAt, new Date(ctx.now));
      return { ...promiseView(promise), when: describeWhen(parsed, ctx.timeZone) };
    },
  });

  const schedule = defineTool({
    id: 'schedule.create',
    description:
      "Schedule work in this chat: at the given time (or on a repeating rule) Mycel runs `what` as a turn of this chat — a chat command such as '/sh date' or '/run daily-digest', or a request for you such as 'look at my notes and tell me what matters today' — and posts the result. Use it for 'every morning at 8 tell me …'. Cancel with remind.cancel.",
    input: z.object({
      when: whenSchema,
      what: z.string().trim().min(1).max(MAX_SCHEDULED_WHAT_CHARS).describe('What to run at each due time: a chat command (/sh …, /run …) or a request in words'),
      catchUp: z.enum(['once', 'skip']).optional().describe('Repeating only: after Mycel was down, run once for all missed occurrences (once, the default) or skip them (skip); either way the chat is told'),
      budget: budgetInputSchema
        .optional()
        .describe('Token budget of the model work, only when the person asks for one: perRun (one run) and perDay (per UTC day); over either, the schedule pauses until resumed'),
    }),
    policy: 'allow',
    async run(input, ctx): Promise<PromiseToolOutput> {
      const parsed = parse(deps, input.when, ctx);
      const { promise, created } = await createPromise(service, {
        chat: ctx.chat,
        userId: ctx.userId,
        text: input.what,
        parsed,
        timeZone: ctx.timeZone,
        source: { callId: ctx.callId, turnKey: ctx.turnKey, workflowId: ctx.workflowId },
        now: new Date(ctx.now),
        kind: 'scheduled',
        catchUp: input.catchUp,
        budget: input.budget,
      });
      return { ...promiseView(promise), when: describeWhen(parsed, ctx.timeZone), created };
    },
  });

  const ledger = defineTool({
    id: 'promises.list',
    description: "The promise ledger of this chat: reminders and scheduled work with their deliveries (when, how late, outcome). Pending ones unless status says otherwise.",
    input: z.object({ status: z.enum(['pending', 'delivered', 'cancelled', 'paused', 'all']).optional() }),
    policy: 'allow',
    async run(input, ctx) {
      return { timeZone: ctx.timeZone, promises: await listLedger(deps.store, { status: input.status ?? 'all', chatId: ctx.chat.chatId, channel: ctx.chat.channel, budgetDefaults: deps.config.usage.scheduled }) };
    },
  });

  const resume = defineTool({
    id: 'promises.resume',
    description: 'Resume a scheduled promise of this chat that paused because it ran over its token budget, optionally with a new budget (perRun, perDay). Only when the person asks for it.',
    input: z.object({ id: idSchema, budget: budgetInputSchema.optional() }),
    policy: 'allow',
    async run(input, ctx): Promise<PromiseView> {
      return promiseView(await resumePromise(service, ctx.chat, input.id, ctx.callId, { now: new Date(ctx.now), budget: input.budget, retryable: true }));
    },
  });

  return [create, list, cancel, snooze, schedule, ledger, resume];
}
