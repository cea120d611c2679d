import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../storage/database.js';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { commitUpdates, countPending, laneOf, loadOffset, nextPending, pendingLanes, settleRow } from './inbox.js';
import { approvePairing, authorization, normalizePairingCode, requestPairing, revokePairing } from './pairing.js';

const msg = (id: number, chat: number, text = `m${id}`) => ({ update_id: id, message: { message_id: id, date: 1, chat: { id: chat, type: 'private' }, from: { id: chat, is_bot: false, first_name: 'A' }, text } });

describe.each(testDialects())('Telegram storage on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
  });
  afterAll(() => dispose());

  it('commits a batch with its offset, counts repeats, and records malformed updates as skipped', async () => {
    const first = await commitUpdates(store, 'b1', [msg(10, 1), msg(11, 2), msg(10, 1)], 'polling', 12);
    expect(first).toEqual({ inserted: 2, duplicates: 1, skipped: 0 });
    expect(await loadOffset(store, 'b1')).toBe(12);
    const again = await commitUpdates(store, 'b1', [msg(11, 2), { update_id: 12, message: { text: 42 } }], 'polling', 13);
    expect(again).toEqual({ inserted: 0, duplicates: 1, skipped: 1 });
    // The offset never goes back.
    await commitUpdates(store, 'b1', [], 'polling', 5);
    expect(await loadOffset(store, 'b1')).toBe(13);
    const rows = await store.db.selectFrom('telegram_inbox').select(['update_id', 'status', 'duplicates', 'detail']).where('bot_id', '=', 'b1').orderBy('update_id').execute();
    expect(rows.map((r) => [Number(r.update_id), r.status, Number(r.duplicates)])).toEqual([
      [10, 'pending', 1],
      [11, 'pending', 1],
      [12, 'skipped', 0],
    ]);
    expect(rows[2]!.detail).toMatch(/malformed message update: message\.message_id/);
    expect(await countPending(store, 'b1')).toBe(2);
  });

  it('hands out lanes oldest first and rows in update order, once settled they leave', async () => {
    await commitUpdates(store, 'b2', [msg(3, 7), msg(1, 8), msg(2, 7)], 'webhook');
    expect(await pendingLanes(store, 'b2', 10)).toEqual(['chat:8', 'chat:7']);
    const row = await nextPending(store, 'b2', 'chat:7');
    expect(row).toMatchObject({ updateId: 2, kind: 'message', source: 'webhook', attempts: 0 });
    await settleRow(store, row!, 'done', 'turn', { forget: true });
    expect((await nextPending(store, 'b2', 'chat:7'))?.updateId).toBe(3);
    const settled = await store.db.selectFrom('telegram_inbox').select(['status', 'payload']).where('bot_id', '=', 'b2').where('update_id', '=', 2).executeTakeFirstOrThrow();
    expect(settled).toEqual({ status: 'done', payload: '{}' });
  });

  it('puts updates without a chat in a lane of their own', () => {
    expect(laneOf({ update_id: 5, callback_query: { id: 'q', message: { chat: { id: -100 } } } })).toBe('chat:-100');
    expect(laneOf({ update_id: 6, poll: {} })).toBe('update:6');
  });

  it('pairs a stranger by code, once approved they may talk, and revoking makes them a stranger with a new code', async () => {
    expect(await authorization(store, [1], 1)).toBe('owner');
    expect(await authorization(store, [1], 99)).toBeUndefined();
    const request = await requestPairing(store, { id: 99, username: 'eve', name: 'Eve' }, '99');
    expect(request.code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect((await requestPairing(store, { id: 99 }, '99')).code).toBe(request.code);
    const approved = await approvePairing(store, request.code.replace('-', '').toLowerCase(), 'owner (test)');
    expect(approved).toMatchObject({ status: 'approved', userId: '99', decidedBy: 'owner (test)' });
    expect(await authorization(store, [1], 99)).toBe('paired');
    await revokePairing(store, '99', 'owner (test)');
    expect(await authorization(store, [1], 99)).toBeUndefined();
    const fresh = await requestPairing(store, { id: 99 }, '99');
    expect(fresh.code).not.toBe(request.code);
    await expect(approvePairing(store, request.code, 'x')).rejects.toThrow(/no pairing request/);
    expect(normalizePairingCode('abcd efgh')).toBe('ABCD-EFGH');
  });
});
