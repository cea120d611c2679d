/**
 * Footprint: resident memory (RSS) of a real `mycel start` — the Node process and the embedded
 * Temporal server it runs — once ready, and again after 1,000 offline turns across 100 chats
 * (targets: ≤ 250 MB idle, ≤ 350 MB after the load, both processes together).
 *
 * Standalone: `node bin/run-ts.js bench/sections/footprint.ts [--quick]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import getPort from 'get-port';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';

/** The targets of the footprint figures (MB, Node and Temporal together). */
export const IDLE_RSS_TARGET_MB = 250;
export const LOADED_RSS_TARGET_MB = 350;
/** The load between the two readings: turns across chats, a few at a time. */
export const LOAD_TURNS = 1000;
export const LOAD_CHATS = 100;
const LOAD_CONCURRENCY = 10;
const READY_TIMEOUT_MS = 120_000;
/** Memory settles after a burst: the reading is taken this long after the last turn. */
const SETTLE_MS = 3_000;

export interface Rss {
  nodeMb: number;
  temporalMb: number;
  totalMb: number;
}

export interface FootprintResult {
  idle: Rss & { target: number; meetsTarget: boolean };
  afterLoad: Rss & { turns: number; chats: number; target: number; meetsTarget: boolean };
  readyMs: number;
}

/** VmRSS of a process in MB, from /proc (0 when it is gone). */
function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** Child process ids of a process, from /proc/<pid>/task/<tid>/children. */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** The Node process's RSS and that of everything below it (the embedded Temporal server). */
function readRss(pid: number): Rss {
  const nodeMb = rssMb(pid);
  const below = (p: number): number[] => childrenOf(p).flatMap((c) => [c, ...below(c)]);
  const temporalMb = below(pid).reduce((sum, c) => sum + rssMb(c), 0);
  return { nodeMb, temporalMb, totalMb: nodeMb + temporalMb };
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    if (performance.now() - t0 > READY_TIMEOUT_MS) throw new Error('mycel start did not get ready in time');
    if (child.exitCode !== null) throw new Error(`mycel start exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends `turns` offline turns spread over `chats` chats, `LOAD_CONCURRENCY` at a time. */
async function load(url: string, turns: number, chats: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < turns; i = next++) {
      const res = await fetch(`${url}/api/chats/footprint-${i % chats}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: i % 2 ? '/help' : `/remember fact number ${i}` }),
      });
      if (res.status !== 200) throw new Error(`turn ${i} answered ${res.status}: ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, lane));
}

const section = {
  name: 'footprint',
  description: `footprint: RSS of mycel start (Node + embedded Temporal) when ready (target ≤ ${IDLE_RSS_TARGET_MB} MB) and after ${LOAD_TURNS} offline turns across ${LOAD_CHATS} chats (target ≤ ${LOADED_RSS_TARGET_MB} MB)`,
  async run(ctx: { quick?: boolean; temporalBin?: string; progress?: (line: string) => void } = {}): Promise<FootprintResult> {
    const say = ctx.progress ?? (() => undefined);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-bench-footprint-'));
    const port = await getPort({ host: '127.0.0.1' });
    const url = `http://127.0.0.1:${port}`;
    const t0 = performance.now();
    const child = spawn(path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), ['start'], {
      env: { ...process.env, MYCEL_DATA_DIR: dataDir, MYCEL_HTTP_PORT: String(port), MYCEL_LOG_LEVEL: 'warn', ...(ctx.temporalBin ? { MYCEL_TEMPORAL_BIN: ctx.temporalBin } : {}) },
      stdio: 'ignore',
    });
    try {
      await waitReady(url, child);
      const readyMs = Math.round(performance.now() - t0);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const idle = readRss(child.pid!);
      say(`footprint: ready in ${readyMs} ms, ${idle.totalMb} MB (Node ${idle.nodeMb} + Temporal ${idle.temporalMb})`);
      const turns = ctx.quick ? LOAD_TURNS / 5 : LOAD_TURNS;
      await load(url, turns, LOAD_CHATS);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const loaded = readRss(child.pid!);
      say(`footprint: after ${turns} turns ${loaded.totalMb} MB (Node ${loaded.nodeMb} + Temporal ${loaded.temporalMb})`);
      return {
        idle: { ...idle, target: IDLE_RSS_TARGET_MB, meetsTarget: idle.totalMb <= IDLE_RSS_TARGET_MB },
        afterLoad: { ...loaded, turns, chats: LOAD_CHATS, target: LOADED_RSS_TARGET_MB, meetsTarget: loaded.totalMb <= LOADED_RSS_TARGET_MB },
        readyMs,
      };
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export default section;

async function standalone(): Promise<void> {
  console.log(JSON.stringify(await section.run({ quick: process.argv.includes('--quick'), progress: (l: string) => console.error(l) }), null, 2));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) await standalone();
