/**
 * Startup: cold start of the real `mycel start` process to `/readyz` 200 — the first start on
 * a fresh data dir (creates the Temporal and Mycel databases) and the second on the same dir.
 * Whole-process timings from spawn to the first 200.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import getPort from 'get-port';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';
import { distribution, type Distribution } from '../stats.js';

/** Starts measured per kind. */
export const STARTUP_RUNS = 5;
/** A start slower than this counts as failed. */
const READY_TIMEOUT_MS = 300_000;

async function timeStart(dataDir: string, temporalBin: string | undefined): Promise<number> {
  const port = await getPort({ host: '127.0.0.1' });
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), 'start'], {
    env: { ...process.env, MYCEL_DATA_DIR: dataDir, MYCEL_HTTP_PORT: String(port), MYCEL_LOG_LEVEL: 'warn', ...(temporalBin ? { MYCEL_TEMPORAL_BIN: temporalBin } : {}) },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (performance.now() - t0 > READY_TIMEOUT_MS) throw new Error('mycel start did not get ready in time');
      if (child.exitCode !== null) throw new Error(`mycel start exited with ${child.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (res.status === 200) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

export interface StartupResult {
  firstStart: Distribution;
  secondStart: Distribution;
}

export default {
  name: 'startup',
  description: 'startup: `mycel start` to /readyz 200, first start (fresh data dir) and second start (same data dir)',
  async run(ctx: { quick?: boolean; temporalBin?: string; progress?: (line: string) => void }): Promise<StartupResult> {
    const runs = ctx.quick ? 2 : STARTUP_RUNS;
    const say = ctx.progress ?? (() => undefined);
    // One start that is not counted: builds the workflow bundle cache if the source changed.
    const warmDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-bench-start-'));
    try {
      say(`startup: warm-up start ${Math.round(await timeStart(warmDir, ctx.temporalBin))} ms (not counted)`);
    } finally {
      rmSync(warmDir, { recursive: true, force: true });
    }
    const first: number[] = [];
    const second: number[] = [];
    for (let i = 0; i < runs; i++) {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-bench-start-'));
      try {
        first.push(await timeStart(dataDir, ctx.temporalBin));
        second.push(await timeStart(dataDir, ctx.temporalBin));
        say(`startup: run ${i + 1}/${runs}: first start ${Math.round(first.at(-1)!)} ms, second start ${Math.round(second.at(-1)!)} ms`);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
    return { firstStart: distribution(first), secondStart: distribution(second) };
  },
};
