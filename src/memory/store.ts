import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Store } from '../storage/database.js';
import type { Database } from '../storage/schema.js';
import { fullTextFor, FACT_COLUMNS, MAX_RANKED_CANDIDATES, type FactRow } from './fulltext/fulltext.js';
import { queryTerms } from './text.js';
import {
  DEFAULT_LIST_LIMIT,
  MAX_EXPIRED_PER_RUN,
  MAX_LIST_LIMIT,
  MAX_RECALL_LIMIT,
  RETENTION_DAYS,
  type ChatRef,
  type Fact,
  type FactSource,
  type Provenance,
  type RetentionClass,
  type ScoredFact,
} from './types.js';

/**
 * The memory store: facts of one chat, always read and written with the chat in the
 * WHERE clause — a fact never leaks into another chat, whatever id or text is asked for.
 */

type Db = Kysely<Database> | Transaction<Database>;

const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** Characters of a fact id after `m-`: 50 bits, so 100,000 facts in a chat collide with odds below 1 in 100,000. */
export const FACT_ID_CHARS = 10;
/** Ids are short enough to type; ids of deleted-fact audit rows derive from them. */
export const FACT_ID_PATTERN = /^m-[0-9a-z]{10}$/;

/** A short id derived from a key, so that a retried write finds the same id. */
export function shortId(prefix: string, key: string, chars: number): string {
  const digest = createHash('sha256').update(key).digest();
  let out = '';
  for (let i = 0; i < chars; i++) out += ID_ALPHABET[digest[i]! % ID_ALPHABET.length];
  return `${prefix}${out}`;
}

export function factIdFor(writeKey: string): string {
  return shortId('m-', writeKey, FACT_ID_CHARS);
}

/** When a fact of a retention class stored at `from` expires (null: never). */
export function retentionExpiry(retention: RetentionClass, from: string): string | null {
  const days = RETENTION_DAYS[retention];
  return days === null ? null : new Date(Date.parse(from) + days * 86_400_000).toISOString();
}

export function rowToFact(row: FactRow): Fact {
  return {
    id: row.id,
    text: row.text,
    kind: row.kind,
    subject: row.subject,
    value: row.value,
    confidence: Number(row.confidence),
    provenance: JSON.parse(row.provenance) as Provenance,
    retention: row.retention as RetentionClass,
    expiresAt: row.expires_at,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    closedBy: row.closed_by,
    createdAt: row.created_at,
    channel: row.channel,
    chatId: row.chat_id,
  };
}

function inChat(chat: ChatRef) {
  return { channel: chat.channel, chat_id: chat.chatId };
}

/** One fact of a chat by id (current or historical); undefined for another chat's id. */
export async function getFact(db: Db, chat: ChatRef, id: string): Promise<Fact | undefined> {
  const row = await db
    .selectFrom('memory_facts')
    .select(FACT_COLUMNS)
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? rowToFact(row) : undefined;
}

/** The fact a write key stored, if that write already happened (any chat: keys are global). */
export async function getFactByWriteKey(db: Db, writeKey: string): Promise<Fact | undefined> {
  const row = await db.selectFrom('memory_facts').select(FACT_COLUMNS).where('write_key', '=', writeKey).executeTakeFirst();
  return row ? rowToFact(row) : undefined;
}

export interface ListOptions {
  /** Also facts that a newer one replaced. */
  includeHistory?: boolean;
  limit?: number;
}

/** A chat's facts, newest first (current only unless `includeHistory`). */
export async function listFacts(db: Db, chat: ChatRef, options: ListOptions = {}): Promise<Fact[]> {
  let query = db
    .selectFrom('memory_facts')
    .select(FACT_COLUMNS)
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .orderBy('created_at', 'desc')
    .orderBy('seq', 'desc')
    .limit(Math.min(options.limit ?? DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT));
  if (!options.includeHistory) query = query.where('valid_to', 'is', null);
  return (await query.execute()).map(rowToFact);
}

/** How many facts a chat has (current only unless `includeHistory`). */
export async function countFacts(db: Db, chat: ChatRef, options: { includeHistory?: boolean } = {}): Promise<number> {
  let query = db
    .selectFrom('memory_facts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId);
  if (!options.includeHistory) query = query.where('valid_to', 'is', null);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Full-text search of a chat's facts for a question or message, best first: FTS5 with
 * bm25 on SQLite, tsvector with ts_rank on PostgreSQL. Facts with every search term come
 * first; when no fact has them all, facts with any of them (each term's newest matches
 * scored on their own, scores added: a rare word's match is never crowded out). Current
 * facts only unless `includeHistory`. A text with no searchable word ("?", "is it?") finds
 * nothing. The work is bounded by MAX_RANKED_CANDIDATES whatever the memory's size.
 */
export async function searchFacts(store: Store, chat: ChatRef, text: string, options: ListOptions = {}): Promise<ScoredFact[]> {
  const terms = queryTerms(text);
  if (terms.length === 0) return [];
  const fullText = fullTextFor(store.capabilities);
  const limit = Math.min(Math.max(options.limit ?? MAX_RECALL_LIMIT, 1), MAX_LIST_LIMIT);
  const base = { chat, limit, includeHistory: options.includeHistory ?? false };
  let best = await fullText.rank(store.db, { ...base, groups: [terms], capPerGroup: MAX_RANKED_CANDIDATES });
  if (best.length === 0 && terms.length > 1) {
    const capPerGroup = Math.max(MIN_CANDIDATES_PER_TERM, Math.floor(MAX_RANKED_CANDIDATES / terms.length));
    best = await fullText.rank(store.db, { ...base, groups: terms.map((t) => [t]), capPerGroup });
  }
  if (best.length === 0) return [];
  const rows = await store.db
    .selectFrom('memory_facts')
    .select(FACT_COLUMNS)
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .where('seq', 'in', best.map((c) => c.seq))
    .execute();
  const bySeq = new Map(rows.map((r) => [Number(r.seq), r]));
  return best.flatMap((c) => {
    const row = bySeq.get(c.seq);
    return row ? [{ ...rowToFact(row), score: c.score }] : [];
  });
}

/** Each word of an any-word search ranks at least this many of its newest matches. */
const MIN_CANDIDATES_PER_TERM = 50;

/** Current facts of a chat about a subject, newest first (contradiction candidates). */
export async function currentFactsAbout(db: Db, chat: ChatRef, subject: string): Promise<Fact[]> {
  const rows = await db
    .selectFrom('memory_facts')
    .select(FACT_COLUMNS)
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .where('subject', '=', subject)
    .where('valid_to', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('seq', 'desc')
    .execute();
  return rows.map(rowToFact);
}

/** A current fact of the chat with exactly this text (case and spacing aside), if any. */
export async function currentFactWithText(db: Db, chat: ChatRef, text: string): Promise<Fact | undefined> {
  const row = await db
    .selectFrom('memory_facts')
    .select(FACT_COLUMNS)
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .where('valid_to', 'is', null)
    .where((eb) => eb(eb.fn('lower', ['text']), '=', text.replace(/\s+/g, ' ').trim().toLowerCase()))
    .executeTakeFirst();
  return row ? rowToFact(row) : undefined;
}

export interface NewFact {
  writeKey: string;
  chat: ChatRef;
  userId: string;
  text: string;
  kind: string;
  subject: string | null;
  value: string | null;
  confidence: number;
  source: FactSource;
  provenance: Provenance;
  retention: RetentionClass;
  /** When it becomes valid (the turn's time). */
  at: string;
  /** Stored already closed (history only): when a more confident fact says otherwise. */
  closedBy?: string | undefined;
}

/** Inserts a fact unless its write key was used; returns the stored fact and whether this call stored it. */
export async function insertFact(db: Db, fact: NewFact): Promise<{ fact: Fact; inserted: boolean }> {
  const id = factIdFor(fact.writeKey);
  const result = await db
    .insertInto('memory_facts')
    .values({
      id,
      write_key: fact.writeKey,
      ...inChat(fact.chat),
      user_id: fact.userId,
      text: fact.text.replace(/\s+/g, ' ').trim(),
      kind: fact.kind,
      subject: fact.subject,
      value: fact.value,
      confidence: fact.confidence,
      source: fact.source,
      provenance: JSON.stringify(fact.provenance),
      retention: fact.retention,
      expires_at: retentionExpiry(fact.retention, fact.at),
      valid_from: fact.at,
      valid_to: fact.closedBy ? fact.at : null,
      closed_by: fact.closedBy ?? null,
      created_at: fact.at,
    })
    .onConflict((oc) => oc.column('write_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  const inserted = result !== undefined;
  const stored = await getFactByWriteKey(db, fact.writeKey);
  if (!stored) throw new Error(`memory: the fact of write ${fact.writeKey} was neither stored nor found`);
  return { fact: stored, inserted };
}

/** Closes a current fact (sets validTo); a fact already closed stays as it was. Returns whether it closed. */
export async function closeFact(db: Db, chat: ChatRef, id: string, at: string, closedBy: string): Promise<boolean> {
  const result = await db
    .updateTable('memory_facts')
    .set({ valid_to: at, closed_by: closedBy })
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .where('id', '=', id)
    .where('valid_to', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Reopens a fact that was closed by `closedBy` (a question answered in its favour). */
export async function reopenFact(db: Db, chat: ChatRef, id: string, closedBy: string): Promise<boolean> {
  const result = await db
    .updateTable('memory_facts')
    .set({ valid_to: null, closed_by: null })
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .where('id', '=', id)
    .where('closed_by', '=', closedBy)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Why a fact was deleted, as the deletion audit records it. */
export type DeletionReason = 'forget' | 'forget-all' | 'retention';

export interface DeletionRecord {
  id: string;
  at: string;
  channel: string;
  chatId: string;
  factId: string;
  deletedBy: string;
  reason: string;
}

/**
 * Deletes facts for real, in one transaction: the rows go (their full-text entries with
 * them, by trigger or index), an audit row per fact keeps only who deleted which id when,
 * and questions about them go too. Then whatever still holds old pages is flushed.
 * `ids: 'all'` deletes every fact of the chat, current and historical.
 */
export async function deleteFacts(
  store: Store,
  chat: ChatRef,
  ids: string[] | 'all',
  by: string,
  reason: DeletionReason,
  at = new Date().toISOString(),
): Promise<string[]> {
  if (ids !== 'all' && ids.length === 0) return [];
  const fullText = fullTextFor(store.capabilities);
  const deleted = await store.db.transaction().execute(async (trx) => {
    await fullText.beforeDelete(trx);
    let select = trx.selectFrom('memory_facts').select('id').where('channel', '=', chat.channel).where('chat_id', '=', chat.chatId);
    if (ids !== 'all') select = select.where('id', 'in', ids);
    const found = (await select.execute()).map((r) => r.id);
    if (found.length === 0) return [];
    let audit = trx
      .selectFrom('memory_facts')
      .select([
        sql<string>`'del-' || id`.as('id'),
        sql<string>`cast(${at} as text)`.as('at'),
        'channel',
        'chat_id',
        'id as fact_id',
        sql<string>`cast(${by} as text)`.as('deleted_by'),
        sql<string>`cast(${reason} as text)`.as('reason'),
      ])
      .where('channel', '=', chat.channel)
      .where('chat_id', '=', chat.chatId);
    if (ids !== 'all') audit = audit.where('id', 'in', ids);
    await trx
      .insertInto('memory_deletions')
      .columns(['id', 'at', 'channel', 'chat_id', 'fact_id', 'deleted_by', 'reason'])
      .expression(audit)
      .onConflict((oc) => oc.column('fact_id').doNothing())
      .execute();
    let del = trx.deleteFrom('memory_facts').where('channel', '=', chat.channel).where('chat_id', '=', chat.chatId);
    if (ids !== 'all') del = del.where('id', 'in', ids);
    await del.execute();
    let questions = trx.deleteFrom('memory_questions').where('channel', '=', chat.channel).where('chat_id', '=', chat.chatId);
    if (ids !== 'all') questions = questions.where((eb) => eb.or([eb('old_fact_id', 'in', ids), eb('new_fact_id', 'in', ids)]));
    await questions.execute();
    return found;
  });
  if (deleted.length) await fullText.afterDelete(store.db);
  return deleted;
}

/** Whether a fact id of this chat was deleted (and so must not be reported unknown to a retry). */
export async function deletionOf(db: Db, chat: ChatRef, factId: string): Promise<DeletionRecord | undefined> {
  const row = await db
    .selectFrom('memory_deletions')
    .selectAll()
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .where('fact_id', '=', factId)
    .executeTakeFirst();
  return row ? { id: row.id, at: row.at, channel: row.channel, chatId: row.chat_id, factId: row.fact_id, deletedBy: row.deleted_by, reason: row.reason } : undefined;
}

/** The deletion audit of a chat, newest first. */
export async function listDeletions(db: Db, chat: ChatRef, limit = DEFAULT_LIST_LIMIT): Promise<DeletionRecord[]> {
  const rows = await db
    .selectFrom('memory_deletions')
    .selectAll()
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(limit, MAX_LIST_LIMIT))
    .execute();
  return rows.map((row) => ({ id: row.id, at: row.at, channel: row.channel, chatId: row.chat_id, factId: row.fact_id, deletedBy: row.deleted_by, reason: row.reason }));
}

/** Deletes facts whose retention ran out (all chats), at most MAX_EXPIRED_PER_RUN; returns how many. */
export async function expireFacts(store: Store, now = new Date().toISOString(), max = MAX_EXPIRED_PER_RUN): Promise<number> {
  const expired = await store.db
    .selectFrom('memory_facts')
    .select(['id', 'channel', 'chat_id'])
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(max)
    .execute();
  const byChat = new Map<string, { chat: ChatRef; ids: string[] }>();
  for (const row of expired) {
    const key = `${row.channel}\u0000${row.chat_id}`;
    const entry = byChat.get(key) ?? { chat: { channel: row.channel as ChatRef['channel'], chatId: row.chat_id }, ids: [] };
    entry.ids.push(row.id);
    byChat.set(key, entry);
  }
  let count = 0;
  for (const { chat, ids } of byChat.values()) {
    for (let i = 0; i < ids.length; i += DELETE_BATCH) {
      count += (await deleteFacts(store, chat, ids.slice(i, i + DELETE_BATCH), 'retention', 'retention', now)).length;
    }
  }
  return count;
}

/** Ids deleted per statement (well under SQLite's bound-parameter limit). */
const DELETE_BATCH = 500;

/** Facts of a chat that `closedBy` (a fact or question id) closed. */
export async function factsClosedBy(db: Db, chat: ChatRef, closedBy: string): Promise<Fact[]> {
  const rows = await db
    .selectFrom('memory_facts')
    .select(FACT_COLUMNS)
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .where('closed_by', '=', closedBy)
    .execute();
  return rows.map(rowToFact);
}
