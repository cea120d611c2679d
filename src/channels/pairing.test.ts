import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import type { Store } from '../storage/database.js';
import { approvePairing, authorizeSender, requestPairing, revokePairing } from './pairing.js';

describe.each(testDialects())('pairing on channels after Telegram, with letters and symbols in their ids, on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
  });
  afterAll(() => dispose());

  it('lets a Slack member in by code and out again by their stored id, slack:<member id>', async () => {
    const pairing = await requestPairing(store, { id: 'U0GUEST1' }, 'U0GUEST1', new Date(), 'slack');
    expect(pairing.userId).toBe('slack:U0GUEST1');
    expect(await authorizeSender(store, 'slack', ['U0OWNER'], 'U0GUEST1')).toBeUndefined();
    await approvePairing(store, pairing.code, 'owner (test)');
    expect(await authorizeSender(store, 'slack', ['U0OWNER'], 'U0GUEST1')).toBe('paired');
    expect(await authorizeSender(store, 'slack', ['U0OWNER'], 'U0OWNER')).toBe('owner');
    await revokePairing(store, 'slack:U0GUEST1', 'owner (test)');
    expect(await authorizeSender(store, 'slack', ['U0OWNER'], 'U0GUEST1')).toBeUndefined();
  });

  it('pairs an email sender under email:<address> and revokes them by that id', async () => {
    const owners = ['ada@example.test'];
    expect(await authorizeSender(store, 'email', owners, 'ada@example.test')).toBe('owner');
    expect(await authorizeSender(store, 'email', owners, 'eve@example.test')).toBeUndefined();
    const request = await requestPairing(store, { id: 'eve@example.test', name: 'Eve' }, 'eve@example.test', new Date(), 'email');
    expect(request.userId).toBe('email:eve@example.test');
    await approvePairing(store, request.code, 'owner (test)');
    expect(await authorizeSender(store, 'email', owners, 'eve@example.test')).toBe('paired');
    // The same address on another channel is another person.
    expect(await authorizeSender(store, 'whatsapp', [], 'eve@example.test')).toBeUndefined();
    await revokePairing(store, 'email:eve@example.test', 'owner (test)');
    expect(await authorizeSender(store, 'email', owners, 'eve@example.test')).toBeUndefined();
  });
});
