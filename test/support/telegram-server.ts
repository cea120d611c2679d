import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseHtml, parseMarkdownV2, type ParseResult } from './telegram-entities.js';

/**
 * A local stand-in for the Telegram Bot API, over real HTTP, for tests and the bench (the
 * public Bot API is unreachable here). It speaks the same wire protocol — `POST
 * <root>/bot<token>/<method>` with JSON, form or query parameters, answering
 * `{ ok, result }` or `{ ok: false, error_code, description, parameters? }` — and keeps the
 * behaviours Mycel depends on:
 *
 * - `getUpdates` long polling: `offset` confirms (forgets) every update below it, `timeout`
 *   holds the request open until an update arrives, `limit`, `allowed_updates`, a newer
 *   request ends an older one with 409, and 409 while a webhook is set.
 * - `sendMessage`: records messages, 4096-character limit, empty text, `parse_mode`
 *   parse errors for unescaped MarkdownV2/HTML, inline keyboards with ≤ 64-byte data.
 * - `sendMessageDraft` (private chats; recorded in `drafts`) and `editMessageText` (recorded in
 *   `textEdits`; the message keeps its new text; "message is not modified" for the same text).
 *   `refuseMethod('sendMessageDraft')` plays a server that does not offer drafts (404).
 * - `getFile` and file downloads (`GET <root>/file/bot<token>/<file_path>`) for the photos
 *   and voice notes injected with bytes (`injectPhoto(…, { bytes })`, `injectVoice`).
 * - `sendChatAction`, `answerCallbackQuery`, `editMessageReplyMarkup`, `getMe`,
 *   `setWebhook`/`deleteWebhook`/`getWebhookInfo` (webhook mode POSTs each update with
 *   the secret token header and retries until it gets a 2xx).
 * - Failure modes: scripted errors (429 with `retry_after`, 5xx), optional flood control,
 *   methods it refuses (404 like an unknown method), users who blocked the bot (403), and
 *   401 for a wrong token.
 *
 * Helpers inject updates (messages, commands with `@botname`, photos, stickers, edits,
 * channel posts, callback queries, raw or malformed ones) and wait for what the bot sent.
 */

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
  language_code?: string;
}

export interface TgChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  first_name?: string;
  username?: string;
  title?: string;
}

export interface InlineButton {
  text: string;
  callback_data?: string;
  url?: string;
}

export interface TgMessage {
  message_id: number;
  date: number;
  chat: TgChat;
  from?: TgUser;
  sender_chat?: TgChat;
  text?: string;
  entities?: Array<{ type: string; offset: number; length: number }>;
  caption?: string;
  photo?: Array<Record<string, unknown>>;
  voice?: Record<string, unknown>;
  sticker?: Record<string, unknown>;
  edit_date?: number;
  reply_markup?: { inline_keyboard: InlineButton[][] };
}

/** An update as the stand-in holds it: any JSON object with an `update_id`. */
export type TgUpdate = { update_id: number } & Record<string, unknown>;

/** A message the bot sent, as recorded. */
export interface SentMessage extends TgMessage {
  parse_mode?: string;
  /** Wall-clock time the stand-in accepted it (ms). */
  acceptedAt: number;
}

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  status: number;
  at: number;
}

export interface ScriptedFailure {
  /** HTTP status and `error_code` (429, 500, 502, 400, …). */
  code: number;
  description?: string;
  /** For 429: seconds the client must wait. */
  retryAfter?: number;
}

export interface StandInOptions {
  token?: string;
  username?: string;
  firstName?: string;
  /**
   * Telegram's flood control: when set, a send to a chat sooner than `perChatMs` after the
   * previous one, or more than `globalPerSecond` sends in a second, gets a 429.
   */
  floodControl?: { perChatMs: number; globalPerSecond: number; retryAfter: number };
  /** Delay before a failed webhook delivery is tried again (ms). */
  webhookRetryMs?: number;
  /** The first update id handed out (default: random, like Telegram's). */
  firstUpdateId?: number;
}

/** Largest text of a message (after entities are parsed), as on Telegram. */
export const TG_MAX_MESSAGE_CHARS = 4096;
/** Largest `callback_data` of an inline button, in bytes. */
export const TG_MAX_CALLBACK_DATA_BYTES = 64;
/** Longest a `getUpdates` long poll may hold (s), as on Telegram. */
export const TG_MAX_POLL_TIMEOUT_S = 50;

const CHAT_ACTIONS = new Set(['typing', 'upload_photo', 'record_video', 'upload_video', 'record_voice', 'upload_voice', 'upload_document', 'choose_sticker', 'find_location', 'record_video_note', 'upload_video_note']);
const DEFAULT_ALLOWED = ['message', 'edited_message', 'channel_post', 'edited_channel_post', 'callback_query', 'inline_query', 'my_chat_member'];

class ApiFailure extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: Record<string, unknown>,
  ) {
    super(description);
  }
}

const badRequest = (what: string) => new ApiFailure(400, `Bad Request: ${what}`);

interface Poll {
  resolve(updates: TgUpdate[]): void;
  reject(err: ApiFailure): void;
  timer: NodeJS.Timeout;
  limit: number;
}

export class TelegramStandIn {
  readonly token: string;
  readonly botId: number;
  readonly username: string;
  readonly firstName: string;
  /** Every message the bot sent, in order. */
  readonly sent: SentMessage[] = [];
  readonly chatActions: Array<{ chatId: number; action: string; at: number }> = [];
  readonly callbackAnswers: Array<{ id: string; text?: string; showAlert?: boolean }> = [];
  readonly markupEdits: Array<{ chatId: number; messageId: number; markup: unknown }> = [];
  /** Every draft shown (`sendMessageDraft`), in order. */
  readonly drafts: Array<{ chatId: number; draftId: number; text: string; at: number }> = [];
  /** Every edit of a message's text (`editMessageText`), in order. */
  readonly textEdits: Array<{ chatId: number; messageId: number; text: string; at: number }> = [];
  /** Every API call, with the status it got. */
  readonly calls: ApiCall[] = [];
  readonly events = new EventEmitter();
  /** File paths downloaded through `/file/bot<token>/…`, in order. */
  readonly fileDownloads: string[] = [];
  private readonly files = new Map<string, { path: string; bytes: Uint8Array; announced: number }>();
  private nextFileNumber = 1;

  private server!: Server;
  private root = '';
  private queue: TgUpdate[] = [];
  private nextUpdateId: number;
  private readonly messageIds = new Map<number, number>();
  private readonly messages = new Map<string, TgMessage>();
  private readonly chats = new Map<number, TgChat>();
  private readonly openCallbacks = new Set<string>();
  private nextCallbackId = 1;
  private poll: Poll | undefined;
  private allowed = DEFAULT_ALLOWED;
  private readonly failures = new Map<string, ScriptedFailure[]>();
  private readonly refused = new Set<string>();
  private readonly blocked = new Set<number>();
  private readonly lastSendAt = new Map<number, number>();
  private readonly sendTimes: number[] = [];
  private webhook: { url: string; secret?: string; lastError?: string; lastErrorDate?: number } | undefined;
  private delivering = false;
  private stopped = false;
  /** Highest update_id the consumer confirmed (through `offset` or a webhook 2xx). */
  confirmedUpTo = 0;

  private constructor(private readonly options: StandInOptions) {
    // A bot id and a first update id of their own per stand-in, as Telegram's are arbitrary:
    // keys derived from them (turn keys, approval ids) never collide between test instances.
    this.token = options.token ?? `${100_000_000 + Math.floor(Math.random() * 800_000_000)}:TEST-stand-in-token_abcdefghijklmnopqr`;
    this.nextUpdateId = options.firstUpdateId ?? 100_000 + Math.floor(Math.random() * 100_000_000);
    this.botId = Number(this.token.split(':')[0]);
    this.username = options.username ?? 'MycelTestBot';
    this.firstName = options.firstName ?? 'Mycel Test';
  }

  /** Starts the stand-in on a free loopback port. */
  static async start(options: StandInOptions = {}): Promise<TelegramStandIn> {
    const standIn = new TelegramStandIn(options);
    standIn.server = createServer((req, res) => void standIn.handle(req, res));
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    standIn.root = `http://127.0.0.1:${(standIn.server.address() as AddressInfo).port}`;
    return standIn;
  }

  /** The value for `TELEGRAM_API_ROOT`. */
  get apiRoot(): string {
    return this.root;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll) {
      clearTimeout(this.poll.timer);
      this.poll.resolve([]);
      this.poll = undefined;
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------- failure modes

  /** The next `times` calls of `method` fail as scripted (429 with retry_after, 502, …). */
  failNext(method: string, failure: ScriptedFailure, times = 1): void {
    const list = this.failures.get(method.toLowerCase()) ?? [];
    for (let n = 0; n < times; n += 1) list.push(failure);
    this.failures.set(method.toLowerCase(), list);
  }

  /** This server does not implement `method`: it answers 404 like an unknown method. */
  refuseMethod(method: string): void {
    this.refused.add(method.toLowerCase());
  }

  /** The user of this private chat blocked the bot: sends answer 403. */
  blockChat(chatId: number): void {
    this.blocked.add(chatId);
  }

  // ---------------------------------------------------------------- injecting updates

  user(id: number, firstName = `User ${id}`, username?: string): TgUser {
    return { id, is_bot: false, first_name: firstName, ...(username ? { username } : {}), language_code: 'en' };
  }

  private privateChat(user: TgUser): TgChat {
    return { id: user.id, type: 'private', first_name: user.first_name, ...(user.username ? { username: user.username } : {}) };
  }

  private nextMessageId(chatId: number): number {
    const id = (this.messageIds.get(chatId) ?? 0) + 1;
    this.messageIds.set(chatId, id);
    return id;
  }

  /** Queues an update as Telegram would (dropped when its type is not in allowed_updates). */
  private enqueue(body: Record<string, unknown>, updateId?: number): TgUpdate {
    const update = { ...body, update_id: updateId ?? this.nextUpdateId++ } as TgUpdate;
    const type = Object.keys(update).find((k) => k !== 'update_id');
    if (type && !this.allowed.includes(type)) return update;
    this.queue.push(update);
    this.wake();
    return update;
  }

  /** A user's message; `messageId` overrides the chat's next message id (reordering tests). */
  injectMessage(options: { from: TgUser; text?: string; chat?: TgChat; messageId?: number; extra?: Partial<TgMessage> }): TgUpdate {
    const chat = options.chat ?? this.privateChat(options.from);
    const messageId = options.messageId ?? this.nextMessageId(chat.id);
    if (options.messageId !== undefined) this.messageIds.set(chat.id, Math.max(this.messageIds.get(chat.id) ?? 0, options.messageId));
    const message: TgMessage = {
      message_id: messageId,
      from: options.from,
      chat,
      date: Math.floor(Date.now() / 1000),
      ...(options.text !== undefined ? { text: options.text } : {}),
      ...options.extra,
    };
    this.messages.set(`${chat.id}:${messageId}`, message);
    this.chats.set(chat.id, chat);
    return this.enqueue({ message });
  }

  /** `/command args`, optionally addressed as `/command@botname` (true = this bot's name). */
  injectCommand(from: TgUser, command: string, options: { args?: string; botname?: true | string; chat?: TgChat } = {}): TgUpdate {
    const name = options.botname === true ? this.username : options.botname;
    const head = `/${command.replace(/^\//, '')}${name ? `@${name}` : ''}`;
    const text = options.args ? `${head} ${options.args}` : head;
    return this.injectMessage({ from, text, chat: options.chat, extra: { entities: [{ type: 'bot_command', offset: 0, length: head.length }] } });
  }

  /**
   * A photo in three sizes. With `bytes`, each size is a real file (`getFile` and download work)
   * of those bytes; `fileSize` overrides the size announced in the update (oversized-file tests).
   */
  injectPhoto(from: TgUser, caption?: string, options: { bytes?: Uint8Array; fileSize?: number } = {}): TgUpdate {
    const photo = [90, 320, 800].map((w, n) => {
      if (!options.bytes) return { file_id: `photo-${n}-${this.nextUpdateId}`, file_unique_id: `u${n}${this.nextUpdateId}`, width: w, height: w, file_size: w * 100 };
      const file = this.addFile(options.bytes, 'photos', 'jpg', options.fileSize);
      return { file_id: file.file_id, file_unique_id: file.file_unique_id, width: w, height: w, file_size: file.file_size };
    });
    return this.injectMessage({ from, extra: { photo, ...(caption ? { caption } : {}) } });
  }

  /** A voice note (OGG/Opus on Telegram) whose file is `bytes`. */
  injectVoice(from: TgUser, bytes: Uint8Array, options: { duration?: number; fileSize?: number } = {}): TgUpdate {
    const file = this.addFile(bytes, 'voice', 'oga', options.fileSize);
    const voice = { file_id: file.file_id, file_unique_id: file.file_unique_id, duration: options.duration ?? 2, mime_type: 'audio/ogg', file_size: file.file_size };
    return this.injectMessage({ from, extra: { voice } });
  }

  /** Registers a downloadable file, as Telegram stores what users send. */
  private addFile(bytes: Uint8Array, folder: string, ext: string, announced?: number): { file_id: string; file_unique_id: string; file_size: number } {
    const n = this.nextFileNumber++;
    const fileId = `file-${n}-${Math.random().toString(36).slice(2, 10)}`;
    this.files.set(fileId, { path: `${folder}/file_${n}.${ext}`, bytes, announced: announced ?? bytes.length });
    return { file_id: fileId, file_unique_id: `uf${n}`, file_size: announced ?? bytes.length };
  }

  injectSticker(from: TgUser, emoji = '👍'): TgUpdate {
    const sticker = { file_id: `sticker-${this.nextUpdateId}`, file_unique_id: `s${this.nextUpdateId}`, type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, emoji };
    return this.injectMessage({ from, extra: { sticker } });
  }

  /** An edit of a message the user sent earlier. */
  injectEdit(original: TgUpdate, text: string): TgUpdate {
    const message = original.message as TgMessage;
    return this.enqueue({ edited_message: { ...message, text, edit_date: Math.floor(Date.now() / 1000) } });
  }

  injectChannelPost(text: string, channelId = -1001234567890): TgUpdate {
    const chat: TgChat = { id: channelId, type: 'channel', title: 'A channel' };
    return this.enqueue({ channel_post: { message_id: this.nextMessageId(channelId), sender_chat: chat, chat, date: Math.floor(Date.now() / 1000), text } });
  }

  /** The user pressed an inline button of a message the bot sent. */
  injectCallback(from: TgUser, message: SentMessage, data: string): TgUpdate {
    const id = `cbq-${this.nextCallbackId++}`;
    this.openCallbacks.add(id);
    const { acceptedAt: _a, parse_mode: _p, ...plain } = message;
    return this.enqueue({ callback_query: { id, from, message: plain, chat_instance: `ci-${message.chat.id}`, data } });
  }

  /** Any update body (malformed ones too); keeps `update_id` when given (duplicates). */
  injectRaw(body: Record<string, unknown>): TgUpdate {
    const id = typeof body.update_id === 'number' ? body.update_id : undefined;
    const { update_id: _drop, ...rest } = body;
    return this.enqueue(rest, id);
  }

  /** Updates queued and not yet confirmed by the consumer. */
  pending(): TgUpdate[] {
    return [...this.queue];
  }

  // ---------------------------------------------------------------- waiting

  /** Messages sent to a chat (optionally only those after `since`, an index into `sent`). */
  sentTo(chatId: number, since = 0): SentMessage[] {
    return this.sent.slice(since).filter((m) => m.chat.id === chatId);
  }

  /** Resolves when `predicate` holds (checked on every API call and every 50 ms). */
  async waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`stand-in Bot API: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.events.off('call', done);
          resolve();
        };
        const timer = setTimeout(done, 50);
        this.events.on('call', done);
      });
    }
  }

  /** Waits until `count` messages were sent to the chat (after index `since`) and returns them. */
  waitForMessages(chatId: number, count: number, options: { since?: number; timeoutMs?: number } = {}): Promise<SentMessage[]> {
    return this.waitFor(
      () => {
        const got = this.sentTo(chatId, options.since ?? 0);
        return got.length >= count ? got : undefined;
      },
      options.timeoutMs,
      `${count} message(s) to chat ${chatId}`,
    );
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.root);
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (download) return this.serveFile(download[1]!, decodeURIComponent(download[2]!), res);
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    let status = 200;
    let body: unknown;
    let method = match?.[2] ?? url.pathname;
    let params: Record<string, unknown> = {};
    try {
      if (!match) throw new ApiFailure(404, 'Not Found');
      if (match[1] !== this.token) throw new ApiFailure(401, 'Unauthorized');
      params = await readParams(req, url);
      method = match[2]!;
      body = { ok: true, result: await this.call(method.toLowerCase(), params) };
    } catch (err) {
      const failure = err instanceof ApiFailure ? err : new ApiFailure(500, `Internal Server Error: ${(err as Error).message}`);
      status = failure.code;
      body = { ok: false, error_code: failure.code, description: failure.description, ...(failure.parameters ? { parameters: failure.parameters } : {}) };
    }
    this.calls.push({ method, params, status, at: Date.now() });
    if (!res.destroyed) {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    }
    this.events.emit('call', method, status);
  }

  /** `GET /file/bot<token>/<file_path>`: the file's bytes, as Telegram serves them. */
  private serveFile(token: string, filePath: string, res: ServerResponse): void {
    const file = token === this.token ? [...this.files.values()].find((f) => f.path === filePath) : undefined;
    this.calls.push({ method: 'file', params: { path: filePath }, status: file ? 200 : 404, at: Date.now() });
    if (!file) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
    } else {
      this.fileDownloads.push(filePath);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.bytes.length) }).end(Buffer.from(file.bytes));
    }
    this.events.emit('call', 'file', file ? 200 : 404);
  }

  private getFile(p: Record<string, unknown>): Record<string, unknown> {
    const file = this.files.get(String(p.file_id ?? ''));
    if (!file) throw badRequest('invalid file_id');
    // Bots may download files of up to 20 MB.
    if (file.announced > 20 * 1024 * 1024) throw badRequest('file is too big');
    return { file_id: p.file_id, file_unique_id: `uf-${file.path}`, file_size: file.announced, file_path: file.path };
  }

  private async call(method: string, p: Record<string, unknown>): Promise<unknown> {
    if (this.refused.has(method)) throw new ApiFailure(404, 'Not Found');
    const scripted = this.failures.get(method)?.shift();
    if (scripted) {
      const description =
        scripted.description ?? (scripted.code === 429 ? `Too Many Requests: retry after ${scripted.retryAfter ?? 1}` : scripted.code >= 500 ? 'Bad Gateway' : 'Bad Request: scripted failure');
      throw new ApiFailure(scripted.code, description, scripted.code === 429 ? { retry_after: scripted.retryAfter ?? 1 } : undefined);
    }
    switch (method) {
      case 'getme':
        return { id: this.botId, is_bot: true, first_name: this.firstName, username: this.username, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };
      case 'getupdates':
        return this.getUpdates(p);
      case 'getfile':
        return this.getFile(p);
      case 'sendmessage':
        return this.sendMessage(p);
      case 'sendchataction':
        return this.sendChatAction(p);
      case 'answercallbackquery':
        return this.answerCallbackQuery(p);
      case 'editmessagereplymarkup':
        return this.editMessageReplyMarkup(p);
      case 'sendmessagedraft':
        return this.sendMessageDraft(p);
      case 'editmessagetext':
        return this.editMessageText(p);
      case 'setwebhook':
        return this.setWebhook(p);
      case 'deletewebhook':
        if (p.drop_pending_updates === true) this.queue = [];
        this.webhook = undefined;
        return true;
      case 'getwebhookinfo':
        return {
          url: this.webhook?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: this.queue.length,
          ...(this.webhook?.lastError ? { last_error_message: this.webhook.lastError, last_error_date: this.webhook.lastErrorDate } : {}),
          allowed_updates: this.allowed,
        };
      default:
        throw new ApiFailure(404, 'Not Found');
    }
  }

  private confirmBelow(offset: number): void {
    this.queue = this.queue.filter((u) => u.update_id >= offset);
    this.confirmedUpTo = Math.max(this.confirmedUpTo, offset - 1);
  }

  private getUpdates(p: Record<string, unknown>): Promise<TgUpdate[]> | TgUpdate[] {
    if (this.webhook) throw new ApiFailure(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    const offset = optionalInt(p.offset, 'offset');
    const limit = Math.min(100, Math.max(1, optionalInt(p.limit, 'limit') ?? 100));
    const timeout = Math.min(TG_MAX_POLL_TIMEOUT_S, Math.max(0, optionalInt(p.timeout, 'timeout') ?? 0));
    if (Array.isArray(p.allowed_updates)) this.allowed = p.allowed_updates.length ? (p.allowed_updates as string[]) : DEFAULT_ALLOWED;
    if (offset !== undefined && offset < 0) {
      this.queue = this.queue.slice(offset);
    } else if (offset !== undefined) {
      this.confirmBelow(offset);
    }
    if (this.poll) {
      // A newer request ends the older one, as on Telegram.
      clearTimeout(this.poll.timer);
      this.poll.reject(new ApiFailure(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'));
      this.poll = undefined;
    }
    if (this.queue.length || timeout === 0 || this.stopped) return this.queue.slice(0, limit);
    return new Promise<TgUpdate[]>((resolve, reject) => {
      const poll: Poll = {
        resolve,
        reject,
        limit,
        timer: setTimeout(() => {
          if (this.poll === poll) this.poll = undefined;
          resolve([]);
        }, timeout * 1000),
      };
      this.poll = poll;
    });
  }

  private wake(): void {
    if (this.poll && this.queue.length) {
      const poll = this.poll;
      this.poll = undefined;
      clearTimeout(poll.timer);
      // Like Telegram, answer a moment later so that updates injected together arrive together.
      setTimeout(() => poll.resolve(this.queue.slice(0, poll.limit)), 5);
    }
    if (this.webhook) void this.deliverWebhook();
  }

  private chatOf(p: Record<string, unknown>): number {
    const chatId = Number(p.chat_id);
    if (p.chat_id === undefined || p.chat_id === '') throw badRequest('chat_id is empty');
    if (!Number.isSafeInteger(chatId)) throw badRequest('chat not found');
    if (this.blocked.has(chatId)) throw new ApiFailure(403, 'Forbidden: bot was blocked by the user');
    return chatId;
  }

  private flood(chatId: number): void {
    const flood = this.options.floodControl;
    const now = Date.now();
    if (flood) {
      const last = this.lastSendAt.get(chatId);
      while (this.sendTimes.length && this.sendTimes[0]! <= now - 1000) this.sendTimes.shift();
      if ((last !== undefined && now - last < flood.perChatMs) || this.sendTimes.length >= flood.globalPerSecond) {
        throw new ApiFailure(429, `Too Many Requests: retry after ${flood.retryAfter}`, { retry_after: flood.retryAfter });
      }
    }
    this.lastSendAt.set(chatId, now);
    this.sendTimes.push(now);
  }

  private sendMessage(p: Record<string, unknown>): SentMessage {
    const chatId = this.chatOf(p);
    const raw = typeof p.text === 'string' ? p.text : p.text === undefined ? '' : String(p.text);
    if (!raw.trim()) throw badRequest('message text is empty');
    const parseMode = typeof p.parse_mode === 'string' && p.parse_mode ? p.parse_mode : undefined;
    let parsed: ParseResult = { ok: true, text: raw };
    if (parseMode === 'MarkdownV2') parsed = parseMarkdownV2(raw);
    else if (parseMode === 'HTML') parsed = parseHtml(raw);
    else if (parseMode !== undefined && parseMode !== 'Markdown') throw badRequest('unsupported parse_mode');
    if (!parsed.ok) throw badRequest(parsed.error.replace(/^Can't/, "can't"));
    if (parsed.text.length > TG_MAX_MESSAGE_CHARS) throw badRequest('message is too long');
    const markup = parseMarkup(p.reply_markup);
    this.flood(chatId);
    const known = this.chats.get(chatId);
    const message: SentMessage = {
      message_id: this.nextMessageId(chatId),
      date: Math.floor(Date.now() / 1000),
      chat: known ?? { id: chatId, type: chatId > 0 ? 'private' : 'supergroup' },
      from: { id: this.botId, is_bot: true, first_name: this.firstName, username: this.username },
      text: parsed.text,
      ...(markup ? { reply_markup: markup } : {}),
      ...(parseMode ? { parse_mode: parseMode } : {}),
      acceptedAt: Date.now(),
    };
    this.messages.set(`${chatId}:${message.message_id}`, message);
    this.sent.push(message);
    return message;
  }

  private sendChatAction(p: Record<string, unknown>): true {
    const chatId = this.chatOf(p);
    const action = String(p.action ?? '');
    if (!CHAT_ACTIONS.has(action)) throw badRequest('wrong parameter action in request');
    this.chatActions.push({ chatId, action, at: Date.now() });
    return true;
  }

  private answerCallbackQuery(p: Record<string, unknown>): true {
    const id = String(p.callback_query_id ?? '');
    if (!this.openCallbacks.delete(id)) throw badRequest('query is too old and response timeout expired or query ID is invalid');
    this.callbackAnswers.push({ id, ...(typeof p.text === 'string' ? { text: p.text } : {}), ...(p.show_alert === true ? { showAlert: true } : {}) });
    return true;
  }

  private editMessageReplyMarkup(p: Record<string, unknown>): TgMessage {
    const chatId = this.chatOf(p);
    const messageId = optionalInt(p.message_id, 'message_id');
    const message = this.messages.get(`${chatId}:${messageId}`);
    if (!message) throw badRequest('message to edit not found');
    const markup = parseMarkup(p.reply_markup);
    const empty = (m: unknown) => !m || !(m as { inline_keyboard: unknown[] }).inline_keyboard.length;
    if (JSON.stringify(markup ?? null) === JSON.stringify(message.reply_markup ?? null) || (empty(markup) && empty(message.reply_markup))) {
      throw badRequest('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
    }
    if (markup && markup.inline_keyboard.length) message.reply_markup = markup;
    else delete message.reply_markup;
    this.markupEdits.push({ chatId, messageId: messageId!, markup: markup ?? null });
    return message;
  }

  private sendMessageDraft(p: Record<string, unknown>): true {
    const chatId = this.chatOf(p);
    if (chatId <= 0) throw badRequest('TEXTDRAFT_PEER_INVALID');
    const draftId = optionalInt(p.draft_id, 'draft_id');
    if (!draftId) throw badRequest('draft_id must be non-zero');
    const text = typeof p.text === 'string' ? p.text : '';
    if (text.length > TG_MAX_MESSAGE_CHARS) throw badRequest('message is too long');
    this.drafts.push({ chatId, draftId, text, at: Date.now() });
    return true;
  }

  private editMessageText(p: Record<string, unknown>): TgMessage {
    const chatId = this.chatOf(p);
    const messageId = optionalInt(p.message_id, 'message_id');
    const message = this.messages.get(`${chatId}:${messageId}`);
    if (!message || message.from?.id !== this.botId) throw badRequest('message to edit not found');
    const text = typeof p.text === 'string' ? p.text : '';
    if (!text.trim()) throw badRequest('message text is empty');
    if (text.length > TG_MAX_MESSAGE_CHARS) throw badRequest('MESSAGE_TOO_LONG');
    if (text === message.text) {
      throw badRequest('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
    }
    message.text = text;
    message.edit_date = Math.floor(Date.now() / 1000);
    this.textEdits.push({ chatId, messageId: messageId!, text, at: Date.now() });
    return message;
  }

  private setWebhook(p: Record<string, unknown>): true {
    const url = typeof p.url === 'string' ? p.url : '';
    if (!url) {
      this.webhook = undefined;
      return true;
    }
    if (!/^https?:\/\//.test(url)) throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
    const secret = typeof p.secret_token === 'string' ? p.secret_token : undefined;
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw badRequest('bad webhook: secret token contains unallowed characters');
    if (Array.isArray(p.allowed_updates)) this.allowed = p.allowed_updates.length ? (p.allowed_updates as string[]) : DEFAULT_ALLOWED;
    if (p.drop_pending_updates === true) this.queue = [];
    if (this.poll) {
      clearTimeout(this.poll.timer);
      this.poll.resolve([]);
      this.poll = undefined;
    }
    this.webhook = { url, ...(secret ? { secret } : {}) };
    void this.deliverWebhook();
    return true;
  }

  /** POSTs queued updates one at a time to the webhook; a non-2xx answer is retried later. */
  private async deliverWebhook(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (this.webhook && this.queue.length && !this.stopped) {
        const hook = this.webhook;
        const update = this.queue[0]!;
        let ok = false;
        try {
          const res = await fetch(hook.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(hook.secret ? { 'x-telegram-bot-api-secret-token': hook.secret } : {}) },
            body: JSON.stringify(update),
            signal: AbortSignal.timeout(10_000),
          });
          await res.arrayBuffer();
          ok = res.ok;
          if (!ok) hook.lastError = `Wrong response from the webhook: ${res.status} ${res.statusText}`;
        } catch (err) {
          hook.lastError = `Connection failed: ${(err as Error).message}`;
        }
        this.events.emit('webhook', update.update_id, ok);
        this.events.emit('call', 'webhook', ok ? 200 : 500);
        if (ok) {
          if (this.queue[0] === update) this.queue.shift();
          this.confirmedUpTo = Math.max(this.confirmedUpTo, update.update_id);
        } else {
          hook.lastErrorDate = Math.floor(Date.now() / 1000);
          await new Promise((r) => setTimeout(r, this.options.webhookRetryMs ?? 500));
        }
      }
    } finally {
      this.delivering = false;
    }
  }
}

// ---------------------------------------------------------------- parameter parsing

function optionalInt(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw badRequest(`wrong parameter ${name}`);
  return n;
}

function parseMarkup(value: unknown): { inline_keyboard: InlineButton[][] } | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let markup: unknown = value;
  if (typeof value === 'string') {
    try {
      markup = JSON.parse(value);
    } catch {
      throw badRequest("can't parse reply keyboard markup JSON object");
    }
  }
  const rows = (markup as { inline_keyboard?: unknown }).inline_keyboard;
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
  for (const row of rows as InlineButton[][]) {
    for (const button of row) {
      if (typeof button?.text !== 'string' || !button.text) throw badRequest('text buttons are unallowed in the inline keyboard');
      if (button.callback_data !== undefined) {
        const bytes = Buffer.byteLength(String(button.callback_data), 'utf8');
        if (bytes < 1 || bytes > TG_MAX_CALLBACK_DATA_BYTES) throw badRequest('BUTTON_DATA_INVALID');
      } else if (!button.url) {
        throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
      }
    }
  }
  return { inline_keyboard: rows as InlineButton[][] };
}

/** Parameters from the query string and a JSON or form body, as the Bot API accepts them. */
async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!raw) return params;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw badRequest("can't parse JSON object");
    }
    return { ...params, ...(parsed as Record<string, unknown>) };
  }
  if (type.includes('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(raw)) params[k] = /^[[{]/.test(v) ? safeJson(v) : v;
    return params;
  }
  throw badRequest('unsupported content type');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
