import { rmSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { TEST_PAUSE_VARIABLE } from '../../src/activities/promises.js';
import { silentLogger } from '../../src/logging/logger.js';
import { createPromise } from '../../src/promises/service.js';
import { getPromise, listDeliveries, promiseWorkflowId } from '../../src/promises/store.js';
import { openMigratedDatabase } from '../../src/storage/database.js';
import { connectClient } from '../../src/temporal/client.js';
import { loadConfig } from '../../src/config/config.js';
import { spawnMycel, tempDataDir, type MycelCli } from '../support/cli-process.js';
import { waitFor } from '../support/wait.js';

/**
 * Exactly-once promises against the real thing: `node bin/mycel.js start` with its embedded
 * Temporal dev server and SQLite files in a temp data dir, stopped, killed and started again.
 */

/** The promise made to the person: delivered no later than this after its due time. */
const MAX_DELAY_MS = 10_000;
/** How long after delivery the tests keep watching for a second (wrong) delivery. */
const WATCH_FOR_DUPLICATES_MS = 3_000;

const dataDirs: string[] = [];
let running: MycelCli | undefined;

afterEach(async () => {
  await running?.stop('SIGKILL');
  running = undefined;
});
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

function newDataDir(): string {
  const dir = tempDataDir('mycel-e2e-promises-');
  dataDirs.push(dir);
  return dir;
}

interface Line {
  role: string;
  text: string;
  at: string;
  kind?: string;
}

async function reminderLines(cli: MycelCli, chatId: string): Promise<Line[]> {
  const res = await cli.api(`/api/chats/${chatId}/messages`);
  return (res.body as Line[]).filter((l) => l.kind === 'reminder');
}

/** Creates a reminder through the chat API; returns its id and due time. */
async function remind(cli: MycelCli, chatId: string, when: string, text: string): Promise<{ id: string; dueAt: number }> {
  const res = await cli.api(`/api/chats/${chatId}/messages`, { body: { text: `/remind ${when} ${text}`, messageId: `remind-${text.replace(/\W+/g, '-')}` } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const id = /Reminder id: (r[0-9a-z]+)/.exec(res.body.reply)?.[1];
  expect(id, res.body.reply).toBeDefined();
  const listed = (await cli.api(`/api/chats/${chatId}/reminders`)).body as Array<{ id: string; dueAt: string }>;
  const dueAt = Date.parse(listed.find((r) => r.id === id)!.dueAt);
  return { id: id!, dueAt };
}

/** Waits for the ⏰ line, then keeps watching: exactly one, and how late it was. */
async function expectDeliveredOnce(cli: MycelCli, chatId: string, text: string, dueAt: number) {
  const [line] = await waitFor(async () => {
    const lines = await reminderLines(cli, chatId);
    return lines.length ? lines : undefined;
  }, 60_000, `⏰ ${text}`);
  const seenAt = Date.now();
  await new Promise((r) => setTimeout(r, WATCH_FOR_DUPLICATES_MS));
  const lines = await reminderLines(cli, chatId);
  expect(lines.map((l) => l.text)).toEqual([`⏰ ${text}`]);
  return { serverDelayMs: Date.parse(line!.at) - dueAt, observedDelayMs: seenAt - dueAt };
}

describe('a reminder across a full restart', () => {
  it('pending while Mycel (embedded Temporal included) stops and starts again, is delivered exactly once, on time', async () => {
    const dataDir = newDataDir();
    running = await spawnMycel({ dataDir });
    const chat = 'restart-promise';
    const { id, dueAt } = await remind(running, chat, '60s', 'survive the restart');

    const stopped = await running.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    const restartStarted = Date.now();
    running = await spawnMycel({ dataDir });
    const restartMs = Date.now() - restartStarted;
    // The reminder must still be pending after the restart, i.e. the restart beat its due time.
    expect(Date.now(), `the restart took ${restartMs} ms and passed the due time`).toBeLessThan(dueAt);
    expect((await running.api(`/api/chats/${chat}/reminders`)).body).toEqual([expect.objectContaining({ id, status: 'pending' })]);

    const delay = await expectDeliveredOnce(running, chat, 'survive the restart', dueAt);
    console.log(`[promises e2e] full restart: restart ${restartMs} ms; delivered ${delay.serverDelayMs} ms after due (observed ${delay.observedDelayMs} ms)`);
    expect(delay.serverDelayMs).toBeGreaterThanOrEqual(0);
    expect(delay.serverDelayMs).toBeLessThanOrEqual(MAX_DELAY_MS);
    expect(delay.observedDelayMs).toBeLessThanOrEqual(MAX_DELAY_MS);
    const all = (await running.api(`/api/chats/${chat}/reminders?status=all`)).body;
    expect(all).toEqual([expect.objectContaining({ id, status: 'delivered', deliveries: 1 })]);
  });
});

describe('a reminder whose worker is killed mid-delivery', () => {
  it('is delivered exactly once after `mycel start` is killed with SIGKILL between recording and sending', async () => {
    const dataDir = newDataDir();
    // Warn level whatever the run's MYCEL_TEST_LOG_LEVEL: the test reads the hook's warning.
    running = await spawnMycel({ dataDir, env: { [TEST_PAUSE_VARIABLE]: 'after-record:30000', MYCEL_LOG_LEVEL: 'warn' } });
    const chat = 'killed-promise';
    const { id, dueAt } = await remind(running, chat, '6s', 'survive the kill');

    // The delivery has recorded itself (claimed) and is held before the transcript line.
    const cli = running;
    await waitFor(async () => cli.stderr().includes('promise delivery paused (test hook)'), 30_000, 'the paused delivery');
    expect((await running.api(`/api/chats/${chat}/reminders?status=all`)).body).toEqual([expect.objectContaining({ id, status: 'delivered', deliveries: 0 })]);
    expect(await reminderLines(running, chat)).toEqual([]);

    const killed = await running.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const restartStarted = Date.now();
    running = await spawnMycel({ dataDir });
    const restartMs = Date.now() - restartStarted;

    const readyAt = Date.now();
    const delay = await expectDeliveredOnce(running, chat, 'survive the kill', dueAt);
    const recoveryMs = dueAt + delay.serverDelayMs - readyAt;
    console.log(`[promises e2e] SIGKILL mid-delivery: restart ${restartMs} ms; delivered ${delay.serverDelayMs} ms after due, ${recoveryMs} ms after the restarted Mycel was ready`);
    // Nothing can deliver while no worker runs: the delay is the restart plus the recovery,
    // and the recovery (heartbeat timeout, retry, the remaining steps) stays within the bound.
    expect(recoveryMs).toBeLessThanOrEqual(MAX_DELAY_MS);
    expect(delay.serverDelayMs).toBeLessThanOrEqual(restartMs + MAX_DELAY_MS);
    expect((await running.api(`/api/chats/${chat}/reminders?status=all`)).body).toEqual([expect.objectContaining({ id, status: 'delivered', deliveries: 1 })]);
    expect(running.stderr()).not.toContain('promise delivery paused (test hook)');
  });

  it('is delivered exactly once when only the worker process (`mycel worker`) is killed, Temporal staying up', async () => {
    const dataDir = newDataDir();
    const taskQueue = `e2e-promises-${Date.now().toString(36)}`;
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), MYCEL_TASK_QUEUE: taskQueue, MYCEL_DATA_DIR: dataDir };
    const config = loadConfig(env);
    const store = await openMigratedDatabase(config.databaseUrl);
    const { client, connection } = await connectClient({ address: inject('temporalAddress'), namespace: 'default' });
    try {
      running = await spawnMycel({ dataDir, args: ['worker'], env: { ...env, [TEST_PAUSE_VARIABLE]: 'after-append:30000', MYCEL_LOG_LEVEL: 'warn' } });
      const chat = { channel: 'web' as const, chatId: 'killed-worker' };
      const now = new Date();
      const dueAt = new Date(now.getTime() + 4_000);
      const { promise } = await createPromise(
        { store, temporal: client, config, logger: silentLogger() },
        { chat, userId: 'e2e', text: 'survive the worker kill', parsed: { kind: 'once', dueAt }, timeZone: 'UTC', source: { callId: `e2e:worker-kill:${now.getTime()}#0.0`, turnKey: 'e2e' }, now },
      );
      const cli = running;
      await waitFor(async () => cli.stderr().includes('promise delivery paused (test hook)'), 30_000, 'the paused delivery');
      // Held after the transcript line, before the channel send and the completion.
      expect((await getPromise(store, promise.id))?.deliveries).toBe(0);

      await running.stop('SIGKILL');
      const restartStarted = Date.now();
      running = await spawnMycel({ dataDir, args: ['worker'], env });
      const readyAt = Date.now();
      const restartMs = readyAt - restartStarted;
      const completed = await waitFor(async () => {
        const [delivery] = await listDeliveries(store, promise.id);
        return delivery?.completed_at ? delivery : undefined;
      }, 60_000, 'the completed delivery');
      const completedDelayMs = Date.parse(completed.completed_at!) - dueAt.getTime();
      const recoveryMs = Date.parse(completed.completed_at!) - readyAt;
      console.log(`[promises e2e] worker SIGKILL: restart ${restartMs} ms; completed ${completedDelayMs} ms after due, ${recoveryMs} ms after the new worker was ready`);
      // Temporal stays up, so the whole outage (kill, new worker, retried delivery) fits the promise.
      expect(recoveryMs).toBeLessThanOrEqual(MAX_DELAY_MS);
      expect(completedDelayMs).toBeLessThanOrEqual(MAX_DELAY_MS);
      const handle = client.workflow.getHandle(promiseWorkflowId(chat.chatId, promise.id));
      expect(await handle.result()).toBe('delivered');
      await new Promise((r) => setTimeout(r, WATCH_FOR_DUPLICATES_MS));
      const lines = (await store.db.selectFrom('messages').selectAll().where('chat_id', '=', chat.chatId).execute()).filter((m) => m.kind === 'reminder');
      expect(lines.map((l) => l.text)).toEqual(['⏰ survive the worker kill']);
      expect(await listDeliveries(store, promise.id)).toHaveLength(1);
      expect((await getPromise(store, promise.id))?.deliveries).toBe(1);
    } finally {
      await connection.close();
      await store.close();
    }
  });
});
