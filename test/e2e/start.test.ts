import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';
import { CLI_READY_TIMEOUT_MS, spawnMycel, tempDataDir, type MycelCli } from '../support/cli-process.js';

/** The design's bound on a graceful shutdown. */
const SHUTDOWN_BOUND_MS = 15_000;
/** How long the kernel may take to deliver the parent-death signal to the server. */
const ORPHAN_GRACE_MS = 5_000;

const dataDirs: string[] = [];
let running: MycelCli | undefined;

function newDataDir(): string {
  const dir = tempDataDir('mycel-e2e-start-');
  dataDirs.push(dir);
  return dir;
}

afterEach(async () => {
  await running?.stop('SIGKILL');
  running = undefined;
});
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** Pids of live (not zombie) processes whose command line contains `needle`. */
function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmdline.includes(needle) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // Ended while we looked.
    }
  }
  return pids;
}

/** The embedded Temporal servers of a data dir, found by their --db-filename. */
function temporalServersOf(dataDir: string): number[] {
  return processesWith(`--db-filename ${path.join(dataDir, 'temporal.db')}`);
}

async function waitUntilNoServer(dataDir: string, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = temporalServersOf(dataDir);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = temporalServersOf(dataDir);
  }
  return left;
}

async function readyz(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

/** Signals a running mycel and measures how long it takes to exit. */
async function stopWith(cli: MycelCli, signal: NodeJS.Signals) {
  const started = Date.now();
  const result = await cli.stop(signal);
  return { ...result, ms: Date.now() - started };
}

/** Runs `mycel <args>` to completion (for commands that must fail fast). */
function runToExit(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), ...args], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, MYCEL_HTTP_PORT: '0', MYCEL_TEMPORAL_BIN: inject('temporalBinary'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mycel ${args.join(' ')} did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('mycel start', () => {
  it('reaches /readyz 200, and SIGTERM exits 0 within 15 s leaving no Temporal server behind', async () => {
    const dataDir = newDataDir();
    running = await spawnMycel({ dataDir });
    expect(running.stdout()).toMatch(/^Mycel is ready at http:\/\/127\.0\.0\.1:\d+ {2}\(embedded Temporal at 127\.0\.0\.1:\d+/m);
    expect(await readyz(running.url)).toBe(200);
    expect(temporalServersOf(dataDir)).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(dataDir, 'runtime.json'), 'utf8'))).toMatchObject({ pid: running.child.pid, embeddedTemporal: true, httpUrl: running.url });

    const stopped = await stopWith(running, 'SIGTERM');
    expect(stopped).toMatchObject({ code: 0, signal: null });
    expect(stopped.ms).toBeLessThan(SHUTDOWN_BOUND_MS);
    expect(temporalServersOf(dataDir)).toEqual([]);
    expect(existsSync(path.join(dataDir, 'runtime.json'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'temporal.db.pid'))).toBe(false);
  });

  it('SIGINT exits 0 within 15 s leaving no Temporal server behind', async () => {
    const dataDir = newDataDir();
    running = await spawnMycel({ dataDir });
    expect(await readyz(running.url)).toBe(200);
    const stopped = await stopWith(running, 'SIGINT');
    expect(stopped).toMatchObject({ code: 0, signal: null });
    expect(stopped.ms).toBeLessThan(SHUTDOWN_BOUND_MS);
    expect(temporalServersOf(dataDir)).toEqual([]);
  });

  it('Ctrl-C in a terminal (SIGINT to the whole process group) stops the worker before the server, and exits 0', async () => {
    const dataDir = newDataDir();
    // Info level whatever the run's MYCEL_TEST_LOG_LEVEL: the test reads the shutdown lines.
    running = await spawnMycel({ dataDir, detached: true, env: { MYCEL_LOG_LEVEL: 'info' } });
    const child = running.child;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const started = Date.now();
    process.kill(-child.pid!, 'SIGINT');
    // One Ctrl-C only: a second one would (by design) end the process at once.
    expect(await exited).toMatchObject({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_BOUND_MS);
    expect(temporalServersOf(dataDir)).toEqual([]);
    // The server was not interrupted under the draining worker: no error lines during shutdown.
    const shutdown = running.stderr().slice(running.stderr().indexOf('shutting down'));
    expect(shutdown).not.toMatch(/"level":"(error|fatal)"/);
    expect(shutdown).toMatch(/"msg":"start stopped"/);
  });

  it('SIGTERM during start-up stops everything once start-up completes, and exits 0', async () => {
    const dataDir = newDataDir();
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), 'start'], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, MYCEL_DATA_DIR: dataDir, MYCEL_HTTP_PORT: '0', MYCEL_TEMPORAL_BIN: inject('temporalBinary'), MYCEL_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // Mid-start: Temporal is up; the database, worker and HTTP server are not yet.
        if (stderr.includes('embedded Temporal is ready')) resolve();
      });
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('stopping as soon as start-up completes');
    expect(temporalServersOf(dataDir)).toEqual([]);
    expect(existsSync(path.join(dataDir, 'runtime.json'))).toBe(false);
  });

  it('SIGKILL of mycel takes the Temporal server down with it', async () => {
    const dataDir = newDataDir();
    running = await spawnMycel({ dataDir });
    const [server] = temporalServersOf(dataDir);
    expect(server).toBeDefined();
    const stopped = await running.stop('SIGKILL');
    expect(stopped.signal).toBe('SIGKILL');
    expect(await waitUntilNoServer(dataDir, ORPHAN_GRACE_MS)).toEqual([]);
  });

  it('starts again on the same data dir after a crash', async () => {
    const dataDir = newDataDir();
    running = await spawnMycel({ dataDir });
    await running.stop('SIGKILL');
    await waitUntilNoServer(dataDir, ORPHAN_GRACE_MS);
    // runtime.json and temporal.db.pid are left by the crash; the next start must not trip on them.
    running = await spawnMycel({ dataDir });
    expect(await readyz(running.url)).toBe(200);
  });

  it('keeps workflows across a restart on the same data dir', async () => {
    const dataDir = newDataDir();
    const workflowId = `e2e-restart-${Date.now()}`;
    running = await spawnMycel({ dataDir });
    const first = JSON.parse(readFileSync(path.join(dataDir, 'runtime.json'), 'utf8')) as { temporalAddress: string };
    let connection = await Connection.connect({ address: first.temporalAddress });
    try {
      const client = new Client({ connection });
      const handle = await client.workflow.start('baselineWorkflow', { taskQueue: 'mycel', workflowId });
      expect(await handle.executeUpdate<string, [string]>('echo', { args: ['before'] })).toBe('before');
    } finally {
      await connection.close();
    }
    expect((await running.stop('SIGTERM')).code).toBe(0);

    running = await spawnMycel({ dataDir });
    const second = JSON.parse(readFileSync(path.join(dataDir, 'runtime.json'), 'utf8')) as { temporalAddress: string };
    connection = await Connection.connect({ address: second.temporalAddress });
    try {
      const client = new Client({ connection });
      const handle = client.workflow.getHandle(workflowId);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect(await handle.executeUpdate<string, [string]>('echo', { args: ['after'] })).toBe('after');
      await handle.signal('finish');
      // The count survived the restart: one Update before it, one after.
      expect(await handle.result()).toBe(2);
    } finally {
      await connection.close();
    }
  });

  it('refuses a second start on a data dir that is in use', async () => {
    const dataDir = newDataDir();
    running = await spawnMycel({ dataDir });
    const second = await runToExit(['start'], { MYCEL_DATA_DIR: dataDir });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`Mycel is already running on data dir ${dataDir} (pid ${running.child.pid})`);
    expect(temporalServersOf(dataDir)).toHaveLength(1);
    expect(await readyz(running.url)).toBe(200);
  });
});

describe('mycel start with bad configuration', () => {
  it('exits non-zero naming MYCEL_DATABASE_URL and its accepted forms, starting nothing', async () => {
    const dataDir = newDataDir();
    const result = await runToExit(['start'], { MYCEL_DATA_DIR: dataDir, MYCEL_DATABASE_URL: 'mysql://root:hunter2@localhost/mycel' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Invalid configuration:\n {2}MYCEL_DATABASE_URL \(got "mysql:\/\/root:\*\*\*@localhost\/mycel"\): accepted forms: sqlite:<path>/m);
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(temporalServersOf(dataDir)).toEqual([]);
  });

  it('exits non-zero naming MYCEL_HTTP_PORT for MYCEL_HTTP_PORT=abc', async () => {
    const result = await runToExit(['start'], { MYCEL_DATA_DIR: newDataDir(), MYCEL_HTTP_PORT: 'abc' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('MYCEL_HTTP_PORT (got "abc"): must be a port number from 0 to 65535');
  });

  it('stops the embedded server it started when the database cannot be reached', async () => {
    const dataDir = newDataDir();
    const result = await runToExit(['start'], { MYCEL_DATA_DIR: dataDir, MYCEL_DATABASE_URL: 'postgres://mycel@127.0.0.1:1/mycel' }, CLI_READY_TIMEOUT_MS);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: Cannot open the database postgres://mycel@127.0.0.1:1/mycel');
    expect(result.stderr).toContain('hint: check MYCEL_DATABASE_URL');
    expect(temporalServersOf(dataDir)).toEqual([]);
    expect(existsSync(path.join(dataDir, 'runtime.json'))).toBe(false);
  });
});
