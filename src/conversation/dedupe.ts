import { createHash } from 'node:crypto';
import type { ChatRef } from '../shared/envelope.js';
import type { Queryable } from './transcript.js';

/**
 * The durable dedupe record of inbound updates. Each answered turn leaves one row under
 * its idempotency key (`<channel>:<bot>:<update_id>`; for the API `web:api:<chatId>/<messageId>`,
 * since a messageId is the client's and only unique within its chat) with its turn number,
 * reply and a hash of the message's text, written together with the transcript lines.
 * Ingress checks it before a message reaches the workflow, so a repeat gets the first reply
 * back and starts no new turn, and the same key with other text is told apart (409).
 *
 * Retention is bounded: records older than DEDUPE_RETENTION_MS are ignored and pruned.
 * Telegram redelivers an update for at most 24 hours and HTTP clients retry within
 * minutes, so a week covers every realistic repeat with a wide margin.
 */
export const DEDUPE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** `recordTurn` prunes expired records every this many turns of a chat. */
export const DEDUPE_PRUNE_EVERY_TURNS = 50;

export interface TurnRecord {
  key: string;
  chat: ChatRef;
  turn: number;
  reply: string;
  recordedAt: string;
  /** Hash of the message's text (`turnTextHash`); absent on records written before it was kept. */
  textHash?: string;
}

/** The key of a message sent to a web chat: one definition, shared with the API's clients. */
export { webMessageKey } from '../api/keys.js';

/** What a dedupe record keeps of a message's text: enough to tell that a repeat's text differs. */
export function turnTextHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** True when `text` is the text the record was made for (or the record predates text hashes). */
export function sameTurnText(record: Pick<TurnRecord, 'textHash'>, text: string): boolean {
  return record.textHash === undefined || record.textHash === turnTextHash(text);
}

/** The record of an update already answered within the retention window, if any. */
export async function findTurnRecord(store: Queryable, key: string, now = new Date()): Promise<TurnRecord | undefined> {
  const row = await store.db.selectFrom('turn_dedupe').selectAll().where('key', '=', key).executeTakeFirst();
  if (!row) return undefined;
  if (Date.parse(row.recorded_at) < now.getTime() - DEDUPE_RETENTION_MS) return undefined;
  return {
    key: row.key,
    chat: { channel: row.channel as ChatRef['channel'], chatId: row.chat_id },
    turn: Number(row.turn),
    reply: row.reply,
    recordedAt: row.recorded_at,
    ...(row.text_hash ? { textHash: row.text_hash } : {}),
  };
}

/** Records an answered update; the first record of a key wins (idempotent). */
export async function recordTurnResult(store: Queryable, record: Omit<TurnRecord, 'recordedAt' | 'textHash'> & { recordedAt?: string; text?: string }): Promise<void> {
  await store.db
    .insertInto('turn_dedupe')
    .values({
      key: record.key,
      channel: record.chat.channel,
      chat_id: record.chat.chatId,
      turn: record.turn,
      reply: record.reply,
      recorded_at: record.recordedAt ?? new Date().toISOString(),
      text_hash: record.text === undefined ? null : turnTextHash(record.text),
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

/** Deletes records past the retention window; returns how many. */
export async function pruneTurnRecords(store: Queryable, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - DEDUPE_RETENTION_MS).toISOString();
  const result = await store.db.deleteFrom('turn_dedupe').where('recorded_at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0);
}
