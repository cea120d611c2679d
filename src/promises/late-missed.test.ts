import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundChannels } from '../channels/outbound.js';
import { listMessages } from '../conversation/transcript.js';
import { silentLogger } from '../logging/logger.js';
import { Metrics } from '../metrics/metrics.js';
import type { Store } from '../storage/database.js';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { deliverOccurrence, deliverOneOff, type DeliveryDeps } from './delivery.js';
import { downtimeAround, recordHeartbeat } from './lateness.js';
import { listLedger } from './ledger.js';
import { insertPromise, promiseIdFor, promiseWorkflowId, type NewPromise } from './store.js';
import type { Recurrence } from './recurrence.js';

/**
 * Late and missed deliveries (contract): more than 60 s late carries lateMs and says why
 * (from the process heartbeats); recurring catch-up `once` runs once for all missed and says
 * how many; `skip` runs none and says how many were skipped. Never silent.
 */

const T0 = new Date('2025-03-10T10:00:00.000Z');
const HOURLY: Recurrence = { kind: 'interval', minutes: 60, anchor: T0.toISOString() };
let n = 0;

function newPromise(chatId: string, over: Partial<NewPromise> = {}): NewPromise {
  n += 1;
  const callId = `web:late:${chatId}:${n}#0.0`;
  const id = promiseIdFor(callId);
  return {
    id,
    chat: { channel: 'web', chatId },
    userId: 'owner',
    text: `stand up ${n}`,
    dueAt: new Date(T0.getTime() + 60_000).toISOString(),
    recurrence: null,
    timeZone: 'UTC',
    workflowId: promiseWorkflowId(chatId, id),
    sourceCallId: callId,
    sourceTurn: `web:late:${n}`,
    createdAt: T0.toISOString(),
    ...over,
  };
}

const at = (ms: number) => new Date(T0.getTime() + ms);
const MIN = 60_000;

describe.each(testDialects())('late and missed promises on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let clock = T0;
  const deps = (): DeliveryDeps => ({ store, outbound: new OutboundChannels(), metrics: new Metrics({ defaultMetrics: false }), logger: silentLogger(), now: () => clock });

  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
    // One process ran until 10:00:30 and was gone; the next started at 10:30.
    await recordHeartbeat(store, { id: 'worker-a', role: 'worker', startedAt: at(-3_600_000).toISOString() }, at(30_000));
    await recordHeartbeat(store, { id: 'worker-b', role: 'worker', startedAt: at(30 * MIN).toISOString() }, at(31 * MIN));
  });
  afterAll(async () => dispose?.());

  async function lines(chatId: string) {
    return (await listMessages(store, { channel: 'web', chatId })).filter((m) => m.kind === 'reminder');
  }

  it('finds when Mycel was not running from the heartbeats, and nothing when it ran', async () => {
    expect(await downtimeAround(store, at(MIN).toISOString(), at(31 * MIN))).toEqual({ from: at(30_000).toISOString(), to: at(30 * MIN).toISOString() });
    expect(await downtimeAround(store, at(40 * MIN).toISOString(), at(41 * MIN))).toBeUndefined();
  });

  it('a one-off delivered 30 min late carries lateMs and says it is late and that Mycel was not running', async () => {
    const p = newPromise('late-once');
    await insertPromise(store, p);
    clock = at(30 * MIN + 5_000);
    expect(await deliverOneOff(deps(), p.id)).toMatchObject({ status: 'delivered' });
    const [line] = await lines('late-once');
    expect(line!.lateMs).toBe(29 * MIN + 5_000);
    expect(line!.text).toMatch(/^⏰ stand up \d+\n\(late by 29 min 5 s, due 2025-03-10 10:01 UTC: Mycel was not running from 2025-03-10 10:00 UTC to 2025-03-10 10:30 UTC\)$/);
    const [entry] = await listLedger(store, { chatId: 'late-once', status: 'all' });
    expect(entry!.deliveries).toEqual([expect.objectContaining({ lateMs: 29 * MIN + 5_000, outcome: 'delivered', note: expect.stringMatching(/late by/) })]);
  });

  it('a delivery within 60 s of its due time has no lateMs and no note', async () => {
    const p = newPromise('on-time', { dueAt: at(40 * MIN).toISOString() });
    await insertPromise(store, p);
    clock = at(40 * MIN + 59_000);
    await deliverOneOff(deps(), p.id);
    const [line] = await lines('on-time');
    expect(line!.lateMs).toBeUndefined();
    expect(line!.text).toBe(`⏰ ${p.text}`);
  });

  it('catch-up "once": the first late occurrence runs once for all that were missed and says how many; the next finds itself covered', async () => {
    const p = newPromise('catch-once', { recurrence: HOURLY, dueAt: at(60 * MIN).toISOString(), createdAt: at(-MIN).toISOString() });
    await insertPromise(store, p);
    // Down from 10:00:30 until 13:30: occurrences at 11:00, 12:00 and 13:00 were missed.
    await recordHeartbeat(store, { id: 'worker-c', role: 'worker', startedAt: at(210 * MIN).toISOString() }, at(210 * MIN));
    clock = at(210 * MIN + 1_000);
    expect(await deliverOccurrence(deps(), p.id, at(60 * MIN).toISOString())).toMatchObject({ status: 'delivered' });
    expect(await deliverOccurrence(deps(), p.id, at(120 * MIN).toISOString())).toMatchObject({ status: 'covered' });
    // A retry of the first occurrence repeats nothing.
    await deliverOccurrence(deps(), p.id, at(60 * MIN).toISOString());
    const got = await lines('catch-once');
    expect(got).toHaveLength(1);
    expect(got[0]!.text).toMatch(/running once for 3 missed occurrences \(2025-03-10 11:00 UTC to 2025-03-10 13:00 UTC\): Mycel was not running/);
    expect(got[0]!.lateMs).toBe(150 * MIN + 1_000);
    // The next on-time occurrence runs plainly: nothing more was missed.
    clock = at(240 * MIN + 500);
    await deliverOccurrence(deps(), p.id, at(240 * MIN).toISOString());
    const after = await lines('catch-once');
    expect(after).toHaveLength(2);
    expect(after[1]!.text).toBe(`⏰ ${p.text}`);
    const [entry] = await listLedger(store, { chatId: 'catch-once', status: 'all' });
    expect(entry!.deliveries.map((d) => d.outcome)).toEqual(['delivered', 'covered', 'delivered']);
  });

  it('catch-up "skip": a late occurrence does not run and says how many were skipped; the next on-time one runs', async () => {
    const p = newPromise('catch-skip', { recurrence: HOURLY, dueAt: at(60 * MIN).toISOString(), createdAt: at(-MIN).toISOString(), catchUp: 'skip' });
    await insertPromise(store, p);
    clock = at(210 * MIN + 1_000);
    expect(await deliverOccurrence(deps(), p.id, at(60 * MIN).toISOString())).toMatchObject({ status: 'skipped' });
    const got = await lines('catch-skip');
    expect(got).toHaveLength(1);
    expect(got[0]!.text).toMatch(/^Skipped 3 missed occurrences .* Catch-up is "skip", so none of them ran/);
    expect(got[0]!.text).not.toContain('⏰');
    clock = at(240 * MIN + 500);
    await deliverOccurrence(deps(), p.id, at(240 * MIN).toISOString());
    expect((await lines('catch-skip'))[1]!.text).toBe(`⏰ ${p.text}`);
  });

  it('an on-time occurrence after occurrences that never fired says how many did not run', async () => {
    const p = newPromise('gap', { recurrence: HOURLY, dueAt: at(60 * MIN).toISOString(), createdAt: at(-MIN).toISOString(), catchUp: 'skip' });
    await insertPromise(store, p);
    clock = at(240 * MIN + 500);
    await deliverOccurrence(deps(), p.id, at(240 * MIN).toISOString());
    const [line] = await lines('gap');
    expect(line!.text).toMatch(/^⏰ stand up \d+\n\(3 earlier occurrences from 2025-03-10 11:00 UTC to 2025-03-10 13:00 UTC did not run: /);
  });
});
