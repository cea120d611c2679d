import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { apiRoute, ErrorSchema, mycelErrorBody } from '../error-schema.js';
import { getChatSettings } from '../../conversation/chats.js';
import {
  PromiseNotFoundError,
  PromiseNotPausedError,
  PromiseNotPendingError,
  PromiseNotSnoozableError,
  cancelPromise,
  createPromise,
  listPromises,
  promiseView,
  resumePromise,
  snoozePromise,
} from '../../promises/service.js';
import { budgetInputSchema } from '../../promises/budget.js';
import { getPromise } from '../../promises/store.js';
import { randomUUID } from 'node:crypto';
import { listLedger } from '../../promises/ledger.js';
import { MAX_SCHEDULED_WHAT_CHARS, describeWhen, parseWhen } from '../../promises/when.js';
import { MycelError } from '../../shared/errors.js';
import { channelSchema, chatIdSchema } from '../../shared/envelope.js';
import type { HttpDeps } from '../context.js';

/** `paused`: a recurring schedule that went over its token budget, until resumed. */
const StatusSchema = z.enum(['pending', 'delivered', 'cancelled', 'paused']);
const statusQuery = z.enum(['pending', 'delivered', 'cancelled', 'paused', 'all']);

const ReminderSchema = z
  .object({
    id: z.string(),
    text: z.string(),
    dueAt: z.string().describe('ISO-8601 UTC; the next occurrence for a recurring reminder'),
    status: StatusSchema,
    recurrence: z.string().nullable().describe('"every weekday at 08:00" for a recurring reminder, null for a one-off'),
    timeZone: z.string(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    cancelledAt: z.string().nullable(),
    deliveries: z.number().int(),
    kind: z.enum(['reminder', 'scheduled']),
    catchUp: z.enum(['once', 'skip']).nullable().describe('recurring: what happens to occurrences missed while Mycel was down'),
    budget: z
      .object({ perRun: z.number().int().nullable(), perDay: z.number().int().nullable() })
      .nullable()
      .describe("scheduled work: its own token budgets (null where the configured default applies); null for a reminder"),
    pausedReason: z.string().nullable().describe('status paused: which token budget ran out, and by how much'),
    pausedAt: z.string().nullable(),
  })
  .openapi('Reminder');

const ScheduledSchema = ReminderSchema.extend({
  when: z.string().describe("the due time as the chat reads it, e.g. 'Tue 11 Mar 2025, 09:00 (Europe/Berlin)'"),
  created: z.boolean().describe('false when the same Idempotency-Key was sent before'),
}).openapi('ScheduledPromise');

const LedgerDeliverySchema = z
  .object({
    at: z.string(),
    lateMs: z.number().int().describe('how long after its due time it was delivered'),
    outcome: z.string().describe('delivered, failed, covered (by a catch-up run), skipped (catch-up skip), running'),
    dueAt: z.string(),
    note: z.string().optional().describe('why it was late, or what it covered or skipped'),
    tokens: z.number().int().optional().describe('tokens (input + output) its model calls used, when it made any'),
  })
  .openapi('PromiseDelivery');

const LedgerEntrySchema = z
  .object({
    id: z.string(),
    chatId: z.string(),
    channel: channelSchema,
    kind: z.enum(['reminder', 'scheduled']),
    text: z.string(),
    dueAt: z.string(),
    status: StatusSchema,
    recurrence: z.string().nullable(),
    catchUp: z.enum(['once', 'skip']).nullable(),
    createdAt: z.string(),
    cancelledAt: z.string().nullable(),
    deliveries: z.array(LedgerDeliverySchema).describe('the most recent deliveries, oldest first'),
    budget: z
      .object({ perRun: z.number().int(), perDay: z.number().int() })
      .nullable()
      .describe('scheduled work: the token budgets that apply (its own, else MYCEL_SCHEDULED_TOKENS_PER_RUN / _PER_DAY); null for a reminder'),
    pausedReason: z.string().nullable().describe('status paused: which token budget ran out, and by how much'),
    pausedAt: z.string().nullable(),
  })
  .openapi('LedgerEntry');

const chatParams = z.object({ chatId: chatIdSchema });
const reminderParams = z.object({ chatId: chatIdSchema, id: z.string().min(1).max(32) });
/** The HTTP API, the web app and `mycel chat` talk as `web`; `?channel=telegram` reaches a Telegram chat, `?channel=mcp` one reached over MCP. */
const channelQuery = z.object({ channel: channelSchema.optional() });

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

const listRoute = apiRoute({
  method: 'get',
  path: '/api/chats/{chatId}/reminders',
  summary: "A chat's reminders, soonest first: pending ones unless ?status= says otherwise",
  request: { params: chatParams, query: channelQuery.extend({ status: statusQuery.optional() }) },
  responses: { 200: json(z.array(ReminderSchema), 'reminders'), 400: json(ErrorSchema, 'bad chat id or query') },
});

const cancelRoute = apiRoute({
  method: 'delete',
  path: '/api/chats/{chatId}/reminders/{id}',
  summary: 'Cancel a pending reminder (a recurring one stops for good)',
  request: { params: reminderParams, query: channelQuery },
  responses: {
    200: json(ReminderSchema, 'the cancelled reminder'),
    400: json(ErrorSchema, 'a bad chat id or reminder id'),
    404: json(ErrorSchema, 'no such reminder in this chat'),
    409: json(ErrorSchema, 'already delivered or cancelled'),
  },
});

const snoozeRoute = apiRoute({
  method: 'post',
  path: '/api/chats/{chatId}/reminders/{id}/snooze',
  summary: "Move a pending one-off reminder to a new time, read in the chat's time zone",
  request: {
    params: reminderParams,
    query: channelQuery,
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ when: z.string().min(1).max(200).describe("'10m', '17:30', 'tomorrow at 9', an ISO time") }) } },
    },
  },
  responses: {
    200: json(ReminderSchema, 'the reminder with its new due time'),
    400: json(ErrorSchema, 'the time is unparsable, in the past or too far ahead'),
    404: json(ErrorSchema, 'no such reminder in this chat'),
    409: json(ErrorSchema, 'not pending, or recurring'),
  },
});

const scheduleRoute = apiRoute({
  method: 'post',
  path: '/api/chats/{chatId}/promises',
  summary: "Schedule work: at each due time `what` runs as a turn of the chat and the result is posted with kind \"scheduled\"",
  request: {
    params: chatParams,
    query: channelQuery,
    headers: z.object({ 'idempotency-key': z.string().min(1).max(128).optional().describe('the same key again returns the promise it made') }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            when: z.string().min(1).max(200).describe("as for /remind: '10m', '17:30', 'tomorrow at 9', 'every weekday at 8', 'every 30 minutes'"),
            what: z.string().trim().min(1).max(MAX_SCHEDULED_WHAT_CHARS).describe("a chat command ('/sh date', '/run daily-digest') or a request for the model brain"),
            catchUp: z.enum(['once', 'skip']).optional().describe('recurring: run once for all missed occurrences (default) or skip them'),
            budget: budgetInputSchema.optional().describe('token budgets of its model work; over either, the promise pauses until resumed'),
          }),
        },
      },
    },
  },
  responses: {
    201: json(ScheduledSchema, 'the scheduled promise'),
    200: json(ScheduledSchema, 'the promise an earlier request with the same Idempotency-Key made'),
    400: json(ErrorSchema, 'the time is unparsable, in the past or too far ahead, or what is empty'),
    503: json(ErrorSchema, 'Temporal is unreachable: nothing was scheduled'),
  },
});

const ledgerRoute = apiRoute({
  method: 'get',
  path: '/api/promises',
  summary: 'The promise ledger across chats, with each promise\'s deliveries (when, how late, outcome)',
  request: {
    query: z.object({
      status: statusQuery.optional().describe('pending unless given'),
      chatId: chatIdSchema.optional(),
      channel: channelSchema.optional(),
    }),
  },
  responses: { 200: json(z.array(LedgerEntrySchema), 'promises, soonest due first'), 400: json(ErrorSchema, 'bad query') },
});

const resumeRoute = apiRoute({
  method: 'post',
  path: '/api/promises/{id}/resume',
  summary: 'Resume a promise that paused because it went over its token budget, optionally with a new budget',
  request: {
    params: z.object({ id: z.string().min(1).max(32) }),
    body: { required: false, content: { 'application/json': { schema: z.object({ budget: budgetInputSchema.optional() }).strict() } } },
  },
  responses: {
    200: json(ReminderSchema, 'the resumed promise (status pending)'),
    400: json(ErrorSchema, 'a bad id or budget'),
    404: json(ErrorSchema, 'no such promise'),
    409: json(ErrorSchema, 'the promise is not paused'),
    503: json(ErrorSchema, 'Temporal is unreachable: the promise stays paused'),
  },
});

/** Seconds a client waits before asking again when Temporal could not be reached. */
const TEMPORAL_RETRY_AFTER_SECONDS = 5;

/** Reminders of a chat: list, cancel (**contract**) and snooze; scheduled work; the ledger. */
export function registerReminderRoutes(app: OpenAPIHono, deps: HttpDeps): void {
  const service = { store: deps.store, temporal: deps.temporal, config: deps.config, logger: deps.logger };

  function failure(err: unknown) {
    if (err instanceof PromiseNotFoundError) return { status: 404 as const, body: mycelErrorBody(err) };
    if (err instanceof PromiseNotPendingError || err instanceof PromiseNotSnoozableError || err instanceof PromiseNotPausedError) return { status: 409 as const, body: mycelErrorBody(err) };
    throw err;
  }

  app.openapi(listRoute, async (c) => {
    const { chatId } = c.req.valid('param');
    const { channel, status } = c.req.valid('query');
    const promises = await listPromises(deps.store, { channel: channel ?? 'web', chatId }, status ?? 'pending');
    return c.json(promises.map(promiseView), 200);
  });

  app.openapi(cancelRoute, async (c) => {
    const { chatId, id } = c.req.valid('param');
    const { channel } = c.req.valid('query');
    try {
      return c.json(promiseView(await cancelPromise(service, { channel: channel ?? 'web', chatId }, id, 'api')), 200);
    } catch (err) {
      const f = failure(err);
      return c.json(f.body, f.status);
    }
  });

  app.openapi(scheduleRoute, async (c) => {
    const { chatId } = c.req.valid('param');
    const { channel } = c.req.valid('query');
    const { when, what, catchUp, budget } = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    const chat = { channel: channel ?? 'web', chatId } as const;
    const { timeZone } = await getChatSettings(deps.store, chat, deps.config);
    const now = new Date();
    const parsed = parseWhen(when, { now, timeZone, horizonDays: deps.config.promiseHorizonDays });
    if (!parsed.ok) return c.json({ error: parsed.message }, 400);
    const callId = `api:${chat.channel}:${chatId}:${key ?? randomUUID()}`;
    try {
      const { promise, created } = await createPromise(service, { chat, userId: 'web', text: what, parsed, timeZone, source: { callId, turnKey: callId }, now, kind: 'scheduled', catchUp, budget });
      return c.json({ ...promiseView(promise), when: describeWhen(parsed, timeZone), created }, created ? 201 : 200);
    } catch (err) {
      if (err instanceof MycelError && err.code === 'PROMISE_NOT_ARMED') return c.json(mycelErrorBody(err), 503);
      throw err;
    }
  });

  app.openapi(ledgerRoute, async (c) => {
    const { status, chatId, channel } = c.req.valid('query');
    return c.json(await listLedger(deps.store, { status: status ?? 'pending', chatId, channel, budgetDefaults: deps.config.usage.scheduled }), 200);
  });

  app.openapi(resumeRoute, async (c) => {
    const { id } = c.req.valid('param');
    // An empty body is the same as {}: resume with the budget it had.
    const body = (c.req.header('content-type') ?? '').includes('json') ? c.req.valid('json') : {};
    const promise = await getPromise(deps.store, id);
    if (!promise) return c.json({ error: `There is no promise "${id}".`, hint: 'GET /api/promises?status=all lists them' }, 404);
    try {
      return c.json(promiseView(await resumePromise(service, promise.chat, id, 'api', { budget: body?.budget })), 200);
    } catch (err) {
      if (err instanceof MycelError && err.code === 'PROMISE_NOT_RESUMED') return c.json({ error: err.message, hint: err.hint }, 503, { 'retry-after': String(TEMPORAL_RETRY_AFTER_SECONDS) });
      const f = failure(err);
      return c.json(f.body, f.status);
    }
  });

  app.openapi(snoozeRoute, async (c) => {
    const { chatId, id } = c.req.valid('param');
    const { channel } = c.req.valid('query');
    const { when } = c.req.valid('json');
    const chat = { channel: channel ?? 'web', chatId } as const;
    const { timeZone } = await getChatSettings(deps.store, chat, deps.config);
    const parsed = parseWhen(when, { now: new Date(), timeZone, horizonDays: deps.config.promiseHorizonDays });
    if (!parsed.ok) return c.json({ error: parsed.message }, 400);
    if (parsed.kind !== 'once') return c.json({ error: `"${when}" repeats; a reminder is snoozed to one time, such as 10m or tomorrow at 9.` }, 400);
    try {
      return c.json(promiseView(await snoozePromise(service, chat, id, parsed.dueAt)), 200);
    } catch (err) {
      const f = failure(err);
      return c.json(f.body, f.status);
    }
  });
}
