import { randomUUID } from 'node:crypto';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { InvalidEnvelopeError, submitTurn, turnOptionsFromConfig, TurnTimeoutError } from '../../conversation/ingress.js';
import { latestMessageId, listChats, listMessages, MAX_LIST_CHATS, MAX_LIST_MESSAGES, type TranscriptLine } from '../../conversation/transcript.js';
import { channelSchema, chatIdSchema, ENVELOPE_VERSION, MAX_MESSAGE_CHARS, type Envelope } from '../../shared/envelope.js';
import { formatError } from '../../shared/errors.js';
import type { HttpDeps } from '../context.js';

/**
 * The chat API (**contract**): send a message and get the reply, read the transcript, and
 * follow new lines live (server-sent events). Messages sent here use the `web` channel, like
 * the web app and `mycel chat`; the chat list and transcripts of other channels can be read
 * with `?channel=`.
 */

/** How often an event stream looks for new lines (the worker may be another process). */
export const EVENT_POLL_INTERVAL_MS = 300;
/** A comment line keeps idle event streams open through proxies. */
export const EVENT_KEEPALIVE_MS = 15_000;
/** Most event streams one HTTP process serves at once; more get 503. */
export const MAX_EVENT_STREAMS = 200;
/** Most recent lines an event stream may replay first (`?history=`). */
export const MAX_EVENT_HISTORY = 200;
/** Longest client-chosen message id. */
export const MAX_MESSAGE_ID_CHARS = 128;

const ErrorSchema = z.object({ error: z.string() }).openapi('ChatError');

// channelSchema is plain zod (created before the OpenAPI extension): rebuilt here from its options.
const ChannelName = z.enum(channelSchema.options);
/** `?channel=`: one channel, or every channel. */
const ChannelQuery = z.union([ChannelName, z.literal('all')], { error: 'channel must be web, telegram, whatsapp or all' });

// chatIdSchema is shared with the envelope (plain zod, created before the OpenAPI extension): used as is.
const ChatParams = z.object({ chatId: chatIdSchema });

const SendMessageSchema = z
  .object({
    text: z
      .string({ error: 'text is required and must be a string' })
      .min(1, 'text must not be empty')
      .max(MAX_MESSAGE_CHARS, `text is longer than ${MAX_MESSAGE_CHARS} characters`)
      .refine((t) => t.trim().length > 0, 'text must not be blank'),
    messageId: z
      .string()
      .min(1, 'messageId must not be empty')
      .max(MAX_MESSAGE_ID_CHARS, `messageId is longer than ${MAX_MESSAGE_ID_CHARS} characters`)
      .regex(/^[A-Za-z0-9_.:-]+$/, 'messageId may contain only letters, digits, "_", ".", ":" and "-"')
      .optional()
      .openapi({ description: 'Idempotency key: the same messageId again returns the same reply and starts no new turn.' }),
  })
  .openapi('SendMessage');

const ReplySchema = z.object({ reply: z.string(), turn: z.number().int() }).openapi('Reply');

const MessageSchema = z
  .object({
    role: z.enum(['user', 'assistant']),
    text: z.string(),
    at: z.string().openapi({ description: 'ISO-8601 UTC time' }),
    kind: z.string().optional().openapi({ description: 'set for lines that are not turn replies, e.g. "reminder"' }),
  })
  .openapi('Message');

const ChatSummarySchema = z
  .object({
    channel: ChannelName.openapi({ description: 'the channel the chat lives on' }),
    chatId: z.string(),
    messages: z.number().int().openapi({ description: 'lines in its transcript' }),
    lastMessageAt: z.string().openapi({ description: 'ISO-8601 UTC time of its newest line' }),
  })
  .openapi('ChatSummary');

const chatsRoute = createRoute({
  method: 'get',
  path: '/api/chats',
  summary: 'The chats that have a transcript, the most recently active first: web chats unless ?channel= names another channel or "all"',
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(MAX_LIST_CHATS).optional(), channel: ChannelQuery.optional().openapi({ description: 'web (default), telegram, whatsapp, or all' }) }) },
  responses: {
    200: { description: 'chats, newest activity first', content: { 'application/json': { schema: z.array(ChatSummarySchema) } } },
    400: { description: 'bad limit', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const sendRoute = createRoute({
  method: 'post',
  path: '/api/chats/{chatId}/messages',
  summary: 'Send a message to a chat and get the reply',
  request: {
    params: ChatParams,
    body: { content: { 'application/json': { schema: SendMessageSchema } }, required: true },
  },
  responses: {
    200: { description: 'the reply and the turn number (the first ones, for a repeated messageId)', content: { 'application/json': { schema: ReplySchema } } },
    400: { description: 'bad JSON, or text missing, empty or too long; nothing was stored', content: { 'application/json': { schema: ErrorSchema } } },
    413: { description: 'body larger than the limit', content: { 'application/json': { schema: ErrorSchema } } },
    503: { description: 'Temporal could not take the message', content: { 'application/json': { schema: ErrorSchema } } },
    504: { description: 'no reply in time; the turn goes on and its reply will appear in the transcript', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/chats/{chatId}/messages',
  summary: 'The transcript, oldest first (the most recent lines when it is longer than the limit)',
  request: {
    params: ChatParams,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(MAX_LIST_MESSAGES).optional(),
      channel: ChannelName.optional().openapi({ description: 'the chat\'s channel: web (default), telegram or whatsapp' }),
    }),
  },
  responses: {
    200: { description: 'transcript lines; reminder deliveries have kind "reminder"', content: { 'application/json': { schema: z.array(MessageSchema) } } },
    400: { description: 'bad chat id or limit', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const eventsRoute = createRoute({
  method: 'get',
  path: '/api/chats/{chatId}/events',
  summary: 'New transcript lines as server-sent events (event "message", id = line id); resumable with Last-Event-ID',
  request: {
    params: ChatParams,
    query: z.object({
      after: z.coerce.number().int().min(0).optional().openapi({ description: 'send lines after this id (as Last-Event-ID does)' }),
      history: z.coerce.number().int().min(0).max(MAX_EVENT_HISTORY).optional().openapi({ description: 'first replay this many recent lines' }),
    }),
    headers: z.object({ 'last-event-id': z.string().regex(/^\d+$/).optional() }),
  },
  responses: {
    200: {
      description: 'an endless text/event-stream; each event\'s data is JSON {id, role, text, at, kind?, turn?, key?}',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    400: { description: 'bad chat id or parameters', content: { 'application/json': { schema: ErrorSchema } } },
    503: { description: 'too many open event streams', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

function contractLine(line: TranscriptLine): z.infer<typeof MessageSchema> {
  return { role: line.role, text: line.text, at: line.at, ...(line.kind ? { kind: line.kind } : {}) };
}

function eventData(line: TranscriptLine): string {
  const { id, role, text, at, kind, turn, key } = line;
  return JSON.stringify({ id, role, text, at, kind, turn, key });
}

/** The idempotency key of a web message: `web:api:<messageId>`. */
export function webUpdateId(messageId: string): string {
  return `web:api:${messageId}`;
}

export function registerChatRoutes(app: OpenAPIHono, deps: HttpDeps): void {
  let openStreams = 0;

  app.openapi(sendRoute, async (c) => {
    const { chatId } = c.req.valid('param');
    const { text, messageId } = c.req.valid('json');
    const requestId = randomUUID();
    const envelope: Envelope = {
      v: ENVELOPE_VERSION,
      channel: 'web',
      chatId,
      userId: 'web',
      updateId: webUpdateId(messageId ?? requestId),
      sequence: null,
      requestId,
      text,
      receivedAt: new Date().toISOString(),
    };
    try {
      const result = await submitTurn(
        deps.temporal,
        { ...turnOptionsFromConfig(deps.config), store: deps.store, metrics: deps.metrics, logger: deps.logger },
        envelope,
      );
      if (result.duplicate) c.header('x-mycel-duplicate', 'true');
      return c.json({ reply: result.reply, turn: result.turn }, 200);
    } catch (err) {
      if (err instanceof InvalidEnvelopeError) return c.json({ error: err.message }, 400);
      if (err instanceof TurnTimeoutError) return c.json({ error: `${err.message} ${err.hint ?? ''}`.trim() }, 504);
      return c.json({ error: formatError(err) }, 503);
    }
  });

  app.openapi(chatsRoute, async (c) => {
    const { limit, channel } = c.req.valid('query');
    return c.json(await listChats(deps.store, channel ?? 'web', limit ?? MAX_LIST_CHATS), 200);
  });

  app.openapi(listRoute, async (c) => {
    const { chatId } = c.req.valid('param');
    const { limit, channel } = c.req.valid('query');
    const lines = await listMessages(deps.store, { channel: channel ?? 'web', chatId }, { limit: limit ?? MAX_LIST_MESSAGES });
    return c.json(lines.map(contractLine), 200);
  });

  app.openapi(eventsRoute, async (c) => {
    const { chatId } = c.req.valid('param');
    const { after, history } = c.req.valid('query');
    const lastEventId = c.req.valid('header')['last-event-id'];
    if (openStreams >= MAX_EVENT_STREAMS) {
      return c.json({ error: `too many open event streams (at most ${MAX_EVENT_STREAMS}); close one and retry` }, 503);
    }
    const chat = { channel: 'web' as const, chatId };
    let cursor: number;
    const replay: TranscriptLine[] = [];
    if (lastEventId !== undefined) cursor = Number(lastEventId);
    else if (after !== undefined) cursor = after;
    else if (history) {
      replay.push(...(await listMessages(deps.store, chat, { limit: history })));
      cursor = replay.at(-1)?.id ?? (await latestMessageId(deps.store, chat));
    } else cursor = await latestMessageId(deps.store, chat);

    openStreams += 1;
    return streamSSE(c, async (stream) => {
      let closed = false;
      stream.onAbort(() => {
        closed = true;
      });
      try {
        // Tell the client where live lines start and how many earlier lines come first.
        await stream.writeSSE({ event: 'ready', data: JSON.stringify({ after: cursor, replayed: replay.length }), retry: 1000 });
        for (const line of replay) await stream.writeSSE({ id: String(line.id), event: 'message', data: eventData(line) });
        let idleSince = Date.now();
        while (!closed) {
          const lines = await listMessages(deps.store, chat, { afterId: cursor, limit: MAX_LIST_MESSAGES });
          for (const line of lines) {
            await stream.writeSSE({ id: String(line.id), event: 'message', data: eventData(line) });
            cursor = line.id;
          }
          if (lines.length) idleSince = Date.now();
          else if (Date.now() - idleSince >= EVENT_KEEPALIVE_MS) {
            await stream.write(': keep-alive\n\n');
            idleSince = Date.now();
          }
          if (lines.length < MAX_LIST_MESSAGES) await stream.sleep(EVENT_POLL_INTERVAL_MS);
        }
      } catch (err) {
        if (!closed) deps.logger.debug({ chatId }, `event stream ended: ${formatError(err)}`);
      } finally {
        openStreams -= 1;
      }
    }) as never;
  });
}
