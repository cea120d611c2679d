import { readFileSync, existsSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { sqlitePathFromUrl } from '../storage/dialects/sqlite.js';
import type { Store } from '../storage/database.js';
import { recallFacts } from './recall.js';
import { contradictionAction, rememberFact, type RememberRequest } from './remember.js';
import { getQuestion, listQuestions } from './questions.js';
import { countFacts, deleteFacts, expireFacts, getFact, listDeletions, listFacts, searchFacts } from './store.js';
import { CLOSE_CONFIDENCE_DELTA, type ChatRef } from './types.js';

const alice: ChatRef = { channel: 'web', chatId: 'alice' };
const bob: ChatRef = { channel: 'web', chatId: 'bob' };
const aliceOnTelegram: ChatRef = { channel: 'telegram', chatId: 'alice' };
const QUESTION_TIMEOUT = { questionTimeoutSeconds: 60 };

let n = 0;
function request(chat: ChatRef, text: string, extra: Partial<RememberRequest> = {}): RememberRequest {
  n += 1;
  const at = extra.at ?? new Date(Date.UTC(2025, 0, 1, 12, 0, n)).toISOString();
  return {
    writeKey: `web:test:${n}#0.0`,
    chat,
    userId: 'u1',
    text,
    confidence: 1,
    source: 'command',
    at,
    provenance: {
      channel: chat.channel,
      chatId: chat.chatId,
      userId: 'u1',
      updateId: `web:test:${n}`,
      workflowId: `chat-${chat.channel}-${chat.chatId}`,
      runId: 'run-1',
      callId: `web:test:${n}#0.0`,
      at,
      sourceText: `/remember ${text}`,
      source: 'command',
    },
    ...extra,
  };
}

describe('contradictionAction', () => {
  it('lets an explicit statement replace, asks when confidences are close, keeps the clearly surer fact', () => {
    expect(contradictionAction(1, 1)).toBe('close-old');
    expect(contradictionAction(0.9, 0.9)).toBe('ask');
    expect(contradictionAction(0.8, 0.8 + CLOSE_CONFIDENCE_DELTA / 2)).toBe('ask');
    expect(contradictionAction(0.95, 0.7)).toBe('close-old');
    expect(contradictionAction(0.7, 0.95)).toBe('keep-old');
  });
});

describe.each(testDialects())('memory store on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let url: string;

  beforeAll(async () => {
    ({ store, dispose, url } = await freshStore(dialect));
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('stores a fact with its full provenance, kind, retention and validity', async () => {
    const req = request(alice, "my sister's birthday is May 3", { kind: 'event', retention: 'permanent' });
    const outcome = await rememberFact(store, req, QUESTION_TIMEOUT);
    expect(outcome.status).toBe('stored');
    const fact = await getFact(store.db, alice, outcome.fact.id);
    expect(fact).toMatchObject({
      id: expect.stringMatching(/^m-[0-9a-z]{10}$/),
      text: "my sister's birthday is May 3",
      kind: 'event',
      subject: "sister's birthday",
      value: 'may 3',
      confidence: 1,
      retention: 'permanent',
      expiresAt: null,
      validFrom: req.at,
      validTo: null,
      provenance: req.provenance,
    });
  });

  it('is idempotent on the write key: a retried write stores nothing new and answers the same', async () => {
    const req = request(alice, 'I like green tea');
    const first = await rememberFact(store, req, QUESTION_TIMEOUT);
    const again = await rememberFact(store, req, QUESTION_TIMEOUT);
    expect(again).toEqual(first);
    const rows = await store.db.selectFrom('memory_facts').select('id').where('write_key', '=', req.writeKey).execute();
    expect(rows).toHaveLength(1);
  });

  it('does not store the same current fact twice', async () => {
    const first = await rememberFact(store, request(alice, 'I play the cello'), QUESTION_TIMEOUT);
    const second = await rememberFact(store, request(alice, 'I  play the Cello'), QUESTION_TIMEOUT);
    expect(second).toEqual({ status: 'known', fact: first.fact });
  });

  it('never shows one chat the facts of another: get, list, search, recall, delete are all scoped', async () => {
    const secret = await rememberFact(store, request(bob, 'my locker code is 4711'), QUESTION_TIMEOUT);
    await rememberFact(store, request(aliceOnTelegram, 'my locker code is 1234'), QUESTION_TIMEOUT);
    expect(await getFact(store.db, alice, secret.fact.id)).toBeUndefined();
    expect((await listFacts(store.db, alice)).map((f) => f.text)).not.toContain('my locker code is 4711');
    expect(await searchFacts(store, alice, 'locker code')).toEqual([]);
    expect(await recallFacts({ store }, alice, 'what is my locker code?')).toEqual([]);
    expect((await recallFacts({ store }, aliceOnTelegram, 'what is my locker code?')).map((f) => f.text)).toEqual(['my locker code is 1234']);
    expect(await deleteFacts(store, alice, [secret.fact.id], 'alice', 'forget')).toEqual([]);
    expect(await getFact(store.db, bob, secret.fact.id)).toBeDefined();
  });

  it('closes the older fact when a newer explicit one contradicts it, and keeps both', async () => {
    const old = await rememberFact(store, request(alice, 'my dentist is Dr. Weber'), QUESTION_TIMEOUT);
    const newer = await rememberFact(store, request(alice, 'my dentist is Dr. Klein'), QUESTION_TIMEOUT);
    expect(newer.status).toBe('stored');
    expect(newer.status === 'stored' && newer.closed.map((f) => f.id)).toEqual([old.fact.id]);
    const closed = await getFact(store.db, alice, old.fact.id);
    expect(closed?.validTo).toBe(newer.fact.validFrom);
    expect(closed?.closedBy).toBe(newer.fact.id);
    expect((await listFacts(store.db, alice)).map((f) => f.text)).toContain('my dentist is Dr. Klein');
    expect((await listFacts(store.db, alice)).map((f) => f.text)).not.toContain('my dentist is Dr. Weber');
    expect((await listFacts(store.db, alice, { includeHistory: true })).map((f) => f.text)).toContain('my dentist is Dr. Weber');
    expect((await recallFacts({ store }, alice, 'who is my dentist?')).map((f) => f.text)).toEqual(['my dentist is Dr. Klein']);
  });

  it('asks the person when two disagreeing facts have close confidences, keeping both current meanwhile', async () => {
    const old = await rememberFact(store, request(alice, 'my gym is FitX', { confidence: 0.9, source: 'phrase' }), QUESTION_TIMEOUT);
    const newer = await rememberFact(store, request(alice, 'my gym is McFit', { confidence: 0.85, source: 'phrase' }), QUESTION_TIMEOUT);
    expect(newer.status).toBe('asked');
    if (newer.status !== 'asked') return;
    expect(newer.conflictWith.id).toBe(old.fact.id);
    expect(await getQuestion(store.db, newer.question.id, alice)).toMatchObject({ status: 'pending', oldFactId: old.fact.id, newFactId: newer.fact.id });
    expect(await getQuestion(store.db, newer.question.id, bob)).toBeUndefined();
    expect((await listQuestions(store.db, alice)).map((q) => q.id)).toContain(newer.question.id);
    expect((await getFact(store.db, alice, old.fact.id))?.validTo).toBeNull();
  });

  it('keeps a clearly less confident contradiction as history only', async () => {
    const old = await rememberFact(store, request(alice, 'my car is a Golf', { confidence: 0.95 }), QUESTION_TIMEOUT);
    const weaker = await rememberFact(store, request(alice, 'my car is a Polo', { confidence: 0.7, source: 'extraction' }), QUESTION_TIMEOUT);
    expect(weaker.status).toBe('history');
    expect((await getFact(store.db, alice, weaker.fact.id))?.validTo).not.toBeNull();
    expect((await getFact(store.db, alice, old.fact.id))?.validTo).toBeNull();
  });

  it('ranks the fact that matches more of the question first; short words match as prefixes', async () => {
    await rememberFact(store, request(alice, 'my brother lives in Hamburg'), QUESTION_TIMEOUT);
    await rememberFact(store, request(alice, 'the TV remote is in the drawer'), QUESTION_TIMEOUT);
    const ranked = await recallFacts({ store }, alice, "When is my sister's birthday?");
    expect(ranked[0]?.text).toBe("my sister's birthday is May 3");
    expect((await recallFacts({ store }, alice, 'tv?')).map((f) => f.text)).toContain('the TV remote is in the drawer');
    expect(await recallFacts({ store }, alice, 'is it?')).toEqual([]);
    expect(await recallFacts({ store }, alice, 'birthdays')).toHaveLength(1);
  });

  it('deletes for real: gone from list, search and the full-text index, audited without its text', async () => {
    const secretText = 'my bank pin is zebra9931';
    const fact = await rememberFact(store, request(alice, secretText), QUESTION_TIMEOUT);
    expect((await recallFacts({ store }, alice, 'zebra9931')).map((f) => f.id)).toEqual([fact.fact.id]);
    expect(await deleteFacts(store, alice, [fact.fact.id], 'user:u1', 'forget')).toEqual([fact.fact.id]);
    expect(await getFact(store.db, alice, fact.fact.id)).toBeUndefined();
    expect(await recallFacts({ store }, alice, 'zebra9931 bank pin')).toEqual([]);
    expect(await searchFacts(store, alice, 'zebra9931', { includeHistory: true })).toEqual([]);
    if (store.capabilities.fullText === 'fts5') {
      const raw = await sql<{ n: number }>`SELECT count(*) AS n FROM memory_facts_fts WHERE memory_facts_fts MATCH 'zebra9931'`.execute(store.db);
      expect(Number(raw.rows[0]!.n)).toBe(0);
      const file = sqlitePathFromUrl(url);
      for (const f of [file, `${file}-wal`]) {
        if (existsSync(f)) expect(readFileSync(f).includes(Buffer.from('zebra9931')), f).toBe(false);
      }
    }
    const audit = await listDeletions(store.db, alice);
    expect(audit[0]).toEqual({ id: `del-${fact.fact.id}`, at: expect.any(String), channel: 'web', chatId: 'alice', factId: fact.fact.id, deletedBy: 'user:u1', reason: 'forget' });
    expect(JSON.stringify(audit)).not.toContain('zebra');
    expect(await deleteFacts(store, alice, [fact.fact.id], 'user:u1', 'forget')).toEqual([]);
  });

  it('expires facts whose retention ran out, and only those', async () => {
    const chat: ChatRef = { channel: 'web', chatId: 'expiry' };
    const short = await rememberFact(store, request(chat, "I'm in Berlin this week", { retention: 'short', at: '2025-01-01T00:00:00.000Z' }), QUESTION_TIMEOUT);
    const standard = await rememberFact(store, request(chat, 'I like jazz', { retention: 'standard', at: '2025-01-01T00:00:00.000Z' }), QUESTION_TIMEOUT);
    const permanent = await rememberFact(store, request(chat, 'my blood type is 0+', { retention: 'permanent', at: '2025-01-01T00:00:00.000Z' }), QUESTION_TIMEOUT);
    expect(short.fact.expiresAt).toBe('2025-01-31T00:00:00.000Z');
    expect(standard.fact.expiresAt).toBe('2026-01-01T00:00:00.000Z');
    expect(await expireFacts(store, '2025-01-30T23:59:59.000Z')).toBe(0);
    expect(await expireFacts(store, '2025-02-01T00:00:00.000Z')).toBe(1);
    expect((await listFacts(store.db, chat)).map((f) => f.id).sort()).toEqual([standard.fact.id, permanent.fact.id].sort());
    expect(await recallFacts({ store }, chat, 'Berlin')).toEqual([]);
    expect((await listDeletions(store.db, chat))[0]).toMatchObject({ factId: short.fact.id, deletedBy: 'retention', reason: 'retention' });
  });

  it('forgets everything of one chat (current and history), and nothing of another', async () => {
    const chat: ChatRef = { channel: 'web', chatId: 'wipe' };
    await rememberFact(store, request(chat, 'my phone is a Pixel'), QUESTION_TIMEOUT);
    await rememberFact(store, request(chat, 'my phone is an iPhone'), QUESTION_TIMEOUT);
    const bobBefore = await countFacts(store.db, bob, { includeHistory: true });
    const deleted = await deleteFacts(store, chat, 'all', 'user:u1', 'forget-all');
    expect(deleted).toHaveLength(2);
    expect(await countFacts(store.db, chat, { includeHistory: true })).toBe(0);
    expect(await countFacts(store.db, bob, { includeHistory: true })).toBe(bobBefore);
    expect(await listDeletions(store.db, chat)).toHaveLength(2);
  });
});
