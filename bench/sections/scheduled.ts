/**
 * Scheduled-work bench: SCHEDULED_BENCH_COMMANDS scheduled `/sh echo` commands across
 * SCHEDULED_BENCH_CHATS chats, all due within SCHEDULED_BENCH_WINDOW_MS, on the embedded
 * Temporal dev server (SQLite) with one worker and the offline brain. Each runs as a turn of
 * its chat at its due time. Measures lateness (from each due time to its result's delivery
 * record: median, p95, max) and checks that none was lost or doubled (one `scheduled`
 * transcript line per promise; "lost" = none within SETTLE_MS of the window).
 *
 * Standalone: `node bin/run-ts.js bench/sections/scheduled.ts [--commands N] [--chats N]`
 * prints JSON. It always runs its own instance in a temporary data dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { createPromise } from '../../src/promises/service.js';
import { startProcess, type MycelProcess } from '../../src/runtime/processes.js';
import { distribution, type Distribution } from '../stats.js';

export const SCHEDULED_BENCH_COMMANDS = 200;
export const SCHEDULED_BENCH_CHATS = 20;
/** All due times fall within this window. */
export const SCHEDULED_BENCH_WINDOW_MS = 10_000;
/** Time between the start of creation and the first due time. */
const LEAD_MS = 45_000;
const CREATE_CONCURRENCY = 20;
/** How long after the last due time the bench waits for stragglers before counting them lost. */
const SETTLE_MS = 5 * 60_000;

export interface ScheduledBenchResult {
  status: 'ok' | 'failed';
  reason?: string;
  commands: number;
  chats: number;
  windowMs: number;
  createSeconds?: number;
  createdInTime?: boolean;
  loadAverage?: { atDue: number; atEnd: number };
  lateness?: Distribution;
  delivered?: number;
  lost?: number;
  doubled?: number;
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function measureScheduledWork(proc: MycelProcess, commands: number, chats: number): Promise<ScheduledBenchResult> {
  const store = proc.store;
  const service = { store, temporal: proc.client, config: proc.config, logger: proc.logger };
  const run = Date.now().toString(36);
  const started = Date.now();
  const firstDue = started + LEAD_MS;
  const jobs = Array.from({ length: commands }, (_, i) => ({
    i,
    chat: { channel: 'web' as const, chatId: `sched-bench-${run}-${i % chats}` },
    dueAt: new Date(firstDue + Math.floor((i * SCHEDULED_BENCH_WINDOW_MS) / commands)),
  }));
  await inBatches(jobs, CREATE_CONCURRENCY, async (job) => {
    await createPromise(service, {
      chat: job.chat,
      userId: 'bench',
      text: `/sh echo job-${run}-${job.i}`,
      parsed: { kind: 'once', dueAt: job.dueAt },
      timeZone: 'UTC',
      source: { callId: `sched-bench:${run}:${job.i}#0.0`, turnKey: `sched-bench:${run}:${job.i}` },
      now: new Date(),
      kind: 'scheduled',
    });
  });
  const createMs = Date.now() - started;
  const prefix = `sched-bench-${run}-`;
  const deadline = firstDue + SCHEDULED_BENCH_WINDOW_MS + SETTLE_MS;
  let loadAtDue: number | undefined;
  let rows: Array<{ delay_ms: number | null; completed_at: string | null }>;
  for (;;) {
    rows = await store.db
      .selectFrom('promise_deliveries')
      .innerJoin('promises', 'promises.id', 'promise_deliveries.promise_id')
      .select(['promise_deliveries.delay_ms', 'promise_deliveries.completed_at'])
      .where('promises.chat_id', 'like', `${prefix}%`)
      .execute();
    if (loadAtDue === undefined && Date.now() >= firstDue + SCHEDULED_BENCH_WINDOW_MS / 2) loadAtDue = os.loadavg()[0];
    if (rows.filter((r) => r.completed_at).length >= commands || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 3_000));
  const lines = await store.db.selectFrom('messages').select(['text']).where('chat_id', 'like', `${prefix}%`).where('kind', '=', 'scheduled').execute();
  const perJob = new Map<string, number>();
  for (const line of lines) {
    const job = /job-\S+/.exec(line.text)?.[0];
    if (job) perJob.set(job, (perJob.get(job) ?? 0) + 1);
  }
  const completed = rows.filter((r) => r.completed_at);
  return {
    status: 'ok',
    commands,
    chats,
    windowMs: SCHEDULED_BENCH_WINDOW_MS,
    createSeconds: Math.round(createMs / 100) / 10,
    createdInTime: createMs < LEAD_MS,
    loadAverage: { atDue: Math.round((loadAtDue ?? os.loadavg()[0]!) * 10) / 10, atEnd: Math.round(os.loadavg()[0]! * 10) / 10 },
    lateness: distribution(completed.map((r) => r.delay_ms ?? 0)),
    delivered: perJob.size,
    lost: commands - perJob.size,
    doubled: [...perJob.values()].filter((n) => n > 1).length,
  };
}

export async function runScheduledBench(options: { commands?: number; chats?: number; quick?: boolean; temporalBin?: string } = {}): Promise<ScheduledBenchResult> {
  const commands = options.commands ?? (options.quick ? 50 : SCHEDULED_BENCH_COMMANDS);
  const chats = options.chats ?? (options.quick ? 5 : SCHEDULED_BENCH_CHATS);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-bench-scheduled-'));
  const config = loadConfig({ MYCEL_DATA_DIR: dataDir, MYCEL_HTTP_PORT: '0', MYCEL_TEMPORAL_BIN: options.temporalBin ?? process.env.MYCEL_TEMPORAL_BIN });
  let proc: MycelProcess | undefined;
  try {
    proc = await startProcess(config, createLogger({ level: process.env.MYCEL_BENCH_LOG_LEVEL ?? 'warn', pretty: false }), { embedded: true, worker: true, gateway: false });
    return await measureScheduledWork(proc, commands, chats);
  } catch (err) {
    return { status: 'failed', reason: err instanceof Error ? err.message : String(err), commands, chats, windowMs: SCHEDULED_BENCH_WINDOW_MS };
  } finally {
    await proc?.lifecycle.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export default {
  name: 'scheduled',
  description: `scheduled work: ${SCHEDULED_BENCH_COMMANDS} scheduled /sh commands across ${SCHEDULED_BENCH_CHATS} chats due within ${SCHEDULED_BENCH_WINDOW_MS / 1000} s: lateness (median, p95, max), none lost or doubled`,
  run: (ctx: { quick?: boolean; temporalBin?: string }): Promise<ScheduledBenchResult> => runScheduledBench({ quick: ctx.quick, temporalBin: ctx.temporalBin }),
};

async function standalone(): Promise<void> {
  const arg = (name: string) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : undefined;
  };
  const result = await runScheduledBench({ commands: arg('--commands'), chats: arg('--chats') });
  console.log(JSON.stringify(result, null, 2));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) await standalone();
