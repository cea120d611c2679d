/**
 * Pipelines bench: what a pipeline task costs over a bare Temporal activity, on the same
 * server in the same run.
 * - Per-task overhead: a chain of no-op tasks, each step's time (one task finishing to the
 *   next finishing), against the same chain of no-op activities started by hand (median, p95).
 * - Fan-out: wall time of 100 parallel no-op tasks against 100 activities started at once
 *   by hand (target: ratio at most 1.5x), and a diamond's wall time.
 * - Peer: the same diamond and fan-out on Cloacina (`cloaca`, PyPI) with its SQLite backend,
 *   when it can be installed and imported here; otherwise the exact reason.
 *
 * Standalone: `node bin/run-ts.js bench/sections/pipelines.ts [--quick]` starts an embedded
 * Temporal server and a worker in a temporary data dir and prints the result as JSON.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { runResult, startPipelineRun } from '../../src/pipelines/client.js';
import { getRun } from '../../src/pipelines/store.js';
import type { MycelProcess } from '../../src/runtime/processes.js';
import { CACHE_DIR, PACKAGE_ROOT } from '../../src/shared/paths.js';
import { CHAIN_TASKS, FANOUT_TASKS } from '../pipelines/bench.js';
import { startBenchInstance } from '../instance.js';

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
  peer: { name: 'cloaca (Cloacina, SQLite)'; status: 'ok' | 'unavailable'; reason?: string };
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
export async function measurePipelines(proc: MycelProcess, quick = false): Promise<Omit<PipelinesBenchResult, 'peer'>> {
  const client = proc.client!;
  const store = proc.store!;
  const taskQueue = proc.config.temporal.taskQueue;
  const runPipeline = async (pipelineId: string) => {
    const { handle } = await startPipelineRun(client, { pipelineId, version: 1, input: {}, trigger: 'bench', taskQueue });
    const result = await runResult(handle);
    if (result.status !== 'succeeded') throw new Error(`bench pipeline ${pipelineId} failed: ${result.error}`);
    return result;
  };
  const runBare = async (count: number, parallel: boolean) =>
    (await client.workflow.execute('pipelineBaselineWorkflow', {
      taskQueue,
      workflowId: `pipeline-baseline-${randomBytes(4).toString('hex')}`,
      args: [{ count, parallel }],
    })) as { ranAt: number[] };

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
  };
}

function lastLines(text: string, n = 2): string {
  return text.trim().split('\n').filter(Boolean).slice(-n).join(' | ');
}

/** The informative lines of a failed pip build (the cause, not pip's "see above"). */
function buildError(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  const cause = lines.filter((l) => /Could not resolve|failed to get|error: failed|Downloading cloaca|No matching distribution|Rust/i.test(l)).slice(0, 3);
  return (cause.length ? cause : lines.filter(Boolean).slice(-2)).join(' | ');
}

/**
 * Installs `cloaca` (with its SQLite backend) into a venv under .cache and checks that it
 * imports. Never throws: an unavailable peer is reported with the exact reason.
 */
export function probeCloaca(): PipelinesBenchResult['peer'] {
  const peer = { name: 'cloaca (Cloacina, SQLite)' as const };
  const python = path.join(CLOACA_VENV, 'bin', 'python');
  if (!existsSync(python)) {
    mkdirSync(CACHE_DIR, { recursive: true });
    const venv = spawnSync('python3', ['-m', 'venv', CLOACA_VENV], { encoding: 'utf8' });
    if (venv.status !== 0) return { ...peer, status: 'unavailable', reason: `python3 -m venv failed: ${lastLines(venv.stderr || venv.stdout || String(venv.error))}` };
  }
  const tryImport = () => spawnSync(python, ['-c', 'import cloaca; import cloaca_sqlite'], { encoding: 'utf8' });
  let imported = tryImport();
  if (imported.status !== 0) {
    // Newest release first (it may be a source distribution that needs a Rust toolchain and crates.io),
    // then the newest one with a binary wheel for this platform.
    const fromSource = spawnSync(python, ['-m', 'pip', 'install', '--upgrade', 'cloaca[sqlite]'], { encoding: 'utf8', timeout: 300_000 });
    const sourceError = fromSource.status === 0 ? '' : buildError(`${fromSource.stdout}\n${fromSource.stderr}`);
    const binary = spawnSync(python, ['-m', 'pip', 'install', '--quiet', '--only-binary=:all:', 'cloaca', 'cloaca-sqlite'], { encoding: 'utf8', timeout: 300_000 });
    imported = tryImport();
    if (imported.status !== 0) {
      const version = spawnSync(python, ['-m', 'pip', 'show', 'cloaca'], { encoding: 'utf8' }).stdout.match(/^Version: (.+)$/m)?.[1];
      const glibc = spawnSync('ldd', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
      return {
        ...peer,
        status: 'unavailable',
        reason: [
          sourceError ? `pip install cloaca (newest, built from source) failed: ${sourceError}` : '',
          binary.status === 0 ? `the newest binary wheel (cloaca ${version ?? '?'}) installed but does not import: ${lastLines(imported.stderr, 1)}` : `no binary wheel installs: ${lastLines(binary.stderr || binary.stdout, 2)}`,
          `this machine: ${glibc}`,
        ]
          .filter(Boolean)
          .join('; '),
      };
    }
  }
  return { ...peer, status: 'unavailable', reason: 'cloaca imports, but no peer script for its API is part of this bench yet' };
}


/** Bench section entry: uses the running instance's Temporal when given, else an embedded one. */
const section = {
  name: 'pipelines',
  description: `pipelines: per-task overhead against a bare activity (median, p95), ${FANOUT_TASKS}-task fan-out against ${FANOUT_TASKS} activities by hand (target ≤ ${FANOUT_RATIO_TARGET}x), peer cloaca`,
  async run(ctx: { temporalAddress?: string; quick?: boolean } = {}): Promise<PipelinesBenchResult> {
    const worker = await startBenchInstance('pipelines', ctx.temporalAddress, { gateway: false, env: { MYCEL_PIPELINES: path.join(PACKAGE_ROOT, 'bench', 'pipelines') } });
    try {
      const measured = await measurePipelines(worker.proc, ctx.quick);
      return { ...measured, peer: probeCloaca() };
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
