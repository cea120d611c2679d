/**
 * Tools bench: what the safety gate costs. In the same run and the same process:
 * - direct: spawning the command (`echo bench`) with the same sandbox, environment and caps;
 * - gated: the same call through the gate (`ToolExecutor.execute`: input validation, policy,
 *   command checks, the run, and the audit record written to SQLite).
 * Reported as median and p95 of each, and their ratio. With a running instance it also
 * measures a whole `/sh echo bench` turn over the HTTP API against a `/start` turn (no tool).
 *
 * Standalone: `node bin/run-ts.js bench/sections/tools.ts [--quick]` prints JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../../src/deps/activity-deps.js';
import { OutboundChannels } from '../../src/channels/outbound.js';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/logging/logger.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { openMigratedDatabase } from '../../src/storage/database.js';
import { runCommand } from '../../src/tools/builtin/shell.js';
import { createIsolation } from '../../src/tools/builtin/isolation.js';
import { createToolRuntime } from '../../src/tools/runtime.js';
import { pipelineRuntimeFromConfig } from '../../src/pipelines/runtime.js';
import { distribution, type Distribution } from '../stats.js';

/** Calls measured per variant (after WARMUP calls). */
export const TOOLS_BENCH_CALLS = 200;
const WARMUP = 20;

async function time(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await fn(-i - 1);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return samples;
}

export interface ToolsBenchResult {
  direct: Distribution;
  gated: Distribution;
  /** Median of the per-pair ratios gated / direct (interleaved pairs, same run and process). */
  ratio: number;
  /** gated median − direct median, in ms: the gate's own cost. */
  overheadMs: number;
  turn?: { shTurn: Distribution; plainTurn: Distribution; ratio: number } | { status: 'skipped'; reason: string };
}

async function measureGate(calls: number): Promise<Omit<ToolsBenchResult, 'turn'>> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-bench-tools-'));
  const config = loadConfig({ MYCEL_DATA_DIR: dataDir, MYCEL_LOG_LEVEL: 'silent' });
  const store = await openMigratedDatabase(config.databaseUrl);
  try {
    // An allowed call never reaches Temporal (only `ask` starts an approval workflow).
    const deps: ActivityDeps = { config, store, logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), temporal: undefined as unknown as Client, outbound: new OutboundChannels() };
    const { executor, policy } = createToolRuntime(deps, pipelineRuntimeFromConfig(deps));
    const isolation = createIsolation();
    const runDirect = () => runCommand('echo', ['bench'], policy.get(), isolation);
    const runGated = async (i: number) => {
      const outcome = await executor.execute(
        { tool: 'shell', input: { command: 'echo bench' } },
        { chat: { channel: 'web', chatId: 'bench' }, userId: 'bench', turnKey: `bench:${i}`, callId: `bench:${i}#0.0`, timeZone: 'UTC', now: new Date().toISOString() },
      );
      if (outcome.status !== 'ok') throw new Error(`the gated call did not run: ${outcome.error}`);
    };
    // Interleaved pairs (A B, B A, …) so that drift of a noisy machine hits both alike.
    const direct: number[] = [];
    const gated: number[] = [];
    const ratios: number[] = [];
    for (let i = -WARMUP; i < calls; i++) {
      const order = i % 2 === 0 ? ['d', 'g'] : ['g', 'd'];
      const pair: Record<string, number> = {};
      for (const which of order) {
        const t0 = performance.now();
        if (which === 'd') await runDirect();
        else await runGated(i + WARMUP);
        pair[which] = performance.now() - t0;
      }
      if (i < 0) continue;
      direct.push(pair.d!);
      gated.push(pair.g!);
      ratios.push(pair.g! / pair.d!);
    }
    const d = distribution(direct);
    const g = distribution(gated);
    return { direct: d, gated: g, ratio: Math.round(distribution(ratios).medianMs * 100) / 100, overheadMs: Math.round((g.medianMs - d.medianMs) * 100) / 100 };
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measureTurns(httpUrl: string, turns: number): Promise<NonNullable<ToolsBenchResult['turn']>> {
  const post = async (chat: string, text: string) => {
    const res = await fetch(`${httpUrl}/api/chats/${chat}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
    if (res.status !== 200) throw new Error(`turn failed: ${res.status} ${await res.text()}`);
  };
  const sh = await time(turns, () => post('bench-tools-sh', '/sh echo bench'));
  const plain = await time(turns, () => post('bench-tools-plain', '/start'));
  const s = distribution(sh);
  const p = distribution(plain);
  return { shTurn: s, plainTurn: p, ratio: Math.round((s.medianMs / p.medianMs) * 100) / 100 };
}

const section = {
  name: 'tools',
  description: 'tools: an allowed shell call through the safety gate (validation, policy, audit) against running the same command directly',
  async run(ctx: { httpUrl?: string; quick?: boolean }): Promise<ToolsBenchResult> {
    const gate = await measureGate(ctx.quick ? 50 : TOOLS_BENCH_CALLS);
    const turn = ctx.httpUrl ? await measureTurns(ctx.httpUrl, ctx.quick ? 20 : 60) : { status: 'skipped' as const, reason: 'no running instance given' };
    return { ...gate, turn };
  },
};

export default section;

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  console.log(JSON.stringify(await section.run({ quick: process.argv.includes('--quick'), httpUrl: process.env.MYCEL_BENCH_URL }), null, 2));
}
