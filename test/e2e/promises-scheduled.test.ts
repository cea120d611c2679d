import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TEST_PAUSE_VARIABLE } from '../../src/activities/promises.js';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';
import { spawnMycel, tempDataDir, type MycelCli } from '../support/cli-process.js';
import { waitFor } from '../support/wait.js';

/**
 * Scheduled work against the real `node bin/mycel.js start` (embedded Temporal, SQLite):
 * killed with SIGKILL mid-occurrence, and stopped past a due time (late, and says why);
 * the ledger and cancel from `mycel promises`.
 */

const run = promisify(execFile);
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
  const dir = tempDataDir('mycel-e2e-scheduled-');
  dataDirs.push(dir);
  return dir;
}

interface Line {
  role: string;
  text: string;
  at: string;
  kind?: string;
  lateMs?: number;
}

async function scheduledLines(cli: MycelCli, chatId: string): Promise<Line[]> {
  const res = await cli.api(`/api/chats/${chatId}/messages`);
  return (res.body as Line[]).filter((l) => l.kind === 'scheduled');
}

async function schedule(cli: MycelCli, chatId: string, when: string, what: string): Promise<{ id: string; dueAt: number }> {
  const res = await cli.api(`/api/chats/${chatId}/promises`, { body: { when, what } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id as string, dueAt: Date.parse(res.body.dueAt as string) };
}

async function mycelCli(dataDir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), ...args], { cwd: PACKAGE_ROOT, env: { ...process.env, MYCEL_DATA_DIR: dataDir } });
  return stdout;
}

describe('a scheduled command whose worker is killed mid-occurrence', () => {
  it('runs exactly once after `mycel start` is killed with SIGKILL between recording the occurrence and running its turn', async () => {
    const dataDir = newDataDir();
    running = await spawnMycel({ dataDir, env: { [TEST_PAUSE_VARIABLE]: 'after-record:30000', MYCEL_LOG_LEVEL: 'warn' } });
    const chat = 'killed-schedule';
    await schedule(running, chat, '6s', '/sh echo exactly-once');
    const cli = running;
    await waitFor(async () => cli.stderr().includes('promise delivery paused (test hook)'), 40_000, 'the paused occurrence');
    expect(await scheduledLines(running, chat)).toEqual([]);

    expect((await running.stop('SIGKILL')).signal).toBe('SIGKILL');
    running = await spawnMycel({ dataDir });
    const again = running;
    await waitFor(async () => ((await scheduledLines(again, chat)).length ? true : undefined), 60_000, 'the scheduled result');
    await new Promise((r) => setTimeout(r, 3_000));
    const lines = await scheduledLines(running, chat);
    expect(lines.map((l) => l.text.trim())).toEqual(['exactly-once']);
  });
});

describe('a scheduled command due while Mycel is stopped', () => {
  it('runs once when Mycel is back, with lateMs, saying it is late and that Mycel was not running; `mycel promises` lists and cancels', async () => {
    const dataDir = newDataDir();
    running = await spawnMycel({ dataDir });
    const chat = 'late-schedule';
    const { id, dueAt } = await schedule(running, chat, '10s', '/sh echo finally');
    const recurring = await schedule(running, 'cli-cancel', 'every 2 hours', '/sh date');
    expect((await running.stop('SIGTERM')).code).toBe(0);
    running = undefined;
    // Stay down until well past the 60 s lateness threshold.
    await new Promise((r) => setTimeout(r, Math.max(0, dueAt + 70_000 - Date.now())));
    running = await spawnMycel({ dataDir });
    const cli = running;
    const [line] = await waitFor(async () => {
      const found = await scheduledLines(cli, chat);
      return found.length ? found : undefined;
    }, 60_000, 'the late result');
    expect(line!.lateMs).toBeGreaterThan(60_000);
    expect(line!.text).toMatch(/^\(late by \d+ min( \d+ s)?, due .* UTC: Mycel was not running from .* UTC to .* UTC\)\nfinally$/);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await scheduledLines(running, chat)).toHaveLength(1);

    const ledger = JSON.parse(await mycelCli(dataDir, 'promises', 'list', '--status', 'all', '--json')) as Array<{ id: string; status: string; deliveries: Array<{ lateMs: number; outcome: string }> }>;
    const entry = ledger.find((p) => p.id === id);
    expect(entry).toMatchObject({ status: 'delivered', deliveries: [expect.objectContaining({ outcome: 'delivered' })] });
    expect(entry!.deliveries[0]!.lateMs).toBeGreaterThan(60_000);
    expect(await mycelCli(dataDir, 'promises', 'list')).toContain(recurring.id);

    expect(await mycelCli(dataDir, 'promises', 'cancel', recurring.id)).toContain(`Cancelled ${recurring.id}`);
    const after = (await running.api('/api/promises?status=cancelled')).body as Array<{ id: string }>;
    expect(after.map((p) => p.id)).toEqual([recurring.id]);
    await expect(mycelCli(dataDir, 'promises', 'cancel', recurring.id)).rejects.toThrow(/already cancelled/);
  }, 420_000);
});

describe('a recurring schedule across a restart of Mycel and its embedded Temporal server', () => {
  it('runs every occurrence once: none doubled, none skipped without a word', async () => {
    const dataDir = newDataDir();
    running = await spawnMycel({ dataDir });
    const chat = 'recurring-restart';
    const { id } = await schedule(running, chat, 'every 1 minutes', '/sh echo tick');
    const first = running;
    await waitFor(async () => ((await scheduledLines(first, chat)).length >= 1 ? true : undefined), 120_000, 'the first occurrence');
    expect((await running.stop('SIGTERM')).code).toBe(0);
    running = await spawnMycel({ dataDir });
    const second = running;
    await waitFor(async () => ((await scheduledLines(second, chat)).length >= 3 ? true : undefined), 200_000, 'two more occurrences');
    await new Promise((r) => setTimeout(r, 2_000));
    const ledger = (await running.api(`/api/promises?chatId=${chat}`)).body as Array<{ id: string; deliveries: Array<{ dueAt: string; outcome: string }> }>;
    const deliveries = ledger.find((p) => p.id === id)!.deliveries;
    const due = deliveries.map((d) => Date.parse(d.dueAt));
    // One record per minute, consecutive: nothing doubled, nothing skipped.
    expect(new Set(due).size).toBe(due.length);
    for (let i = 1; i < due.length; i++) expect(due[i]! - due[i - 1]!).toBe(60_000);
    const lines = await scheduledLines(running, chat);
    // Every occurrence that ran posted once; one that was covered or skipped says so in a line of its own run.
    expect(lines.length).toBe(deliveries.filter((d) => d.outcome === 'delivered' || d.outcome === 'skipped').length);
    expect(deliveries.filter((d) => d.outcome === 'delivered').length).toBeGreaterThanOrEqual(3);
  }, 480_000);
});
