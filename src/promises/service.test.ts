import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { silentLogger } from '../logging/logger.js';
import type { Store } from '../storage/database.js';
import { freshStore, testDialects } from '../../test/support/databases.js';
import {
  NOT_ARMED,
  PromiseNotFoundError,
  PromiseNotPendingError,
  PromiseNotSnoozableError,
  cancelPromise,
  createPromise,
  listPromises,
  snoozePromise,
  type PromiseServiceDeps,
} from './service.js';
import { getPromise, promiseIdFor } from './store.js';

/** A Temporal client stand-in that records what the service asks of it. */
function fakeTemporal(options: { failStart?: boolean } = {}) {
  const calls: Array<{ op: string; id: string; args?: unknown }> = [];
  const client = {
    workflow: {
      start: async (type: string, o: { workflowId: string; args: unknown[]; workflowIdReusePolicy: string }) => {
        if (options.failStart) throw new Error('Temporal is unavailable');
        calls.push({ op: `start ${type}`, id: o.workflowId, args: { args: o.args, reuse: o.workflowIdReusePolicy } });
      },
      getHandle: (id: string) => ({
        // Signals go by definition (src/workflows/definitions.ts): recorded by the name they carry.
        signal: async (signal: { name: string }, arg?: unknown) => {
          if (id.includes('gone')) throw new WorkflowNotFoundError('gone', id, undefined);
          calls.push({ op: `signal ${signal.name}`, id, args: arg });
        },
      }),
    },
    schedule: {
      create: async (o: { scheduleId: string; spec: unknown; policies: unknown; action: { workflowType: string } }) =>
        void calls.push({ op: `schedule ${o.action.workflowType}`, id: o.scheduleId, args: { spec: o.spec, policies: o.policies } }),
      getHandle: (id: string) => ({ delete: async () => void calls.push({ op: 'delete schedule', id }) }),
    },
  };
  return { client: client as unknown as Client, calls };
}

const NOW = new Date('2025-03-10T10:00:00.000Z');
const chat = { channel: 'web' as const, chatId: 'service-test' };

describe.each(testDialects())('the promise service on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const config = loadConfig({ MYCEL_DATA_DIR: '/tmp/mycel-service-test', MYCEL_TASK_QUEUE: 'promises-q' });
  let n = 0;

  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
  });
  afterAll(async () => dispose?.());

  function deps(temporal = fakeTemporal()): PromiseServiceDeps & { calls: typeof temporal.calls } {
    return { store, temporal: temporal.client, config, logger: silentLogger(), calls: temporal.calls };
  }

  function request(over: Partial<Parameters<typeof createPromise>[1]> = {}) {
    n += 1;
    return {
      chat,
      userId: 'owner',
      text: `thing ${n}`,
      parsed: { kind: 'once' as const, dueAt: new Date(NOW.getTime() + 600_000) },
      timeZone: 'UTC',
      source: { callId: `web:svc:${n}#0.0`, turnKey: `web:svc:${n}`, workflowId: 'chat-web-service-test' },
      now: NOW,
      ...over,
    };
  }

  it('creates a one-off promise: the row, then its own workflow that a finished run never repeats', async () => {
    const d = deps();
    const req = request();
    const { promise, created } = await createPromise(d, req);
    expect(created).toBe(true);
    expect(promise).toMatchObject({
      id: promiseIdFor(req.source.callId),
      status: 'pending',
      workflowId: `promise-service-test-${promise.id}`,
      sourceCallId: req.source.callId,
      sourceTurn: req.source.turnKey,
      sourceWorkflowId: 'chat-web-service-test',
    });
    expect(d.calls).toEqual([
      { op: 'start promiseWorkflow', id: promise.workflowId, args: { args: [{ promiseId: promise.id, dueAt: '2025-03-10T10:10:00.000Z' }], reuse: 'REJECT_DUPLICATE' } },
    ]);
    const again = await createPromise(d, req);
    expect(again).toMatchObject({ created: false, promise: { id: promise.id } });
  });

  it('creates a recurring promise as a schedule in the chat time zone', async () => {
    const d = deps();
    const recurrence = { kind: 'days' as const, days: [1, 2, 3, 4, 5] as Array<1 | 2 | 3 | 4 | 5>, hour: 8, minute: 0, timeZone: 'Europe/Berlin' };
    const { promise } = await createPromise(d, request({ parsed: { kind: 'recurring', recurrence, firstDueAt: new Date('2025-03-11T07:00:00Z') } }));
    expect(d.calls).toEqual([
      {
        op: 'schedule recurringPromiseWorkflow',
        id: promise.workflowId,
        args: {
          spec: { calendars: [{ hour: 8, minute: 0, dayOfWeek: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] }], timezone: 'Europe/Berlin' },
          policies: { overlap: 'BUFFER_ONE', catchupWindow: '30 days' },
        },
      },
    ]);
    await expect(snoozePromise(d, chat, promise.id, new Date(NOW.getTime() + 60_000), NOW)).rejects.toBeInstanceOf(PromiseNotSnoozableError);
    const cancelled = await cancelPromise(d, chat, promise.id, 'api', { now: NOW });
    expect(cancelled.status).toBe('cancelled');
    expect(d.calls.at(-1)).toEqual({ op: 'delete schedule', id: promise.workflowId });
  });

  it('leaves nothing pending when its workflow cannot be started, and says so', async () => {
    const d = deps(fakeTemporal({ failStart: true }));
    const req = request();
    await expect(createPromise(d, req)).rejects.toMatchObject({ code: 'PROMISE_NOT_ARMED', message: /Temporal is unavailable/ });
    expect(await getPromise(store, promiseIdFor(req.source.callId))).toMatchObject({ status: 'cancelled', cancelledBy: NOT_ARMED });
  });

  it('cancels: the row first, then a signal; again is a conflict unless it is the same retried call', async () => {
    const d = deps();
    const { promise } = await createPromise(d, request());
    const cancelled = await cancelPromise(d, chat, promise.id, 'web:svc:cancel#0.0', { now: NOW, retryable: true });
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelledBy: 'web:svc:cancel#0.0', cancelledAt: NOW.toISOString() });
    expect(d.calls.at(-1)).toEqual({ op: 'signal cancel', id: promise.workflowId, args: undefined });
    expect(await cancelPromise(d, chat, promise.id, 'web:svc:cancel#0.0', { retryable: true })).toMatchObject({ status: 'cancelled' });
    await expect(cancelPromise(d, chat, promise.id, 'api')).rejects.toBeInstanceOf(PromiseNotPendingError);
    await expect(cancelPromise(d, chat, 'rnothere', 'api')).rejects.toBeInstanceOf(PromiseNotFoundError);
    await expect(cancelPromise(d, { channel: 'web', chatId: 'other' }, promise.id, 'api')).rejects.toBeInstanceOf(PromiseNotFoundError);
  });

  it('snoozes: the row first, then a signal with the new time', async () => {
    const d = deps();
    const { promise } = await createPromise(d, request());
    const later = new Date(NOW.getTime() + 3_600_000);
    expect(await snoozePromise(d, chat, promise.id, later, NOW)).toMatchObject({ dueAt: later.toISOString(), status: 'pending' });
    expect(d.calls.at(-1)).toEqual({ op: 'signal snooze', id: promise.workflowId, args: { dueAt: later.toISOString() } });
    const listed = await listPromises(store, chat, 'pending', NOW);
    expect(listed.find((p) => p.id === promise.id)?.dueAt).toBe(later.toISOString());
  });

  it('lists a recurring promise by its next occurrence once the stored one has passed', async () => {
    const d = deps();
    const recurrence = { kind: 'interval' as const, minutes: 60, anchor: NOW.toISOString() };
    const own = { channel: 'web' as const, chatId: 'service-recurring' };
    await createPromise(d, request({ chat: own, parsed: { kind: 'recurring', recurrence, firstDueAt: new Date(NOW.getTime() + 3_600_000) } }));
    const [listed] = await listPromises(store, own, 'pending', new Date(NOW.getTime() + 3 * 3_600_000 + 5_000));
    expect(listed?.dueAt).toBe(new Date(NOW.getTime() + 4 * 3_600_000).toISOString());
  });
});
