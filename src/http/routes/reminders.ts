import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { getChatSettings } from '../../conversation/chats.js';
import {
  PromiseNotFoundError,
  PromiseNotPendingError,
  PromiseNotSnoozableError,
  cancelPromise,
  listPromises,
  promiseView,
  snoozePromise,
} from '../../promises/service.js';
import { parseWhen } from '../../promises/when.js';
import { channelSchema, chatIdSchema } from '../../shared/envelope.js';
import type { HttpDeps } from '../context.js';

const ErrorSchema = z.object({ error: z.string(), hint: z.string().optional() }).openapi('Error');

const ReminderSchema = z
  .object({
    id: z.string(),
    text: z.string(),
    dueAt: z.string().describe('ISO-8601 UTC; the next occurrence for a recurring reminder'),
    status: z.enum(['pending', 'delivered', 'cancelled']),
    recurrence: z.string().nullable().describe('"every weekday at 08:00" for a recurring reminder, null for a one-off'),
    timeZone: z.string(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    cancelledAt: z.string().nullable(),
    deliveries: z.number().int(),
  })
  .openapi('Reminder');

const chatParams = z.object({ chatId: chatIdSchema });
const reminderParams = z.object({ chatId: chatIdSchema, id: z.string().min(1).max(32) });
/** The HTTP API, the web app and `mycel chat` talk as `web`; `?channel=telegram` reaches a Telegram chat, `?channel=mcp` one reached over MCP. */
const channelQuery = z.object({ channel: channelSchema.optional() });

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

const listRoute = createRoute({
  method: 'get',
  path: '/api/chats/{chatId}/reminders',
  summary: "A chat's reminders, soonest first: pending ones unless ?status= says otherwise",
  request: { params: chatParams, query: channelQuery.extend({ status: z.enum(['pending', 'delivered', 'cancelled', 'all']).optional() }) },
  responses: { 200: json(z.array(ReminderSchema), 'reminders'), 400: json(ErrorSchema, 'bad chat id or query') },
});

const cancelRoute = createRoute({
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

const snoozeRoute = createRoute({
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

/** Reminders of a chat: list, cancel (**contract**) and snooze. */
export function registerReminderRoutes(app: OpenAPIHono, deps: HttpDeps): void {
  const service = { store: deps.store, temporal: deps.temporal, config: deps.config, logger: deps.logger };

  function failure(err: unknown) {
    if (err instanceof PromiseNotFoundError) return { status: 404 as const, body: { error: err.message } };
    if (err instanceof PromiseNotPendingError || err instanceof PromiseNotSnoozableError) return { status: 409 as const, body: { error: err.message, hint: err.hint } };
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
