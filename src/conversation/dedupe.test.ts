import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { testDialects } from '../../test/support/databases.js';
import { migrateToLatest, openDatabase, type Store } from '../storage/database.js';
import { MIGRATIONS } from '../storage/migrations/index.js';
import { findTurnRecord, recordTurnResult, sameTurnText, turnTextHash, webMessageKey } from './dedupe.js';

describe('webMessageKey', () => {
  it('puts the chat in the key, and no two (chat, messageId) pairs share one', () => {
    expect(webMessageKey('alice', 'm-1')).toBe('web:api:alice/m-1');
    expect(webMessageKey('alice', 'm-1')).not.toBe(webMessageKey('bob', 'm-1'));
    // ":" may appear in both a chat id and a messageId; "/" in neither.
    expect(webMessageKey('a:b', 'c')).not.toBe(webMessageKey('a', 'b:c'));
  });

  it('tells a repeat with other text apart, and takes records without a hash as the same text', () => {
    expect(sameTurnText({ textHash: turnTextHash('hello') }, 'hello')).toBe(true);
    expect(sameTurnText({ textHash: turnTextHash('hello') }, 'hello!')).toBe(false);
    expect(sameTurnText({}, 'anything')).toBe(true);
  });
});

describe.each(testDialects())('dedupe records across the chat-key migration on $name', (dialect) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('rewrites the web records of an existing database under their chat, keeps Telegram ones, and old rows still answer', async () => {
    const db = await dialect.create();
    const store: Store = await openDatabase(db.url);
    cleanups.push(db.dispose, () => store.close());
    // The database as it was before: every migration but the new one.
    const before = new Migrator({
      db: store.db,
      migrationTableName: 'mycel_migrations',
      migrationLockTableName: 'mycel_migrations_lock',
      allowUnorderedMigrations: true,
      provider: {
        getMigrations: async () =>
          Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name !== '0002_conversation_chat_keys').map(([name, f]) => [name, f(store.capabilities)])),
      },
    });
    expect((await before.migrateToLatest()).error).toBeUndefined();
    const at = new Date().toISOString();
    const old = (key: string, channel: string, chatId: string, turn: number) => ({ key, channel, chat_id: chatId, turn, reply: `reply ${turn}`, recorded_at: at });
    await store.db
      .insertInto('turn_dedupe')
      .values([old('web:api:m-1', 'web', 'alice', 1), old('web:api:term-x', 'web', 'bob', 4), old('telegram:42:1001', 'telegram', '77', 2)])
      .execute();

    expect(await migrateToLatest(store)).toEqual(['0002_conversation_chat_keys']);
    const rows = await store.db.selectFrom('turn_dedupe').select(['key', 'text_hash']).orderBy('key').execute();
    expect(rows).toEqual([
      { key: 'telegram:42:1001', text_hash: null },
      { key: 'web:api:alice/m-1', text_hash: null },
      { key: 'web:api:bob/term-x', text_hash: null },
    ]);
    // A retry of a message sent before the upgrade finds its reply; the same id in another chat does not.
    expect(await findTurnRecord(store, webMessageKey('alice', 'm-1'))).toMatchObject({ turn: 1, reply: 'reply 1' });
    expect((await findTurnRecord(store, webMessageKey('alice', 'm-1')))!.textHash).toBeUndefined();
    expect(await findTurnRecord(store, webMessageKey('bob', 'm-1'))).toBeUndefined();

    // New records keep the text's hash.
    await recordTurnResult(store, { key: webMessageKey('bob', 'm-1'), chat: { channel: 'web', chatId: 'bob' }, turn: 5, reply: 'r', text: 'hello' });
    expect((await findTurnRecord(store, webMessageKey('bob', 'm-1')))!.textHash).toBe(turnTextHash('hello'));
  });
});
