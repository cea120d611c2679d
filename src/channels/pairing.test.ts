import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import type { Store } from '../storage/database.js';
import { approvePairing, authorizeSender, requestPairing, revokePairing } from './pairing.js';

describe.each(testDialects())('pairing on channels with letters in their ids, on $name', (dialect) => {
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
});
