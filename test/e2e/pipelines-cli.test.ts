import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMycel, type TestMycel } from '../support/harness.js';

const FIXTURES = path.resolve('test/fixtures/pipelines');

function mycelCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve('bin/mycel.js'), ...args], { env: { ...process.env, ...env, MYCEL_LOG_LEVEL: 'error' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('mycel pipelines (the CLI against a running worker)', () => {
  let mycel: TestMycel;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-pipeline-cli-'));
    mycel = await startTestMycel({ parts: { embedded: false, worker: true, gateway: false }, env: { MYCEL_PIPELINES: FIXTURES } });
    env = {
      MYCEL_DATA_DIR: mycel.config.dataDir,
      MYCEL_DATABASE_URL: mycel.config.databaseUrl,
      TEMPORAL_ADDRESS: mycel.proc.temporalAddress,
      MYCEL_TASK_QUEUE: mycel.config.temporal.taskQueue,
      MYCEL_PIPELINES: FIXTURES,
    };
  });

  afterAll(async () => {
    await mycel?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('run: exits 0, prints progress task by task and the outputs as JSON on the last line', async () => {
    const res = await mycelCli(['pipelines', 'run', 'diamond', '--input', JSON.stringify({ dir })], env);
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Running pipeline "diamond" version 1 \(run pipeline-diamond-v1-/);
    for (const t of ['a', 'b', 'c', 'd']) expect(res.stdout).toMatch(new RegExp(`✓ ${t} succeeded \\(1 attempt, \\d+ ms\\)`));
    expect(JSON.parse(lines.at(-1)!)).toEqual({ a: { n: 1 }, b: { fromB: 2 }, c: { fromC: 3 }, d: { total: 5 } });
  });

  it('run: exits non-zero naming the failed task', async () => {
    const res = await mycelCli(['pipelines', 'run', 'exhausted', '--input', JSON.stringify({ dir })], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/error: Pipeline "exhausted" failed: task "doomed" failed after 2 attempts: boom/);
    expect(res.stdout).toMatch(/✗ after-doomed upstream-failed \(depends on "doomed", which failed\)/);
  });

  it('run: refuses an unknown pipeline and a bad input with a hint', async () => {
    const unknown = await mycelCli(['pipelines', 'run', 'nope'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/There is no pipeline "nope"\.\n {2}hint: known pipelines: .*diamond/);
    const bad = await mycelCli(['pipelines', 'run', 'diamond', '--input', '{oops'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/The run input is not valid JSON/);
  });

  it('schedule, list and unschedule', async () => {
    const scheduled = await mycelCli(['pipelines', 'schedule', 'scheduled', '0 7 * * 1-5', '--input', JSON.stringify({ dir }), '--timezone', 'Europe/Berlin'], env);
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(scheduled.stdout).toMatch(/Scheduled "scheduled" version 1 on "0 7 \* \* 1-5" \(Europe\/Berlin\); next run 20/);
    const list = await mycelCli(['pipelines', 'list', '--json'], env);
    expect(list.code, list.stderr).toBe(0);
    const body = JSON.parse(list.stdout);
    expect(body.pipelines.find((p: { id: string }) => p.id === 'scheduled').schedule).toMatchObject({ cron: ['0 7 * * 1-5'], version: 1, timeZone: 'Europe/Berlin' });
    expect(body.runs.map((r: { pipelineId: string }) => r.pipelineId)).toContain('diamond');
    const text = await mycelCli(['pipelines', 'list'], env);
    expect(text.stdout).toMatch(/scheduled {2}v1 \(versions 1\), 1 task {2}schedule "0 7 \* \* 1-5" v1/);
    const removed = await mycelCli(['pipelines', 'unschedule', 'scheduled'], env);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await mycelCli(['pipelines', 'unschedule', 'scheduled'], env)).stderr).toMatch(/has no schedule/);
  });
});
