import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { loadConfig } from '../config/config.js';
import { silentLogger } from '../logging/logger.js';
import { Metrics } from '../metrics/metrics.js';
import { ENVELOPE_VERSION, type Envelope } from '../shared/envelope.js';
import type { Store } from '../storage/database.js';
import { recordUsage } from '../usage/usage.js';
import { ScheduledTurnBudget } from './budget-guard.js';
import { scheduledTurnKey } from './scheduled-run.js';
import { addDeliveryTokens, getPromise, insertPromise, promiseIdFor, promiseWorkflowId, recordDelivery } from './store.js';

/** The guard around a scheduled turn's model calls, against the real database (Temporal is not reached on these paths). */
describe.each(testDialects())('the budget guard of a scheduled turn on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
  });
  afterAll(async () => dispose?.());

  const metrics = new Metrics({ defaultMetrics: false });
  const temporal = {} as Client;
  let n = 0;

  async function occurrence(budget: { perRun?: number; perDay?: number }, tokens: number): Promise<Envelope> {
    n += 1;
    const callId = `web:guard:${n}#0.0`;
    const id = promiseIdFor(callId);
    const now = new Date();
    await insertPromise(store, {
      id,
      chat: { channel: 'web', chatId: 'guard' },
      userId: 'owner',
      text: 'summarise my notes',
      dueAt: now.toISOString(),
      recurrence: null,
      timeZone: 'UTC',
      workflowId: promiseWorkflowId('guard', id),
      sourceCallId: callId,
      sourceTurn: `web:guard:${n}`,
      createdAt: now.toISOString(),
      kind: 'scheduled',
      budget,
    });
    await recordDelivery(store, { key: id, promiseId: id, dueAt: now.toISOString(), at: now, requirePending: false });
    if (tokens) await addDeliveryTokens(store, id, { inputTokens: tokens, outputTokens: 0 });
    const turnKey = scheduledTurnKey(id);
    return { v: ENVELOPE_VERSION, channel: 'web', chatId: 'guard', userId: 'owner', updateId: turnKey, sequence: null, requestId: turnKey, text: 'summarise my notes', receivedAt: now.toISOString() };
  }

  function deps(env: Record<string, string> = {}) {
    return { store, temporal, logger: silentLogger(), metrics, config: loadConfig({ MYCEL_SCHEDULED_TOKENS_PER_RUN: '1000', MYCEL_SCHEDULED_TOKENS_PER_DAY: '5000', ...env }) };
  }

  it('guards scheduled turns only', async () => {
    const envelope = await occurrence({}, 0);
    expect(await ScheduledTurnBudget.forTurn(deps(), { ...envelope, updateId: 'web:typed-by-a-person' })).toBeUndefined();
    expect(await ScheduledTurnBudget.forTurn(deps(), { ...envelope, updateId: scheduledTurnKey('rnorecord') })).toBeUndefined();
    expect((await ScheduledTurnBudget.forTurn(deps(), envelope))?.budget).toEqual({ perRun: 1000, perDay: 5000 });
  });

  it('bounds the next call by what is left, and ends a one-off run that is over its budget without a call', async () => {
    const guard = (await ScheduledTurnBudget.forTurn(deps(), await occurrence({ perRun: 300 }, 120)))!;
    expect(await guard.before()).toEqual({ go: true, maxOutputTokens: 180 });
    await guard.record({ model: 'm', inputTokens: 150, outputTokens: 40 });
    const step = { type: 'tools' as const, calls: [{ tool: 'shell', input: {} }] };
    const stopped = await guard.after(step);
    expect(stopped).toMatchObject({ type: 'reply', text: expect.stringContaining('this run used 310 tokens, and its budget is 300 tokens per run') });
    expect(stopped.type === 'reply' && stopped.text).toContain('tool calls the model asked for next did not run');
    // A one-off has nothing left to pause: its row stays as its run left it.
    expect((await getPromise(store, guard.promise.id))!.status).toBe('pending');
    expect(await guard.before()).toMatchObject({ go: false });
  });

  it('leaves a step within budget as it is', async () => {
    const guard = (await ScheduledTurnBudget.forTurn(deps(), await occurrence({}, 10)))!;
    const step = { type: 'reply' as const, text: 'all fine' };
    expect(await guard.after(step)).toBe(step);
  });

  it('makes no call once the instance-wide daily limit is reached, without pausing the promise', async () => {
    await recordUsage(store.db, { at: new Date(), channel: 'web', chatId: 'other', origin: 'turn', model: 'm', inputTokens: 50, outputTokens: 0 });
    const guard = (await ScheduledTurnBudget.forTurn(deps({ MYCEL_MODEL_DAILY_TOKEN_LIMIT: '40' }), await occurrence({}, 0)))!;
    const before = await guard.before();
    expect(before).toMatchObject({ go: false, text: expect.stringContaining('MYCEL_MODEL_DAILY_TOKEN_LIMIT') });
    expect((await getPromise(store, guard.promise.id))!.status).toBe('pending');
  });
});
