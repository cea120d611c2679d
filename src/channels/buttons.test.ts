import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import type { Store } from '../storage/database.js';
import { WHATSAPP_CAPABILITIES } from '../whatsapp/adapter.js';
import { pressButton, storeButtons } from './buttons.js';

/** No Temporal call may happen on these paths: any use of the client fails the test. */
const noTemporal = new Proxy({}, { get: () => { throw new Error('Temporal was called'); } }) as unknown as Client;

describe.each(testDialects())('channel buttons on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
  });
  afterAll(() => dispose());

  const approvalButtons = (key: string) =>
    storeButtons(store, 'whatsapp', WHATSAPP_CAPABILITIES, {
      chatId: '4915',
      key,
      buttons: [
        { text: 'Approve', data: 'approval:ap-1:approve' },
        { text: 'Deny', data: 'approval:ap-1:deny' },
      ],
    });

  it('stores each action under a short id and shows only that id', async () => {
    const shown = await approvalButtons('approval-request:ap-1');
    expect(shown.map((b) => b.text)).toEqual(['Approve', 'Deny']);
    for (const b of shown) expect(b.id).toMatch(/^b:[A-Za-z0-9_-]{12}$/);
    // The same message stored again (a retried delivery) gives the same ids.
    expect(await approvalButtons('approval-request:ap-1')).toEqual(shown);
  });

  it('refuses a paired guest’s press of an approval button and leaves it unused', async () => {
    const [approve] = await approvalButtons('approval-request:ap-2');
    const outcome = await pressButton({ store, temporal: noTemporal }, { channel: 'whatsapp', chatId: '4915', buttonId: approve!.id, pressKey: 'whatsapp:1:wamid.g', by: 'whatsapp:4915', isOwner: false });
    expect(outcome).toEqual({ status: 'refused', text: 'Only an owner can decide approvals.' });
    const row = await store.db.selectFrom('channel_buttons').select(['used_at']).where('id', '=', approve!.id.slice(2)).executeTakeFirstOrThrow();
    expect(row.used_at).toBeNull();
  });

  it('treats an unknown id, or a button pressed from another chat, as expired', async () => {
    const [approve] = await approvalButtons('approval-request:ap-3');
    const press = { channel: 'whatsapp' as const, pressKey: 'whatsapp:1:wamid.x', by: 'whatsapp:4916', isOwner: true };
    expect(await pressButton({ store, temporal: noTemporal }, { ...press, chatId: '4916', buttonId: approve!.id })).toMatchObject({ status: 'ignored', text: 'This button has expired.' });
    expect(await pressButton({ store, temporal: noTemporal }, { ...press, chatId: '4915', buttonId: 'b:doesnotexist' })).toMatchObject({ status: 'ignored' });
  });

  it('refuses more buttons than the channel carries, and data of no documented form', async () => {
    const four = Array.from({ length: 4 }, (_, i) => ({ text: `B${i}`, data: `sig:wf:s:${i}` }));
    await expect(storeButtons(store, 'whatsapp', WHATSAPP_CAPABILITIES, { chatId: '4915', key: 'k4', buttons: four })).rejects.toThrow(/at most 3/);
    await expect(storeButtons(store, 'whatsapp', WHATSAPP_CAPABILITIES, { chatId: '4915', key: 'kx', buttons: [{ text: 'X', data: 'rm -rf /' }] })).rejects.toThrow(/documented forms/);
  });
});
