import { randomUUID } from 'node:crypto';
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { apiRoute, ErrorSchema, mycelErrorBody, type ErrorBody } from '../error-schema.js';
import type { Context } from 'hono';
import { streamSSE, type SSEMessage, type SSEStreamingApi } from 'hono/streaming';
import { webMessageKey } from '../../conversation/dedupe.js';
import { InvalidEnvelopeError, MessageIdConflictError, TurnNotRecordedError, TurnTimeoutError } from '../../conversation/ingress.js';
import { ReplyDraft, type ReplyStreamMessage } from '../../conversation/reply-stream.js';
import { latestMessageId, listChats, listMessages, MAX_LIST_CHATS, MAX_LIST_MESSAGES, type TranscriptLine } from '../../conversation/transcript.js';
import { channelSchema, chatIdSchema, ENVELOPE_VERSION, MAX_MESSAGE_CHARS, type Envelope } from '../../shared/envelope.js';
import { formatError } from '../../shared/errors.js';
import { MAX_ATTACHMENTS, PHOTO_ONLY_TEXT, type Attachment } from '../../media/attachments.js';
import { MediaRefusedError, saveMedia, tooLarge } from '../../media/store.js';
import type { HttpDeps } from '../context.js';
import { DATABASE_RETRY_AFTER_SECONDS, databaseOutageBody, isDatabaseOutage } from '../../storage/outage.js';

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
/** Seconds a client is asked to wait before resending a message Temporal could not take. */
export const TEMPORAL_RETRY_AFTER_SECONDS = 5;
/** Longest client-chosen message id. */
export const MAX_MESSAGE_ID_CHARS = 128;


// channelSchema is plain zod (created before the OpenAPI extension): rebuilt here from its options.
const ChannelName = z.enum(channelSchema.options);
/** `?channel=`: one channel, or every channel. */
const ChannelQuery = z.union([ChannelName, z.literal('all')], { error: 'channel must be web, telegram, whatsapp, discord, slack or all' });

// chatIdSchema is shared with the envelope (plain zod, created before the OpenAPI extension): used as is.
const ChatParams = z.object({ chatId: chatIdSchema });

const AttachmentUploadSchema = z
  .object({
    mime: z.string().regex(/^image\/[a-z0-9.+-]+$/, 'attachments[].mime must be an image type (image/jpeg, image/png, image/gif, image/webp)'),
    dataBase64: z
      .string({ error: 'attachments[].dataBase64 is required: the file in base64' })
      .min(1, 'attachments[].dataBase64 must not be empty')
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'attachments[].dataBase64 must be base64'),
  })
  .openapi('AttachmentUpload', { description: 'An image sent with the message. Its type is checked from its content (JPEG, PNG, GIF or WebP); at most MYCEL_MEDIA_MAX_IMAGE_BYTES (default 5 MB) decoded.' });

const SendMessageSchema = z
  .object({
    text: z
      .string({ error: 'text is required and must be a string' })
      .min(1, 'text must not be empty')
      .max(MAX_MESSAGE_CHARS, `text is longer than ${MAX_MESSAGE_CHARS} characters`)
      .refine((t) => t.trim().length > 0, 'text must not be blank')
      .optional()
      .openapi({ description: 'The message. Required unless the message carries attachments.' }),
    attachments: z
      .array(AttachmentUploadSchema)
      .min(1, 'attachments must not be empty when given')
      .max(MAX_ATTACHMENTS, `at most ${MAX_ATTACHMENTS} attachments`)
      .optional()
      .openapi({ description: 'Images for a model that can look at them (the offline brain answers that it cannot). Stored in the data dir under the retention limit; only references reach the conversation.' }),
    messageId: z
      .string()
      .min(1, 'messageId must not be empty')
      .max(MAX_MESSAGE_ID_CHARS, `messageId is longer than ${MAX_MESSAGE_ID_CHARS} characters`)
      .regex(/^[A-Za-z0-9_.:-]+$/, 'messageId may contain only letters, digits, "_", ".", ":" and "-"')
      .optional()
      .openapi({ description: 'Idempotency key, unique within the chat: the same messageId again with the same text returns the same reply and starts no new turn; with other text it is refused with 409.' }),
  })
  .superRefine((body, ctx) => {
    if (body.text === undefined && !body.attachments) ctx.addIssue({ code: 'custom', path: ['text'], message: 'text is required and must be a string' });
  })
  .openapi('SendMessage');

const MessageIdConflictSchema = ErrorSchema.extend({
  turn: z.number().int().openapi({ description: 'the turn that answered the first message with this messageId' }),
}).openapi('MessageIdConflict');

const ReplySchema = z.object({ reply: z.string(), turn: z.number().int() }).openapi('Reply');

const MessageSchema = z
  .object({
    role: z.enum(['user', 'assistant']),
    text: z.string(),
    at: z.string().openapi({ description: 'ISO-8601 UTC time' }),
    kind: z.string().optional().openapi({ description: 'set for lines that are not turn replies, e.g. "reminder", "scheduled"' }),
    lateMs: z.number().int().optional().openapi({ description: 'a promise delivered more than 60 s after its due time: how late, in milliseconds' }),
  })
  .openapi('Message');

/** A turn's key on the event stream (see src/api/keys.ts). */
const TurnKey = z.string().openapi({ description: 'the turn\'s key; a message sent to a web chat has `web:api:<chatId>/<messageId>`' });

/**
 * The data of the server-sent events (JSON), registered as components so that clients get
 * their types from the document like every other body.
 */
const StreamSchemas = {
  /** `delta`: the next part of a reply; on the chat's `/events` stream `key` names the turn. */
  ReplyDelta: z.object({ text: z.string(), key: TurnKey.optional() }).openapi('ReplyDelta'),
  /** `reset`: the parts so far are void (a retried model call): start over. */
  ReplyReset: z.object({ key: TurnKey.optional() }).openapi('ReplyReset'),
  /** `error` on a streamed send: the failure after the stream began, with the status the plain answer would have had. */
  StreamError: ErrorSchema.extend({ status: z.number().int(), turn: z.number().int().optional() }).openapi('StreamError'),
  /** `ready` on `/events`: live lines start after `after`; `replayed` earlier lines come first. */
  EventsReady: z.object({ after: z.number().int(), replayed: z.number().int() }).openapi('EventsReady'),
  /** `message` on `/events` (event id = `id`): one transcript line. */
  TranscriptEvent: z
    .object({
      id: z.number().int(),
      role: z.enum(['user', 'assistant']),
      text: z.string(),
      at: z.string(),
      kind: z.string().optional(),
      turn: z.number().int().optional(),
      key: z.string().optional().openapi({ description: 'the line\'s key: its turn\'s key and `#` and more (`web:api:<chatId>/<messageId>#user`)' }),
      lateMs: z.number().int().optional(),
    })
    .openapi('TranscriptEvent'),
};
type StreamData<K extends keyof typeof StreamSchemas> = z.infer<(typeof StreamSchemas)[K]>;
/** JSON for an event's data, checked against its schema's type. */
const streamJson = <K extends keyof typeof StreamSchemas>(_kind: K, data: StreamData<K>): string => JSON.stringify(data);

const ChatSummarySchema = z
  .object({
    channel: ChannelName.openapi({ description: 'the channel the chat lives on' }),
    chatId: z.string(),
    messages: z.number().int().openapi({ description: 'lines in its transcript' }),
    lastMessageAt: z.string().openapi({ description: 'ISO-8601 UTC time of its newest line' }),
  })
  .openapi('ChatSummary');

const chatsRoute = apiRoute({
  method: 'get',
  path: '/api/chats',
  summary: 'The chats that have a transcript, the most recently active first: web chats unless ?channel= names another channel or "all"',
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(MAX_LIST_CHATS).optional(), channel: ChannelQuery.optional().openapi({ description: 'web (default), telegram, whatsapp, discord, slack, or all' }) }) },
  responses: {
    200: { description: 'chats, newest activity first', content: { 'application/json': { schema: z.array(ChatSummarySchema) } } },
    400: { description: 'bad limit', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const sendRoute = apiRoute({
  method: 'post',
  path: '/api/chats/{chatId}/messages',
  summary: 'Send a message to a chat and get the reply',
  request: {
    params: ChatParams,
    body: { content: { 'application/json': { schema: SendMessageSchema } }, required: true },
  },
  responses: {
    200: {
      description:
        'the reply and the turn number (the first ones, for a repeated messageId). With `Accept: text/event-stream`: server-sent events, `delta` ({ text }) per part of the reply as it is written, `reset` ({}) when the parts so far are void (a retried model call), then one `reply` with this JSON; a failure after the stream began is an `error` event ({ error, status })',
      content: { 'application/json': { schema: ReplySchema }, 'text/event-stream': { schema: z.string() } },
    },
    400: { description: 'bad JSON, or text missing, empty or too long; nothing was stored', content: { 'application/json': { schema: ErrorSchema } } },
    409: {
      description: 'the messageId was used before in this chat for a different text; nothing was stored, and `turn` is the turn that answered the first one',
      content: { 'application/json': { schema: MessageIdConflictSchema } },
    },
    413: { description: 'body larger than the limit, or an attachment larger than MYCEL_MEDIA_MAX_IMAGE_BYTES; nothing was stored', content: { 'application/json': { schema: ErrorSchema } } },
    415: { description: 'an attachment is not a JPEG, PNG, GIF or WebP image (checked from its content); nothing was stored', content: { 'application/json': { schema: ErrorSchema } } },
    500: { description: 'an internal error, such as a turn that was taken but could not be recorded for another reason than an outage; nothing was stored; the server log has the detail', content: { 'application/json': { schema: ErrorSchema } } },
    503: {
      description: 'the database or Temporal is unavailable (also when the database went away during the turn); nothing was stored and the turn number was not used; send the same message (same messageId) again after `Retry-After` seconds',
      content: { 'application/json': { schema: ErrorSchema } },
    },
    504: { description: 'no reply in time; the turn goes on and its reply will appear in the transcript', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const listRoute = apiRoute({
  method: 'get',
  path: '/api/chats/{chatId}/messages',
  summary: 'The transcript, oldest first (the most recent lines when it is longer than the limit)',
  request: {
    params: ChatParams,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(MAX_LIST_MESSAGES).optional(),
      channel: ChannelName.optional().openapi({ description: 'the chat\'s channel: web (default), telegram, whatsapp, discord or slack' }),
    }),
  },
  responses: {
    200: { description: 'transcript lines; reminder deliveries have kind "reminder"', content: { 'application/json': { schema: z.array(MessageSchema) } } },
    400: { description: 'bad chat id or limit', content: { 'application/json': { schema: ErrorSchema } } },
    503: { description: 'the database is unavailable; retry after `Retry-After` seconds', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const eventsRoute = apiRoute({
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
  return { role: line.role, text: line.text, at: line.at, ...(line.kind ? { kind: line.kind } : {}), ...(line.lateMs !== undefined ? { lateMs: line.lateMs } : {}) };
}

function eventData(line: TranscriptLine): string {
  const { id, role, text, at, kind, turn, key, lateMs } = line;
  return streamJson('TranscriptEvent', { id, role, text, at, kind, turn, key, lateMs });
}

/**
 * Writes server-sent events one after another: parts published while an earlier write is
 * still flushing keep their order.
 */
function serialWriter(stream: SSEStreamingApi) {
  let chain: Promise<void> = Promise.resolve();
  return {
    write(event: SSEMessage): Promise<void> {
      chain = chain.then(() => stream.writeSSE(event));
      return chain;
    },
    raw(text: string): Promise<void> {
      chain = chain.then(() => stream.write(text).then(() => undefined));
      return chain;
    },
    flushed: () => chain,
  };
}

/**
 * How a message that could not be answered is told, the same for the plain and the streamed
 * answer: its status, its body (the one Error shape) and when to retry. An outage's detail
 * (addresses included) goes to the log only.
 */
function turnFailure(err: unknown, deps: Pick<HttpDeps, 'logger'>, chatId: string): { status: 400 | 409 | 500 | 503 | 504; body: ErrorBody & { turn?: number }; retryAfter?: number } {
  if (err instanceof InvalidEnvelopeError) return { status: 400, body: { error: err.message } };
  if (err instanceof MessageIdConflictError) return { status: 409, body: { ...mycelErrorBody(err), turn: err.turn } };
  if (err instanceof TurnTimeoutError) return { status: 504, body: { error: `${err.message} ${err.hint ?? ''}`.trim() } };
  // The turn was taken but could not be recorded, not for an outage: a fault, nothing kept.
  if (err instanceof TurnNotRecordedError) {
    deps.logger.error({ chatId }, formatError(err));
    return { status: 500, body: mycelErrorBody(err) };
  }
  if (isDatabaseOutage(err)) {
    deps.logger.warn({ chatId }, `database unavailable: ${formatError(err)}`);
    return { status: 503, body: databaseOutageBody(), retryAfter: DATABASE_RETRY_AFTER_SECONDS };
  }
  deps.logger.warn({ chatId }, `the message could not be taken: ${formatError(err)}`);
  return {
    status: 503,
    body: { error: 'the conversation could not take the message: Temporal is unavailable; nothing was stored', hint: 'retry shortly; if it lasts, check that Temporal and a worker run (/readyz, `mycel doctor`)' },
    retryAfter: TEMPORAL_RETRY_AFTER_SECONDS,
  };
}

/** Whether the client asked for the streamed answer. */
function wantsEventStream(c: Context): boolean {
  return (c.req.header('accept') ?? '').toLowerCase().includes('text/event-stream');
}


/**
 * Checks and stores the images of a message (each against MYCEL_MEDIA_MAX_IMAGE_BYTES, typed by
 * its content); throws MediaRefusedError for the first one refused.
 */
async function storeUploads(deps: HttpDeps, chatId: string, uploads: Array<{ dataBase64: string }>): Promise<Attachment[]> {
  const stored: Attachment[] = [];
  for (const upload of uploads) {
    // Over the cap is known from the base64 length, before decoding anything.
    const decodedSize = Math.floor((upload.dataBase64.length * 3) / 4) - (upload.dataBase64.endsWith('==') ? 2 : upload.dataBase64.endsWith('=') ? 1 : 0);
    if (decodedSize > deps.config.media.maxImageBytes) throw tooLarge('image', decodedSize, deps.config.media.maxImageBytes);
    const bytes = new Uint8Array(Buffer.from(upload.dataBase64, 'base64'));
    stored.push(await saveMedia(deps.config.dataDir, deps.config.media, { channel: 'web', chatId }, 'image', bytes));
  }
  return stored;
}

export function registerChatRoutes(app: OpenAPIHono, deps: HttpDeps): void {
  let openStreams = 0;
  for (const [name, schema] of Object.entries(StreamSchemas)) app.openAPIRegistry.register(name, schema);

  app.openapi(sendRoute, async (c) => {
    const { chatId } = c.req.valid('param');
    const { text: words, messageId, attachments: uploads } = c.req.valid('json');
    const requestId = randomUUID();
    let attachments: Attachment[] | undefined;
    if (uploads) {
      try {
        attachments = await storeUploads(deps, chatId, uploads);
      } catch (err) {
        if (err instanceof MediaRefusedError) return c.json(mycelErrorBody(err), err.reason === 'too-large' ? 413 : 415);
        throw err;
      }
    }
    const text = words ?? PHOTO_ONLY_TEXT;
    const envelope: Envelope = {
      v: ENVELOPE_VERSION,
      channel: 'web',
      chatId,
      userId: 'web',
      updateId: webMessageKey(chatId, messageId ?? requestId),
      sequence: null,
      requestId,
      text,
      receivedAt: new Date().toISOString(),
      ...(attachments ? { attachments } : {}),
    };
    const submit = () =>
      deps.ingress.submit(envelope, { logger: deps.logger });
    if (wantsEventStream(c)) {
      return streamSSE(c, async (stream) => {
        const out = serialWriter(stream);
        const draft = new ReplyDraft();
        // Subscribed before the turn is sent: no part can come before the listener.
        const stop = deps.replies?.subscribe({ channel: 'web', chatId }, (message: ReplyStreamMessage) => {
          if (message.turnKey !== envelope.updateId) return;
          draft.apply(message.event);
          if (message.event.type === 'delta') void out.write({ event: 'delta', data: streamJson('ReplyDelta', { text: message.event.text }) });
          else void out.write({ event: 'reset', data: streamJson('ReplyReset', {}) });
        });
        try {
          const result = await submit();
          // Parts shared through the database may trail the reply a little: take them first.
          if (!draft.matches(result.reply)) await deps.replies?.catchUp?.().catch(() => undefined);
          stop?.();
          // A repeat, a split deployment or a reply changed after streaming: the whole reply as one part.
          if (!draft.matches(result.reply)) {
            if (draft.text) await out.write({ event: 'reset', data: streamJson('ReplyReset', {}) });
            await out.write({ event: 'delta', data: streamJson('ReplyDelta', { text: result.reply }) });
          }
          await out.write({ event: 'reply', data: JSON.stringify({ reply: result.reply, turn: result.turn } satisfies z.infer<typeof ReplySchema>) });
        } catch (err) {
          stop?.();
          const failure = turnFailure(err, deps, chatId);
          await out.write({ event: 'error', data: streamJson('StreamError', { ...failure.body, status: failure.status }) });
        }
        await out.flushed().catch(() => undefined);
      }) as never;
    }
    try {
      const result = await submit();
      if (result.duplicate) c.header('x-mycel-duplicate', 'true');
      return c.json({ reply: result.reply, turn: result.turn }, 200);
    } catch (err) {
      const { status, body, retryAfter } = turnFailure(err, deps, chatId);
      return c.json(body, status, retryAfter ? { 'retry-after': String(retryAfter) } : {});
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
      const out = serialWriter(stream);
      // Reply parts of this chat's turns as they are written (`key` names the turn).
      const stop = deps.replies?.subscribe(chat, (message) => {
        if (closed) return;
        const { event, turnKey: key } = message;
        void out.write(event.type === 'delta' ? { event: 'delta', data: streamJson('ReplyDelta', { text: event.text, key }) } : { event: 'reset', data: streamJson('ReplyReset', { key }) }).catch(() => undefined);
      });
      stream.onAbort(() => {
        closed = true;
        stop?.();
      });
      try {
        // Tell the client where live lines start and how many earlier lines come first.
        await out.write({ event: 'ready', data: streamJson('EventsReady', { after: cursor, replayed: replay.length }), retry: 1000 });
        for (const line of replay) await out.write({ id: String(line.id), event: 'message', data: eventData(line) });
        let idleSince = Date.now();
        while (!closed) {
          const lines = await listMessages(deps.store, chat, { afterId: cursor, limit: MAX_LIST_MESSAGES });
          for (const line of lines) {
            await out.write({ id: String(line.id), event: 'message', data: eventData(line) });
            cursor = line.id;
          }
          if (lines.length) idleSince = Date.now();
          else if (Date.now() - idleSince >= EVENT_KEEPALIVE_MS) {
            await out.raw(': keep-alive\n\n');
            idleSince = Date.now();
          }
          if (lines.length < MAX_LIST_MESSAGES) await stream.sleep(EVENT_POLL_INTERVAL_MS);
        }
      } catch (err) {
        if (!closed) deps.logger.debug({ chatId }, `event stream ended: ${formatError(err)}`);
      } finally {
        stop?.();
        openStreams -= 1;
      }
    }) as never;
  });
}
