import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';
import { spawnMycel, tempDataDir, type MycelCli } from '../support/cli-process.js';
import { waitFor } from '../support/wait.js';

/**
 * Operations against the real CLI: `mycel doctor` on the embedded default (nothing running,
 * and with `mycel start` running), and `mycel backup` / `mycel restore` round-tripping a
 * pending reminder that still fires after the data dir was wiped and restored.
 */

/** The doctor's target on the embedded default once the server is up (about 1 s when idle). */
const DOCTOR_BOUND_MS = 5_000;
const COMMAND_TIMEOUT_MS = 120_000;

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
  const dir = tempDataDir('mycel-e2e-ops-');
  dataDirs.push(dir);
  return dir;
}

/** Runs one `mycel` command to completion. */
function mycel(args: string[], dataDir: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), ...args], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, MYCEL_DATA_DIR: dataDir, MYCEL_HTTP_PORT: '0', MYCEL_TEMPORAL_BIN: inject('temporalBinary'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mycel ${args.join(' ')} did not finish in ${COMMAND_TIMEOUT_MS} ms\n${stdout}\n${stderr}`));
    }, COMMAND_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface Report {
  ok: boolean;
  mode: string;
  durationMs: number;
  checks: Array<{ group: string; name: string; status: string; detail: string }>;
}

function parseReport(stdout: string): Report {
  return JSON.parse(stdout) as Report;
}

describe('mycel doctor on the embedded default', () => {
  it('with nothing running: starts the embedded server and a worker on the data dir, passes, and leaves nothing behind', async () => {
    const dataDir = newDataDir();
    const result = await mycel(['doctor', '--json'], dataDir);
    const report = parseReport(result.stdout);
    expect(report.checks.filter((c) => c.status === 'fail'), result.stderr).toEqual([]);
    expect(result.code, `stderr: ${result.stderr}`).toBe(0);
    expect(report.mode).toBe('temporary');
    expect(report.checks.filter((c) => c.group === 'validation').map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(existsSync(path.join(dataDir, 'temporal.db'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'runtime.json'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'temporal.db.pid'))).toBe(false);
    const leftovers = readdirSync('/proc').filter((p) => {
      try {
        return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dataDir);
      } catch {
        return false;
      }
    });
    expect(leftovers).toEqual([]);
    console.log(`[operations e2e] doctor, embedded default started for the check: ${report.durationMs} ms`);
  });

  it('with a wrong database URL: exits 1 with the MYCEL_DATABASE_URL hint, password masked, validation skipped', async () => {
    const dataDir = newDataDir();
    const result = await mycel(['doctor', '--json'], dataDir, { MYCEL_DATABASE_URL: 'postgres://mycel:hunter2-secret@127.0.0.1:1/mycel' });
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).not.toContain('hunter2-secret');
    const report = parseReport(result.stdout);
    const reachable = report.checks.find((c) => c.group === 'database' && c.name === 'reachable') as { status: string; hint?: string };
    expect(reachable.status).toBe('fail');
    expect(reachable.hint).toMatch(/MYCEL_DATABASE_URL/);
    expect(report.checks.filter((c) => c.group === 'validation').every((c) => c.status === 'skip')).toBe(true);
    expect(existsSync(path.join(dataDir, 'runtime.json'))).toBe(false);
  });

  it('with `mycel start` running: checks that instance, prints a table, exits 0, within the time bound', async () => {
    const dataDir = newDataDir();
    running = await spawnMycel({ dataDir });
    const table = await mycel(['doctor'], dataDir);
    expect(table.code, table.stdout + table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^GROUP\s+CHECK\s+STATUS\s+TIME\s+DETAIL/);
    expect(table.stdout).toMatch(/validation\s+error handling\s+ok/);
    expect(table.stdout).toMatch(/All checks passed in \d+ ms against the running Mycel/);
    const json = await mycel(['doctor', '--json'], dataDir);
    const report = parseReport(json.stdout);
    expect(report.ok).toBe(true);
    expect(report.mode).toBe('running');
    console.log(`[operations e2e] doctor against a running mycel start: ${report.durationMs} ms`);
    expect(report.durationMs).toBeLessThan(DOCTOR_BOUND_MS);
  });
});

interface Line {
  role: string;
  text: string;
  kind?: string;
}

describe('mycel backup / restore', () => {
  it('a reminder pending at backup time fires after the data dir is wiped and restored', async () => {
    const dataDir = newDataDir();
    const file = path.join(newDataDir(), 'mycel-backup.tgz');
    running = await spawnMycel({ dataDir });
    const chat = 'backup-roundtrip';
    const made = await running.api(`/api/chats/${chat}/messages`, { body: { text: '/remind 40s survive the restore', messageId: 'backup-remind-1' } });
    expect(made.status, JSON.stringify(made.body)).toBe(200);

    const backup = await mycel(['backup', file], dataDir);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/Backup written to .* taken while Mycel was running/);

    const refused = await mycel(['restore', file], dataDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Mycel is running on data dir/);

    expect((await running.stop('SIGTERM')).code).toBe(0);
    running = undefined;
    rmSync(dataDir, { recursive: true, force: true });

    const restored = await mycel(['restore', file], dataDir);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/Restored temporal\.db.*mycel\.db/);

    running = await spawnMycel({ dataDir });
    const cli = running;
    const pending = (await cli.api(`/api/chats/${chat}/reminders`)).body as Array<{ text: string; status: string }>;
    expect(pending).toEqual([expect.objectContaining({ text: 'survive the restore', status: 'pending' })]);
    const lines = await waitFor(async () => {
      const transcript = (await cli.api(`/api/chats/${chat}/messages`)).body as Line[];
      const reminders = transcript.filter((l) => l.kind === 'reminder');
      return reminders.length ? reminders : undefined;
    }, 90_000, 'the reminder after restore');
    expect(lines.map((l) => l.text)).toEqual(['⏰ survive the restore']);
  });
});
