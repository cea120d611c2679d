/**
 * Pipelines bench: what a pipeline task costs over a bare Temporal activity, on the same
 * server in the same run.
 * - Per-task overhead: a chain of no-op tasks, each step's time (one task finishing to the
 *   next finishing), against the same chain of no-op activities started by hand (median, p95).
 * - Fan-out: wall time of 100 parallel no-op tasks against 100 activities started at once
 *   by hand (target: ratio at most 1.5x), and a diamond's wall time.
 * - Peer shapes: a diamond, root → 100 leaves → join and root → 998 leaves → join (1,000 tasks, the largest graph), on Mycel
 *   and on Cloacina (`cloaca` 0.3.1 from PyPI, SQLite backend) in the same run, through the
 *   peer's own recipe and timing script in ../shared/peers; the ratio per shape (target: below
 *   1 on every shape). An unavailable peer is reported with the exact reason.
 *
 * Standalone: `node bin/run-ts.js bench/sections/pipelines.ts [--quick]` starts an embedded
 * Temporal server and a worker in a temporary data dir and prints the result as JSON.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runResult, startPipelineRun } from '../../src/pipelines/client.js';
import { getRun } from '../../src/pipelines/store.js';
import type { MycelProcess } from '../../src/runtime/processes.js';
import { CACHE_DIR, PACKAGE_ROOT } from '../../src/shared/paths.js';
import { CHAIN_TASKS, FANOUT_TASKS, JOIN_FANOUTS } from '../pipelines/bench.js';
import { startBenchInstance } from '../instance.js';
import type { pipelineBaselineWorkflow } from '../../src/workflows/pipeline-baseline.js';
import { WORKFLOW_TYPES } from '../../src/workflows/definitions.js';

/** The target of the issue: a 100-task fan-out at most this many times slower than the bare activities. */
export const FANOUT_RATIO_TARGET = 1.5;
/** Where the Cloacina peer is installed (a venv in the project cache). */
export const CLOACA_VENV = path.join(CACHE_DIR, 'cloaca-venv');

export interface Distribution {
  runs: number;
  medianMs: number;
  p95Ms: number;
}

export interface PipelinesBenchResult {
  perTask: { pipeline: Distribution; bareActivity: Distribution; overheadMedianMs: number; ratioMedian: number };
  fanout: { tasks: number; pipelineMs: number; bareActivitiesMs: number; ratio: number; target: number; meetsTarget: boolean };
  diamond: { pipelineMs: number };
  /** The shapes the peer runs too: diamond, root → 100 leaves → join, root → 998 leaves → join (a 1,000-task graph; wall time). */
  shapes: { diamond: Distribution; fanout100: Distribution; fanout1000: Distribution };
  peer:
    | { name: 'cloaca (Cloacina, SQLite)'; status: 'ok'; diamond: Distribution; fanout100: Distribution; fanout1000: Distribution }
    | { name: 'cloaca (Cloacina, SQLite)'; status: 'unavailable'; reason: string };
  /** Mycel's median over the peer's, per shape; absent when the peer is unavailable. */
  vsPeer: { diamond: number; fanout100: number; fanout1000: number; fasterOnEveryShape: boolean } | undefined;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

function distribution(samples: number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return { runs: sorted.length, medianMs: round(quantile(sorted, 0.5)), p95Ms: round(quantile(sorted, 0.95)) };
}

const median = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.5);

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** Measures pipelines against bare activities on a running worker that loaded bench/pipelines. */
export async function measurePipelines(proc: MycelProcess, quick = false): Promise<Omit<PipelinesBenchResult, 'peer' | 'vsPeer'>> {
  const client = proc.client;
  const store = proc.store;
  const taskQueue = proc.config.temporal.taskQueue;
  const runPipeline = async (pipelineId: string) => {
    const { handle } = await startPipelineRun(client, { pipelineId, version: 1, input: {}, trigger: 'bench', taskQueue });
    const result = await runResult(handle);
    if (result.status !== 'succeeded') throw new Error(`bench pipeline ${pipelineId} failed: ${result.error}`);
    return result;
  };
  const runBare = async (count: number, parallel: boolean) =>
    client.workflow.execute<typeof pipelineBaselineWorkflow>(WORKFLOW_TYPES.pipelineBaseline, {
      taskQueue,
      workflowId: `pipeline-baseline-${randomBytes(4).toString('hex')}`,
      args: [{ count, parallel }],
    });

  // Warm up both paths (workflow cache, connections, SQLite pages).
  await runPipeline('bench-diamond');
  await runBare(5, false);

  const rounds = quick ? 1 : 3;
  const pipelineSteps: number[] = [];
  const bareSteps: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const result = await runPipeline('bench-chain');
    const run = await getRun(store, result.runId);
    const finished = (run?.tasks ?? []).map((t) => Date.parse(t.finishedAt ?? ''));
    for (let i = 1; i < finished.length; i++) pipelineSteps.push(finished[i]! - finished[i - 1]!);
    const ranAt = (await runBare(CHAIN_TASKS, false)).ranAt;
    for (let i = 1; i < ranAt.length; i++) bareSteps.push(ranAt[i]! - ranAt[i - 1]!);
  }

  const fanoutRounds = quick ? 2 : 5;
  const pipelineFanout: number[] = [];
  const bareFanout: number[] = [];
  const diamond: number[] = [];
  for (let r = 0; r < fanoutRounds; r++) {
    pipelineFanout.push((await timed(() => runPipeline('bench-fanout'))).ms);
    bareFanout.push((await timed(() => runBare(FANOUT_TASKS, true))).ms);
    diamond.push((await timed(() => runPipeline('bench-diamond'))).ms);
  }

  // The peer's shapes, each after one warm-up run, as many runs as the peer gets.
  const shapeRuns = (leaves: number) => (quick ? 1 : leaves >= 500 ? 3 : 10);
  const shape = async (pipelineId: string, runs: number) => {
    await runPipeline(pipelineId);
    const samples: number[] = [];
    for (let r = 0; r < runs; r++) samples.push((await timed(() => runPipeline(pipelineId))).ms);
    return distribution(samples);
  };
  const shapes = {
    diamond: await shape('bench-diamond', shapeRuns(100)),
    fanout100: await shape(`bench-fanout-join-${JOIN_FANOUTS[0]}`, shapeRuns(JOIN_FANOUTS[0])),
    fanout1000: await shape(`bench-fanout-join-${JOIN_FANOUTS[1]}`, shapeRuns(JOIN_FANOUTS[1])),
  };

  const pipeline = distribution(pipelineSteps);
  const bareActivity = distribution(bareSteps);
  const pipelineMs = Math.round(median(pipelineFanout));
  const bareActivitiesMs = Math.round(median(bareFanout));
  const ratio = Math.round((pipelineMs / bareActivitiesMs) * 100) / 100;
  return {
    perTask: {
      pipeline,
      bareActivity,
      overheadMedianMs: Math.round((pipeline.medianMs - bareActivity.medianMs) * 10) / 10,
      ratioMedian: Math.round((pipeline.medianMs / bareActivity.medianMs) * 100) / 100,
    },
    fanout: { tasks: FANOUT_TASKS, pipelineMs, bareActivitiesMs, ratio, target: FANOUT_RATIO_TARGET, meetsTarget: ratio <= FANOUT_RATIO_TARGET },
    diamond: { pipelineMs: Math.round(median(diamond)) },
    shapes,
  };
}

/**
 * The peer's recipe and timing script, kept beside the repository (never copied into it):
 * `MYCEL_PEERS_DIR`, else the nearest `shared/peers` above the checkout (a worktree sits
 * one level deeper than the main checkout).
 */
export const PEERS_DIR = process.env.MYCEL_PEERS_DIR ?? findPeersDir(PACKAGE_ROOT);

function findPeersDir(from: string): string {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'peers');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return path.join(PACKAGE_ROOT, '..', 'shared', 'peers');
  }
}
/** Leaves of the fan-outs the peer runs: the same root → N leaves → join shapes as Mycel's. */
const PEER_FANOUTS = JOIN_FANOUTS;

function lastLines(text: string, n = 2): string {
  return text.trim().split('\n').filter(Boolean).slice(-n).join(' | ');
}

interface PeerFigures {
  diamond: { median_ms: number; p95_ms: number; runs: number };
  [shape: `fanout_${number}`]: { median_ms: number; p95_ms: number; runs: number };
}

/**
 * Installs the Cloacina peer (its recipe, `cloaca_setup.sh`: cloaca 0.3.1 in a venv with the
 * system's libpq) when it does not import yet. Returns the venv's python, or why it cannot.
 */
export function setUpCloaca(): { python: string } | { reason: string } {
  const python = path.join(CLOACA_VENV, 'bin', 'python');
  const setup = path.join(PEERS_DIR, 'cloaca_setup.sh');
  const imports = () => existsSync(python) && spawnSync(python, ['-c', 'import cloaca'], { encoding: 'utf8', env: { ...process.env, RUST_LOG: 'error' } }).status === 0;
  if (imports()) return { python };
  if (!existsSync(setup)) return { reason: `the peer recipe ${setup} is not there (it sits beside the repository)` };
  rmSync(CLOACA_VENV, { recursive: true, force: true });
  mkdirSync(CACHE_DIR, { recursive: true });
  const run = spawnSync('bash', [setup, CLOACA_VENV], { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0 || !imports()) return { reason: `${setup} failed: ${lastLines(`${run.stdout}\n${run.stderr}`, 3)}` };
  return { python };
}

/**
 * Times Cloacina on the same shapes with its own script (`cloaca_bench.py`, SQLite backend),
 * in this run, right after Mycel's figures. Never throws: an unavailable peer says why.
 */
export function measureCloaca(quick: boolean): PipelinesBenchResult['peer'] {
  const peer = { name: 'cloaca (Cloacina, SQLite)' as const };
  const ready = setUpCloaca();
  if ('reason' in ready) return { ...peer, status: 'unavailable', reason: ready.reason };
  const script = path.join(PEERS_DIR, 'cloaca_bench.py');
  const figures: Record<string, Distribution> = {};
  for (const leaves of PEER_FANOUTS) {
    const runs = quick ? 1 : leaves >= 500 ? 3 : 10;
    const out = spawnSync(ready.python, [script, '--runs', String(runs), '--fanout', String(leaves)], { encoding: 'utf8', timeout: 900_000, env: { ...process.env, RUST_LOG: 'error' } });
    const line = out.stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
    if (out.status !== 0 || !line) return { ...peer, status: 'unavailable', reason: `cloaca_bench.py --fanout ${leaves} failed: ${lastLines(`${out.stdout}\n${out.stderr}`, 3)}` };
    const parsed = JSON.parse(line) as PeerFigures;
    const toDistribution = (f: { median_ms: number; p95_ms: number; runs: number }): Distribution => ({ runs: f.runs, medianMs: f.median_ms, p95Ms: f.p95_ms });
    figures.diamond ??= toDistribution(parsed.diamond);
    const fanout = parsed[`fanout_${leaves}`];
    if (!fanout) return { ...peer, status: 'unavailable', reason: `cloaca_bench.py printed no fanout_${leaves} figure: ${line.slice(0, 200)}` };
    figures[leaves >= 500 ? 'fanout1000' : 'fanout100'] = toDistribution(fanout);
  }
  return { ...peer, status: 'ok', diamond: figures.diamond!, fanout100: figures.fanout100!, fanout1000: figures.fanout1000! };
}

/** Mycel's time over the peer's, per shape (below 1: Mycel is faster). */
export function peerRatios(mycel: PipelinesBenchResult['shapes'], peer: PipelinesBenchResult['peer']): PipelinesBenchResult['vsPeer'] {
  if (peer.status !== 'ok') return undefined;
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const diamond = ratio(mycel.diamond.medianMs, peer.diamond.medianMs);
  const fanout100 = ratio(mycel.fanout100.medianMs, peer.fanout100.medianMs);
  const fanout1000 = ratio(mycel.fanout1000.medianMs, peer.fanout1000.medianMs);
  return { diamond, fanout100, fanout1000, fasterOnEveryShape: diamond < 1 && fanout100 < 1 && fanout1000 < 1 };
}

/** Bench section entry: uses the running instance's Temporal when given, else an embedded one. */
const section = {
  name: 'pipelines',
  description: `pipelines: per-task overhead against a bare activity (median, p95), ${FANOUT_TASKS}-task fan-out against ${FANOUT_TASKS} activities by hand (target ≤ ${FANOUT_RATIO_TARGET}x), diamond and ${JOIN_FANOUTS.join('/')}-leaf fan-outs beside the peer cloaca`,
  async run(ctx: { temporalAddress?: string; quick?: boolean } = {}): Promise<PipelinesBenchResult> {
    const worker = await startBenchInstance('pipelines', ctx.temporalAddress, { gateway: false, env: { MYCEL_PIPELINES: path.join(PACKAGE_ROOT, 'bench', 'pipelines') } });
    try {
      const measured = await measurePipelines(worker.proc, ctx.quick);
      const peer = measureCloaca(ctx.quick ?? false);
      return { ...measured, peer, vsPeer: peerRatios(measured.shapes, peer) };
    } finally {
      await worker.dispose();
    }
  },
};

export default section;

async function standalone(): Promise<void> {
  const result = await section.run({ quick: process.argv.includes('--quick'), temporalAddress: process.env.TEMPORAL_ADDRESS });
  console.log(JSON.stringify(result, null, 2));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) await standalone();
