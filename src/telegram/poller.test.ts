import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { Metrics } from '../metrics/metrics.js';
import type { Store } from '../storage/database.js';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { TelegramStandIn } from '../../test/support/telegram-server.js';
import { createTelegramClient } from './client.js';
import { loadOffset } from './inbox.js';
import { UpdatePoller } from './poller.js';

let tg: TelegramStandIn;
let store: Store;
let dispose: () => Promise<void>;

beforeAll(async () => {
  ({ store, dispose } = await freshStore(testDialects()[0]!));
  tg = await TelegramStandIn.start();
});
afterAll(async () => {
  await tg.stop();
  await dispose();
});

function poller(s: Store = store): UpdatePoller {
  const metrics = new Metrics({ defaultMetrics: false });
  return new UpdatePoller({ client: createTelegramClient({ token: tg.token, apiRoot: tg.apiRoot, metrics }), store: s, logger: silentLogger(), metrics, pollTimeoutS: 1 });
}

const rows = async () =>
  (await store.db.selectFrom('telegram_inbox').select(['update_id', 'duplicates', 'status']).where('bot_id', '=', String(tg.botId)).orderBy('update_id').execute()).map((r) => ({
    id: Number(r.update_id),
    duplicates: Number(r.duplicates),
    status: r.status,
  }));

/** A store whose first `transactions` commits fail, as if the process died before committing. */
function failingStore(transactions: number): Store {
  let left = transactions;
  const db = new Proxy(store.db, {
    get(target, prop) {
      if (prop === 'transaction' && left > 0) {
        left -= 1;
        return () => ({ execute: () => Promise.reject(new Error('the process died before the commit')) });
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...store, db };
}

describe('UpdatePoller (own offset loop) against the stand-in Bot API', () => {
  it('commits each batch with its offset before confirming it, and resumes from the stored offset', async () => {
    const user = tg.user(77);
    const first = [tg.injectMessage({ from: user, text: 'a' }), tg.injectMessage({ from: user, text: 'b' })];
    const p = poller();
    await p.start();
    await tg.waitFor(() => tg.confirmedUpTo === first[1]!.update_id, 10_000, 'the batch to be confirmed');
    await p.stop();
    expect(await loadOffset(store, String(tg.botId))).toBe(first[1]!.update_id + 1);

    // While no poller runs, Telegram keeps new updates; a new poller picks up exactly those.
    const later = tg.injectMessage({ from: user, text: 'c' });
    const again = poller();
    await again.start();
    await tg.waitFor(() => tg.confirmedUpTo === later.update_id, 10_000, 'the later update to be confirmed');
    await again.stop();
    expect(await rows()).toEqual([first[0], first[1], later].map((u) => ({ id: u!.update_id, duplicates: 0, status: 'pending' })));
  });

  it('gets the same batch again when the commit failed (nothing confirmed, nothing lost, nothing doubled)', async () => {
    const user = tg.user(78);
    const batch = [tg.injectMessage({ from: user, text: 'x' }), tg.injectMessage({ from: user, text: 'y' })];
    const fetchesBefore = tg.calls.filter((c) => c.method === 'getUpdates').length;
    const p = poller(failingStore(1));
    await p.start();
    await tg.waitFor(() => tg.confirmedUpTo === batch[1]!.update_id, 10_000, 'the batch to be confirmed after the retry');
    await p.stop();
    const fetches = tg.calls.filter((c) => c.method === 'getUpdates').slice(fetchesBefore);
    // The retry asked from the same offset as the failed attempt: the batch was not confirmed.
    expect(fetches[1]!.params.offset).toBe(fetches[0]!.params.offset);
    const mine = (await rows()).filter((r) => r.id >= batch[0]!.update_id);
    expect(mine).toEqual(batch.map((u) => ({ id: u.update_id, duplicates: 0, status: 'pending' })));
  });

  it('records a malformed update as skipped and moves past it', async () => {
    const bad = tg.injectRaw({ message: { message_id: 'nope', text: 5 } });
    const good = tg.injectMessage({ from: tg.user(79), text: 'fine' });
    const p = poller();
    await p.start();
    await tg.waitFor(() => tg.confirmedUpTo === good.update_id, 10_000, 'both to be confirmed');
    await p.stop();
    const mine = (await rows()).filter((r) => r.id >= bad.update_id);
    expect(mine).toEqual([
      { id: bad.update_id, duplicates: 0, status: 'skipped' },
      { id: good.update_id, duplicates: 0, status: 'pending' },
    ]);
  });
});
