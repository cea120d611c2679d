import type { Kysely, Selectable } from 'kysely';
import type { ChatRef, Channel } from '../shared/envelope.js';
import type { Database, MessagesTable } from '../storage/schema.js';

/**
 * The transcript of every chat: what the person said and what Mycel answered, plus what
 * Mycel posted on its own (reminder deliveries, approval outcomes). Written by the
 * conversation's `recordTurn` activity and by capabilities that post to a chat; read by
 * the HTTP API, its live event stream and `mycel chat`.
 */

/** Longest text stored for one line; longer assistant texts (tool output) are cut with a note. */
export const MAX_STORED_MESSAGE_CHARS = 32_000;
/** Lines returned by `listMessages` when no limit is given. */
export const DEFAULT_LIST_MESSAGES = 200;
/** Most lines one `listMessages` call returns. */
export const MAX_LIST_MESSAGES = 1_000;

const TRUNCATED_NOTE = '… (truncated)';

/** Anything with a query builder: a Store, or `{ db: trx }` inside a transaction. */
export interface Queryable {
  db: Kysely<Database>;
}

export interface AppendMessageInput {
  channel: Channel;
  chatId: string;
  role: 'user' | 'assistant';
  text: string;
  /** Set for lines that are not turn replies, e.g. `reminder`, `approval`. */
  kind?: string | undefined;
  /**
   * Idempotency key owned by the caller (a turn key plus role, a promise's delivery id):
   * a second append with the same key stores nothing and returns the first line.
   */
  key?: string | undefined;
  /** The conversation turn the line belongs to. */
  turn?: number | undefined;
  /** ISO-8601 UTC time of the line (default: now). */
  at?: string | undefined;
  /** A promise delivered late (more than 60 s): by how much. */
  lateMs?: number | undefined;
}

/** A stored line; `id` grows monotonically across the whole table. */
export interface TranscriptLine {
  id: number;
  channel: Channel;
  chatId: string;
  role: 'user' | 'assistant';
  text: string;
  kind?: string;
  key?: string;
  turn?: number;
  at: string;
  lateMs?: number;
}

export type AppendedMessage = TranscriptLine & {
  /** False when a line with the same key was already there (nothing was written). */
  inserted: boolean;
};

function toLine(row: Selectable<MessagesTable>): TranscriptLine {
  return {
    id: Number(row.id),
    channel: row.channel as Channel,
    chatId: row.chat_id,
    role: row.role,
    text: row.text,
    ...(row.kind != null ? { kind: row.kind } : {}),
    ...(row.key != null ? { key: row.key } : {}),
    ...(row.turn != null ? { turn: Number(row.turn) } : {}),
    at: row.at,
    ...(row.late_ms != null ? { lateMs: Number(row.late_ms) } : {}),
  };
}

function bounded(text: string): string {
  return text.length > MAX_STORED_MESSAGE_CHARS
    ? `${text.slice(0, MAX_STORED_MESSAGE_CHARS - TRUNCATED_NOTE.length)}${TRUNCATED_NOTE}`
    : text;
}

/**
 * Appends one line to a chat's transcript. With a `key`, the append is idempotent: a
 * retried activity (or a second delivery attempt) finds the first line and writes nothing.
 *
 * @example
 *   await appendMessage(deps.store, { channel, chatId, role: 'assistant', text: '⏰ stretch', kind: 'reminder', key: `promise:${id}` });
 */
export async function appendMessage(store: Queryable, input: AppendMessageInput): Promise<AppendedMessage> {
  const row = {
    channel: input.channel,
    chat_id: input.chatId,
    role: input.role,
    text: bounded(input.text),
    kind: input.kind ?? null,
    key: input.key ?? null,
    turn: input.turn ?? null,
    at: input.at ?? new Date().toISOString(),
    late_ms: input.lateMs ?? null,
  };
  const inserted = await store.db
    .insertInto('messages')
    .values(row)
    .onConflict((oc) => oc.column('key').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { ...toLine(inserted), inserted: true };
  const existing = await store.db.selectFrom('messages').selectAll().where('key', '=', input.key!).executeTakeFirstOrThrow();
  return { ...toLine(existing), inserted: false };
}

export interface ListMessagesOptions {
  /** Only lines after this id (oldest first), for resuming a stream. */
  afterId?: number | undefined;
  /** At most this many lines (default DEFAULT_LIST_MESSAGES, at most MAX_LIST_MESSAGES). */
  limit?: number | undefined;
}

/**
 * A chat's transcript, oldest first. Without `afterId`: the most recent `limit` lines.
 * With `afterId`: the `limit` lines that follow it (what a live stream sends next).
 */
export async function listMessages(store: Queryable, chat: ChatRef, options: ListMessagesOptions = {}): Promise<TranscriptLine[]> {
  const limit = Math.min(Math.max(1, Math.trunc(options.limit ?? DEFAULT_LIST_MESSAGES)), MAX_LIST_MESSAGES);
  const base = store.db.selectFrom('messages').selectAll().where('channel', '=', chat.channel).where('chat_id', '=', chat.chatId);
  if (options.afterId !== undefined) {
    const rows = await base.where('id', '>', options.afterId).orderBy('id', 'asc').limit(limit).execute();
    return rows.map(toLine);
  }
  const rows = await base.orderBy('id', 'desc').limit(limit).execute();
  return rows.reverse().map(toLine);
}

/** Id of the chat's newest line, 0 when the chat has none (a live stream starts after it). */
export async function latestMessageId(store: Queryable, chat: ChatRef): Promise<number> {
  const row = await store.db
    .selectFrom('messages')
    .select('id')
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.id) : 0;
}

/** Most chats `listChats` returns. */
export const MAX_LIST_CHATS = 200;

/** One chat, as `GET /api/chats` lists it. */
export interface ChatSummary {
  channel: ChatRef['channel'];
  chatId: string;
  /** Lines in its transcript. */
  messages: number;
  /** Time of its newest line (ISO-8601 UTC). */
  lastMessageAt: string;
}

/** The chats of a channel (or of every channel, `'all'`) that have a transcript, the most recently active first. */
export async function listChats(store: Queryable, channel: ChatRef['channel'] | 'all', limit = MAX_LIST_CHATS): Promise<ChatSummary[]> {
  let query = store.db
    .selectFrom('messages')
    .select((eb) => ['channel', 'chat_id', eb.fn.max('id').as('last_id'), eb.fn.max('at').as('last_at'), eb.fn.countAll().as('count')]);
  if (channel !== 'all') query = query.where('channel', '=', channel);
  const rows = await query
    .groupBy(['channel', 'chat_id'])
    .orderBy('last_id', 'desc')
    .limit(Math.min(Math.max(1, Math.trunc(limit)), MAX_LIST_CHATS))
    .execute();
  return rows.map((r) => ({ channel: r.channel as ChatRef['channel'], chatId: r.chat_id, messages: Number(r.count), lastMessageAt: String(r.last_at) }));
}
