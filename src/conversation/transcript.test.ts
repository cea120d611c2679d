import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import type { Store } from '../storage/database.js';
import { getChatSettings, InvalidTimeZoneError, setChatTimeZone } from './chats.js';
import { DEDUPE_RETENTION_MS, findTurnRecord, pruneTurnRecords, recordTurnResult } from './dedupe.js';
import { appendMessage, latestMessageId, listMessages, MAX_STORED_MESSAGE_CHARS } from './transcript.js';

describe.each(testDialects())('conversation storage on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
  });
  afterAll(() => dispose());

  const chat = { channel: 'web' as const, chatId: 'alice' };

  it('appends lines with monotonic ids and lists them oldest first, per chat', async () => {
    const a = await appendMessage(store, { ...chat, role: 'user', text: 'hello', turn: 1, key: 'k1#user' });
    const b = await appendMessage(store, { ...chat, role: 'assistant', text: 'hi!', turn: 1, key: 'k1#assistant' });
    await appendMessage(store, { channel: 'web', chatId: 'bob', role: 'user', text: 'other chat' });
    const c = await appendMessage(store, { ...chat, role: 'assistant', text: '⏰ stretch', kind: 'reminder' });
    expect(a.inserted && b.inserted && c.inserted).toBe(true);
    expect(b.id).toBeGreaterThan(a.id);
    expect(c.id).toBeGreaterThan(b.id);
    const lines = await listMessages(store, chat);
    expect(lines.map((l) => [l.role, l.text, l.kind, l.turn])).toEqual([
      ['user', 'hello', undefined, 1],
      ['assistant', 'hi!', undefined, 1],
      ['assistant', '⏰ stretch', 'reminder', undefined],
    ]);
    expect(await latestMessageId(store, chat)).toBe(c.id);
  });

  it('makes a second append with the same key a no-op that returns the first line', async () => {
    const first = await appendMessage(store, { ...chat, role: 'assistant', text: 'once', key: 'delivery-1', kind: 'reminder' });
    const again = await appendMessage(store, { ...chat, role: 'assistant', text: 'twice?', key: 'delivery-1', kind: 'reminder' });
    expect(again.inserted).toBe(false);
    expect(again.id).toBe(first.id);
    expect(again.text).toBe('once');
    const texts = (await listMessages(store, chat)).map((l) => l.text);
    expect(texts.filter((t) => t === 'once' || t === 'twice?')).toEqual(['once']);
  });

  it('resumes after an id and keeps only the latest lines without one', async () => {
    const all = await listMessages(store, chat);
    const after = await listMessages(store, chat, { afterId: all[1]!.id });
    expect(after.map((l) => l.id)).toEqual(all.slice(2).map((l) => l.id));
    const last2 = await listMessages(store, chat, { limit: 2 });
    expect(last2.map((l) => l.id)).toEqual(all.slice(-2).map((l) => l.id));
  });

  it('cuts an overlong line with a note', async () => {
    const line = await appendMessage(store, { ...chat, role: 'assistant', text: 'x'.repeat(MAX_STORED_MESSAGE_CHARS + 10) });
    expect(line.text.length).toBe(MAX_STORED_MESSAGE_CHARS);
    expect(line.text.endsWith('(truncated)')).toBe(true);
  });

  it('keeps a chat time zone, canonicalized, with the configured default otherwise', async () => {
    expect(await getChatSettings(store, chat, { timeZone: 'UTC' })).toEqual({ timeZone: 'UTC' });
    expect(await setChatTimeZone(store, chat, 'europe/berlin')).toBe('Europe/Berlin');
    expect((await getChatSettings(store, chat, { timeZone: 'UTC' })).timeZone).toBe('Europe/Berlin');
    await setChatTimeZone(store, chat, 'America/New_York');
    expect((await getChatSettings(store, chat, { timeZone: 'UTC' })).timeZone).toBe('America/New_York');
    await expect(setChatTimeZone(store, chat, 'Mars/Olympus')).rejects.toBeInstanceOf(InvalidTimeZoneError);
    expect((await getChatSettings(store, { channel: 'telegram', chatId: 'alice' }, { timeZone: 'Asia/Tokyo' })).timeZone).toBe('Asia/Tokyo');
  });

  it('keeps the first dedupe record of a key, ignores and prunes expired ones', async () => {
    await recordTurnResult(store, { key: 'web:api:m1', chat, turn: 3, reply: 'first' });
    await recordTurnResult(store, { key: 'web:api:m1', chat, turn: 4, reply: 'second' });
    expect(await findTurnRecord(store, 'web:api:m1')).toMatchObject({ turn: 3, reply: 'first' });
    const old = new Date(Date.now() - DEDUPE_RETENTION_MS - 60_000).toISOString();
    await recordTurnResult(store, { key: 'web:api:old', chat, turn: 1, reply: 'old', recordedAt: old });
    expect(await findTurnRecord(store, 'web:api:old')).toBeUndefined();
    expect(await pruneTurnRecords(store)).toBe(1);
    expect(await findTurnRecord(store, 'web:api:m1')).toBeDefined();
  });
});
