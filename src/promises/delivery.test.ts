import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundChannels, type OutboundMessage } from '../channels/outbound.js';
import { listMessages } from '../conversation/transcript.js';
import { silentLogger } from '../logging/logger.js';
import { Metrics } from '../metrics/metrics.js';
import type { Store } from '../storage/database.js';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { deliverOccurrence, deliverOneOff, type DeliveryDeps } from './delivery.js';
import {
  cancelPending,
  getPromise,
  insertPromise,
  listChatPromises,
  listDeliveries,
  promiseIdFor,
  promiseWorkflowId,
  reschedulePending,
  type NewPromise,
} from './store.js';

const T0 = new Date('2025-03-10T10:00:00.000Z');
let n = 0;

function newPromise(over: Partial<NewPromise> = {}): NewPromise {
  n += 1;
  const id = promiseIdFor(`web:test:${n}#0.0`);
  return {
    id,
    chat: { channel: 'web', chatId: 'delivery-test' },
    userId: 'owner',
    text: `stretch ${n}`,
    dueAt: new Date(T0.getTime() + 60_000).toISOString(),
    recurrence: null,
    timeZone: 'UTC',
    workflowId: promiseWorkflowId('delivery-test', id),
    sourceCallId: `web:test:${n}#0.0`,
    sourceTurn: `web:test:${n}`,
    createdAt: T0.toISOString(),
    ...over,
  };
}

describe.each(testDialects())('promise delivery on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const sent: OutboundMessage[] = [];
  const outbound = new OutboundChannels();
  outbound.register('telegram', { send: async (m) => void sent.push(m) });
  const metrics = new Metrics({ defaultMetrics: false });
  let clock = T0;
  const deps = (): DeliveryDeps => ({ store, outbound, metrics, logger: silentLogger(), now: () => clock });

  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
  });
  afterAll(async () => dispose?.());

  async function reminders(chatId: string) {
    return (await listMessages(store, { channel: chatId.startsWith('tg') ? 'telegram' : 'web', chatId })).filter((m) => m.kind === 'reminder');
  }

  it('creates a promise once per id (a retried tool call finds the first)', async () => {
    const p = newPromise();
    const first = await insertPromise(store, p);
    const again = await insertPromise(store, { ...p, text: 'something else' });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.record.text).toBe(p.text);
    expect(first.record).toMatchObject({ status: 'pending', dueAt: p.dueAt, recurrence: null, deliveries: 0 });
  });

  it('reports a promise that is not due yet (snoozed after its timer was set) instead of delivering it', async () => {
    const p = newPromise({ chat: { channel: 'web', chatId: 'not-due' } });
    await insertPromise(store, p);
    clock = new Date(T0.getTime() + 30_000);
    expect(await deliverOneOff(deps(), p.id)).toEqual({ status: 'not-due', dueAt: p.dueAt });
    expect(await reminders('not-due')).toEqual([]);
  });

  it('delivers a due promise once: ⏰ line with kind "reminder", channel message, delay recorded', async () => {
    const p = newPromise({ chat: { channel: 'telegram', chatId: 'tg-once' } });
    await insertPromise(store, p);
    clock = new Date(Date.parse(p.dueAt) + 250);
    const outcome = await deliverOneOff(deps(), p.id);
    expect(outcome).toEqual({ status: 'delivered', key: p.id, dueAt: p.dueAt, delayMs: 250 });
    // A retry of the activity repeats every step; each finds its effect by the key.
    const retry = await deliverOneOff(deps(), p.id);
    expect(retry).toMatchObject({ status: 'delivered', delayMs: undefined });
    const lines = await reminders('tg-once');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ role: 'assistant', text: `⏰ ${p.text}`, kind: 'reminder', key: `promise:${p.id}` });
    expect(sent.filter((m) => m.chatId === 'tg-once').map((m) => m.key)).toEqual([`promise:${p.id}`, `promise:${p.id}`]);
    expect(await getPromise(store, p.id)).toMatchObject({ status: 'delivered', deliveries: 1 });
    expect(await listDeliveries(store, p.id)).toEqual([expect.objectContaining({ key: p.id, delay_ms: 250, completed_at: clock.toISOString() })]);
    const text = (await metrics.render()).body;
    expect(text).toMatch(/mycel_promise_delivery_delay_seconds_count\{channel="telegram"\} 1/);
  });

  it('finishes a delivery that was interrupted after it was recorded, without a second line', async () => {
    const p = newPromise({ chat: { channel: 'web', chatId: 'interrupted' } });
    await insertPromise(store, p);
    clock = new Date(Date.parse(p.dueAt) + 10);
    const crashing: DeliveryDeps = {
      ...deps(),
      atStage: async (stage) => {
        if (stage === 'after-record') throw new Error('worker killed');
      },
    };
    await expect(deliverOneOff(crashing, p.id)).rejects.toThrow('worker killed');
    expect(await getPromise(store, p.id)).toMatchObject({ status: 'delivered' });
    expect(await reminders('interrupted')).toEqual([]);
    // Cancelling now is too late: the delivery is recorded.
    expect(await cancelPending(store, p.id, 'api', clock)).toBe(false);
    expect(await deliverOneOff(deps(), p.id)).toMatchObject({ status: 'delivered' });
    expect(await deliverOneOff(deps(), p.id)).toMatchObject({ status: 'delivered' });
    expect(await reminders('interrupted')).toHaveLength(1);
  });

  it('never delivers a promise cancelled before its delivery was recorded', async () => {
    const p = newPromise({ chat: { channel: 'web', chatId: 'cancelled' } });
    await insertPromise(store, p);
    expect(await cancelPending(store, p.id, 'api', T0)).toBe(true);
    expect(await cancelPending(store, p.id, 'api', T0)).toBe(false);
    clock = new Date(Date.parse(p.dueAt) + 10);
    expect(await deliverOneOff(deps(), p.id)).toEqual({ status: 'cancelled' });
    expect(await reminders('cancelled')).toEqual([]);
    expect(await listChatPromises(store, p.chat)).toEqual([]);
    expect(await listChatPromises(store, p.chat, 'cancelled')).toEqual([expect.objectContaining({ id: p.id, cancelledBy: 'api' })]);
  });

  it('snoozes only pending one-off promises', async () => {
    const p = newPromise({ chat: { channel: 'web', chatId: 'snooze' } });
    await insertPromise(store, p);
    const later = new Date(Date.parse(p.dueAt) + 600_000);
    expect(await reschedulePending(store, p.id, later, T0)).toBe(true);
    clock = new Date(Date.parse(p.dueAt) + 10);
    expect(await deliverOneOff(deps(), p.id)).toEqual({ status: 'not-due', dueAt: later.toISOString() });
    clock = new Date(later.getTime() + 5);
    expect(await deliverOneOff(deps(), p.id)).toMatchObject({ status: 'delivered', delayMs: 5 });
    expect(await reschedulePending(store, p.id, later, T0)).toBe(false);
  });

  it('delivers each occurrence of a recurring promise once and moves it to the next one', async () => {
    const rule = { kind: 'days' as const, days: [1, 2, 3, 4, 5] as Array<1 | 2 | 3 | 4 | 5>, hour: 8, minute: 0, timeZone: 'UTC' };
    const p = newPromise({ chat: { channel: 'web', chatId: 'recurring' }, recurrence: rule, dueAt: '2025-03-11T08:00:00.000Z' });
    await insertPromise(store, p);
    clock = new Date('2025-03-11T08:00:00.400Z');
    expect(await deliverOccurrence(deps(), p.id, '2025-03-11T08:00:00.000Z')).toMatchObject({ status: 'delivered', delayMs: 400 });
    expect(await deliverOccurrence(deps(), p.id, '2025-03-11T08:00:00.000Z')).toMatchObject({ status: 'delivered', delayMs: undefined });
    expect(await getPromise(store, p.id)).toMatchObject({ status: 'pending', dueAt: '2025-03-12T08:00:00.000Z', deliveries: 1 });
    clock = new Date('2025-03-12T08:00:01.000Z');
    await deliverOccurrence(deps(), p.id, '2025-03-12T08:00:00.000Z');
    expect(await getPromise(store, p.id)).toMatchObject({ status: 'pending', dueAt: '2025-03-13T08:00:00.000Z', deliveries: 2 });
    expect((await reminders('recurring')).map((l) => l.key)).toEqual([
      `promise:${p.id}@2025-03-11T08:00:00.000Z`,
      `promise:${p.id}@2025-03-12T08:00:00.000Z`,
    ]);
    expect(await cancelPending(store, p.id, 'api', clock)).toBe(true);
    expect(await deliverOccurrence(deps(), p.id, '2025-03-13T08:00:00.000Z')).toEqual({ status: 'cancelled' });
    expect(await reminders('recurring')).toHaveLength(2);
  });

  it('fails loudly for a promise that is not in the database', async () => {
    await expect(deliverOneOff(deps(), 'rmissing')).rejects.toMatchObject({ name: 'PromiseMissingError' });
  });
});
