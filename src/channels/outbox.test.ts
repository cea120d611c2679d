import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { silentLogger } from '../logging/logger.js';
import type { Store } from '../storage/database.js';
import { ChannelOutbox, partKey } from './outbox.js';

class Refused extends Error {
  constructor(readonly status: number) {
    super(`refused with ${status}`);
  }
}

const classify = (err: unknown) => ({
  permanent: err instanceof Refused && err.status < 500 && err.status !== 429,
  answered: err instanceof Refused,
  reason: (err as Error).message,
});
const wrap = (err: unknown) => new Error(`wrapped: ${(err as Error).message}`);

describe.each(testDialects())('the shared channel outbox on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let outbox: ChannelOutbox;
  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
    outbox = new ChannelOutbox(store, 'whatsapp', silentLogger());
  });
  afterAll(() => dispose());

  it('sends a part once per key: a second delivery of the same key calls nothing', async () => {
    let calls = 0;
    const send = async () => `m-${++calls}`;
    expect(await outbox.sendPart('k-once', '49', send, classify, wrap)).toBe('sent');
    expect(await outbox.sendPart('k-once', '49', send, classify, wrap)).toBe('already_sent');
    expect(calls).toBe(1);
    expect(await outbox.status('k-once')).toBe('sent');
  });

  it('throws a 429 for the caller to retry, records it as pending, and the retry sends once', async () => {
    let calls = 0;
    const flaky = async () => {
      calls += 1;
      if (calls === 1) throw new Refused(429);
      return 'm-ok';
    };
    await expect(outbox.sendPart('k-429', '49', flaky, classify, wrap)).rejects.toThrow('wrapped: refused with 429');
    expect(await outbox.status('k-429')).toBe('pending');
    expect(await outbox.sendPart('k-429', '49', flaky, classify, wrap)).toBe('sent');
    expect(await outbox.sendPart('k-429', '49', flaky, classify, wrap)).toBe('already_sent');
    expect(calls).toBe(2);
  });

  it('records a permanent refusal as failed without throwing, and never tries that part again', async () => {
    let calls = 0;
    const refuse = async (): Promise<string> => {
      calls += 1;
      throw new Refused(400);
    };
    expect(await outbox.sendPart('k-400', '49', refuse, classify, wrap)).toBe('failed');
    expect(await outbox.sendPart('k-400', '49', refuse, classify, wrap)).toBe('failed');
    expect(calls).toBe(1);
  });

  it('keeps a part whose answer was lost as sending, so the retry says it may send twice', async () => {
    const lost = async (): Promise<string> => {
      throw new TypeError('fetch failed');
    };
    await expect(outbox.sendPart('k-lost', '49', lost, classify, wrap)).rejects.toThrow('wrapped: fetch failed');
    expect(await outbox.status('k-lost')).toBe('sending');
  });

  it('numbers the parts of a split message after the first', () => {
    expect([partKey('promise:1', 0), partKey('promise:1', 1), partKey('promise:1', 2)]).toEqual(['promise:1', 'promise:1#2', 'promise:1#3']);
  });
});
