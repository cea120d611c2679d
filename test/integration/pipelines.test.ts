import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runResult, schedulePipeline, startPipelineRun, unschedulePipeline } from '../../src/pipelines/client.js';
import { createPipelineRuntime } from '../../src/pipelines/runtime.js';
import { getRun, listRuns } from '../../src/pipelines/store.js';
import type { PipelineRunResult } from '../../src/pipelines/run-types.js';
import { Worker } from '@temporalio/worker';
import { createLogger } from '../../src/logging/logger.js';
import { loadWorkflowBundle } from '../../src/worker/bundle.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { testDialects } from '../support/databases.js';
import { waitFor } from '../support/wait.js';

const FIXTURES = path.resolve('test/fixtures/pipelines');

interface Event {
  run: string;
  task: string;
  what: string;
  at: number;
}

function events(dir: string, runId?: string): Event[] {
  const file = path.join(dir, 'events.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [run, task, what, at] = line.split(' ');
      return { run: run!, task: task!, what: what!, at: Number(at) };
    })
    .filter((e) => !runId || e.run === runId);
}

const at = (list: Event[], task: string, what: string) => list.find((e) => e.task === task && e.what === what)!.at;
const count = (list: Event[], task: string) => list.filter((e) => e.task === task && e.what !== 'end').length;


describe('pipelines on the dev server', () => {
  let mycel: TestMycel;
  let dir: string;

  async function run(pipelineId: string, input: Record<string, unknown> = {}): Promise<PipelineRunResult> {
    const { handle } = await startPipelineRun(mycel.proc.client, {
      pipelineId,
      version: 1,
      input: { dir, ...input } as never,
      trigger: 'test',
      taskQueue: mycel.config.temporal.taskQueue,
    });
    return runResult(handle);
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-pipeline-events-'));
    mycel = await startTestMycel({ parts: { embedded: false, worker: true, gateway: false }, env: { MYCEL_PIPELINES: FIXTURES } });
  });

  afterAll(async () => {
    await mycel?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a diamond in dependency order, the two middle tasks in parallel', async () => {
    const result = await run('diamond');
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ a: { n: 1 }, b: { fromB: 2 }, c: { fromC: 3 }, d: { total: 5 } });
    const ev = events(dir, result.runId);
    expect(at(ev, 'b', 'start')).toBeGreaterThanOrEqual(at(ev, 'a', 'end'));
    expect(at(ev, 'c', 'start')).toBeGreaterThanOrEqual(at(ev, 'a', 'end'));
    // b and c overlap: each starts before the other ends.
    expect(at(ev, 'b', 'start')).toBeLessThan(at(ev, 'c', 'end'));
    expect(at(ev, 'c', 'start')).toBeLessThan(at(ev, 'b', 'end'));
    expect(at(ev, 'd', 'start')).toBeGreaterThanOrEqual(Math.max(at(ev, 'b', 'end'), at(ev, 'c', 'end')));
  });

  it('fans out to 50 parallel branches and fans in', async () => {
    const started = Date.now();
    const result = await run('fanout');
    const wall = Date.now() - started;
    expect(result.status).toBe('succeeded');
    expect(result.outputs.join).toEqual({ count: 50, sum: 50 * 10 + (49 * 50) / 2 });
    const ev = events(dir, result.runId);
    // Every branch ran once, and they ran together: many 200 ms branches overlapped.
    for (let i = 0; i < 50; i++) expect(count(ev, `branch-${i}`)).toBe(1);
    const intervals = Array.from({ length: 50 }, (_, i) => [at(ev, `branch-${i}`, 'start'), at(ev, `branch-${i}`, 'end')] as const);
    const maxOverlap = Math.max(...intervals.map(([s]) => intervals.filter(([s2, e2]) => s2 <= s && s < e2).length));
    expect(maxOverlap).toBeGreaterThanOrEqual(5);
    expect(wall).toBeLessThan(30_000);
  });

  it('retries a failing task until it succeeds, counting attempts', async () => {
    const result = await run('retry');
    expect(result.status).toBe('succeeded');
    expect(result.tasks.flaky).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(result.outputs['after-flaky']).toEqual({ sawAttempt: 3 });
    expect(count(events(dir, result.runId), 'flaky')).toBe(3);
    const stored = await getRun(mycel.proc.store, result.runId);
    expect(stored?.tasks.find((t) => t.taskId === 'flaky')).toMatchObject({ status: 'succeeded', attempts: 3 });
  });

  it('fails the run when retries are exhausted: dependents never run, independent branches finish', async () => {
    const result = await run('exhausted');
    expect(result.status).toBe('failed');
    expect(result.failedTask).toBe('doomed');
    expect(result.error).toBe('boom');
    expect(result.tasks.doomed).toMatchObject({ status: 'failed', attempts: 2, error: 'boom' });
    expect(result.tasks['after-doomed']).toMatchObject({ status: 'upstream-failed', reason: 'depends on "doomed", which failed' });
    expect(result.tasks['after-after']).toMatchObject({ status: 'upstream-failed' });
    expect(result.tasks.fatal).toMatchObject({ status: 'failed', attempts: 1, error: 'cannot go on' });
    expect(result.tasks.independent).toMatchObject({ status: 'succeeded' });
    const ev = events(dir, result.runId);
    expect(count(ev, 'doomed')).toBe(2);
    expect(count(ev, 'fatal')).toBe(1);
    expect(count(ev, 'after-doomed')).toBe(0);
    expect(count(ev, 'after-after')).toBe(0);
    const stored = await getRun(mycel.proc.store, result.runId);
    expect(stored).toMatchObject({ status: 'failed', failedTask: 'doomed', error: 'boom' });
    expect(stored?.tasks.find((t) => t.taskId === 'after-doomed')?.status).toBe('upstream-failed');
  });

  it('fails a task that runs past its timeout', async () => {
    const started = Date.now();
    const result = await run('timeout');
    // The attempt is cut at 1 s; the task itself would sleep 5 s.
    expect(Date.now() - started).toBeLessThan(4_900);
    expect(result).toMatchObject({ status: 'failed', failedTask: 'sleepy' });
    expect(result.error).toMatch(/timed out: an attempt ran longer than its timeout of 1000 ms/);
    // The worker aborts ctx.signal at the attempt's timeout too, so the task stops instead of running on.
    const aborted = await waitFor(() => events(dir, result.runId).find((e) => e.task === 'sleepy' && e.what === 'aborted'), 6_000);
    const startedAt = at(events(dir, result.runId), 'sleepy', 'start');
    expect(aborted.at - startedAt).toBeLessThan(4_000);
    expect(events(dir, result.runId).some((e) => e.task === 'sleepy' && e.what === 'woke')).toBe(false);
    const stored = await getRun(mycel.proc.store, result.runId);
    expect(stored?.tasks.find((t) => t.taskId === 'sleepy')).toMatchObject({ status: 'failed' });
  });

  it('skips a task whose condition is false, and its dependents unless they opt in', async () => {
    const off = await run('conditional', { flag: false });
    expect(off.status).toBe('succeeded');
    expect(off.tasks.maybe).toMatchObject({ status: 'skipped', reason: 'its condition (when) was false' });
    expect(off.tasks['after-maybe']).toMatchObject({ status: 'skipped', reason: 'its parent "maybe" was skipped' });
    expect(off.outputs['opt-in']).toEqual({ maybeRan: false });
    expect(count(events(dir, off.runId), 'maybe')).toBe(0);
    expect(count(events(dir, off.runId), 'after-maybe')).toBe(0);

    const on = await run('conditional', { flag: true });
    expect(on.tasks.maybe?.status).toBe('succeeded');
    expect(on.outputs['after-maybe']).toBe(true);
    expect(on.outputs['opt-in']).toEqual({ maybeRan: true });
  });

  it('merges parents into the context in dependsOn order, the later parent winning', async () => {
    const result = await run('merge', { fromInput: 'input', keep: 'input' });
    const child = result.outputs.child as { context: Record<string, unknown>; p3: unknown };
    expect(child.context).toEqual({ dir, fromInput: 'overridden by p1', keep: 'input', shared: 'from p2', one: 1, two: 2 });
    expect(child.p3).toEqual(['not', 'an', 'object']);
  });

  it('refuses a value that is not JSON, naming the task, and passes large outputs by reference', async () => {
    const bad = await run('not-json');
    expect(bad).toMatchObject({ status: 'failed', failedTask: 'bad-value' });
    expect(bad.error).toBe('task "bad-value" returned a value that is not JSON-safe: $.when: a Date is not plain JSON (convert it, e.g. a Date with toISOString())');
    expect(bad.tasks['bad-value']?.attempts).toBe(1);

    const large = await run('large');
    expect(large.status).toBe('succeeded');
    expect(large.outputs.big).toMatchObject({ $ref: 'mycel:pipeline-output', taskId: 'big', bytes: 20_011 });
    expect(large.outputs.measure).toEqual({ length: 20_000 });
  });

  it('refuses to start an unknown version with a clear error', async () => {
    const { handle } = await startPipelineRun(mycel.proc.client, { pipelineId: 'diamond', version: 9, input: {}, trigger: 'test', taskQueue: mycel.config.temporal.taskQueue });
    const result = await runResult(handle);
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/pipeline "diamond" version 9 is not loaded on this worker \(loaded versions: 1\)/);
    // A client that bypasses Mycel's own starters still cannot hand a task a non-JSON input.
    const raw = await mycel.proc.client.workflow.start('pipelineWorkflow', {
      taskQueue: mycel.config.temporal.taskQueue,
      workflowId: `pipeline-diamond-v1-raw-${Date.now()}`,
      args: [{ pipelineId: 'diamond', version: 1, input: [1, 2], trigger: 'test' }],
    });
    expect((await runResult(raw)).error).toMatch(/the run input is refused: the run input is not a JSON object/);
  });

  it('replays recorded histories deterministically (success, failure, skips)', async () => {
    const logger = createLogger({ level: 'error', pretty: false });
    const workflowBundle = await loadWorkflowBundle(logger);
    const runs = await listRuns(mycel.proc.store, { limit: 50 });
    const ids = ['diamond', 'exhausted', 'conditional', 'fanout'].map((id) => runs.find((r) => r.pipelineId === id && r.status !== 'running')!.runId);
    for (const runId of ids) {
      const history = await mycel.proc.client.workflow.getHandle(runId).fetchHistory();
      await expect(Worker.runReplayHistory({ workflowBundle, replayName: runId }, history), runId).resolves.toBeUndefined();
    }
  });

  it('records a cancelled run as failed', async () => {
    const { runId, handle } = await startPipelineRun(mycel.proc.client, { pipelineId: 'resumable', version: 1, input: { dir }, trigger: 'test', taskQueue: mycel.config.temporal.taskQueue });
    await waitFor(() => events(dir, runId).some((e) => e.task === 'slow' && e.what === 'start'));
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const stored = await waitFor(async () => {
      const run = await getRun(mycel.proc.store, runId);
      return run?.status === 'failed' ? run : undefined;
    });
    expect(stored.error).toBe('the run was cancelled');
    expect(stored.tasks.find((t) => t.taskId === 's1')?.status).toBe('succeeded');
    expect(count(events(dir, runId), 's4')).toBe(0);
  });

  it('fires on a schedule', async () => {
    const client = mycel.proc.client;
    await schedulePipeline(client, { pipelineId: 'scheduled', version: 1, cron: '@every 2s', input: { dir }, taskQueue: mycel.config.temporal.taskQueue });
    try {
      const fired = await waitFor(async () => {
        const runs = await listRuns(mycel.proc.store, { pipelineId: 'scheduled' });
        return runs.find((r) => r.status === 'succeeded' && r.trigger === 'schedule');
      }, 20_000);
      expect(fired.runId).toMatch(/^pipeline-scheduled-v1-scheduled-/);
      expect(count(events(dir, fired.runId), 'tick')).toBe(1);
    } finally {
      await unschedulePipeline(client, 'scheduled');
    }
  });
});

describe('a worker stopped mid-run', () => {
  it('resumes on a new worker without re-running finished tasks', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-pipeline-resume-'));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-pipeline-events-'));
    const shared = { dataDir, taskQueue: `resume-${Date.now()}`, parts: { embedded: false, worker: true, gateway: false }, env: { MYCEL_PIPELINES: FIXTURES } };
    let first: TestMycel | undefined = await startTestMycel(shared);
    let second: TestMycel | undefined;
    try {
      const { runId } = await startPipelineRun(first.proc.client, { pipelineId: 'resumable', version: 1, input: { dir }, trigger: 'test', taskQueue: shared.taskQueue });
      await waitFor(() => events(dir, runId).some((e) => e.task === 'slow' && e.what === 'start'));
      await first.stop();
      first = undefined;
      second = await startTestMycel(shared);
      const result = await runResult(second.proc.client.workflow.getHandle(runId));
      expect(result.status).toBe('succeeded');
      const ev = events(dir, runId);
      expect(count(ev, 's1')).toBe(1);
      expect(count(ev, 's2')).toBe(1);
      expect(count(ev, 's4')).toBe(1);
      expect(count(ev, 's5')).toBe(1);
      // The task that was running when the worker stopped ran again on the new worker.
      expect(count(ev, 'slow')).toBe(2);
      expect(result.tasks.slow?.attempts).toBe(2);
    } finally {
      await first?.stop();
      await second?.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(testDialects())('run history on $name', (dialect) => {
  it('stores runs with per-task status, attempts and durations', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-pipeline-events-'));
    const mycel = await startTestMycel({ dialect, parts: { embedded: false, worker: true, gateway: false }, env: { MYCEL_PIPELINES: FIXTURES } });
    try {
      const client = mycel.proc.client;
      const q = mycel.config.temporal.taskQueue;
      const ok = await runResult((await startPipelineRun(client, { pipelineId: 'retry', version: 1, input: { dir }, trigger: 'test', taskQueue: q })).handle);
      const bad = await runResult((await startPipelineRun(client, { pipelineId: 'exhausted', version: 1, input: { dir }, trigger: 'test', taskQueue: q })).handle);
      const store = mycel.proc.store;
      const runs = await listRuns(store);
      expect(runs.map((r) => r.runId)).toEqual([bad.runId, ok.runId]);
      const detail = await getRun(store, ok.runId);
      expect(detail).toMatchObject({ pipelineId: 'retry', version: 1, status: 'succeeded', trigger: 'test', input: { dir }, outputs: { flaky: { attempt: 3 }, 'after-flaky': { sawAttempt: 3 } } });
      expect(detail!.durationMs).toBeGreaterThan(0);
      expect(detail!.tasks.map((t) => [t.taskId, t.status, t.attempts])).toEqual([
        ['flaky', 'succeeded', 3],
        ['after-flaky', 'succeeded', 1],
      ]);
      for (const t of detail!.tasks) {
        expect(t.durationMs).toBeGreaterThanOrEqual(0);
        expect(Date.parse(t.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(t.startedAt!));
      }
      const failed = await getRun(store, bad.runId);
      expect(failed).toMatchObject({ status: 'failed', failedTask: 'doomed', error: 'boom' });
      expect(Object.fromEntries(failed!.tasks.map((t) => [t.taskId, t.status]))).toEqual({
        doomed: 'failed',
        fatal: 'failed',
        independent: 'succeeded',
        'after-doomed': 'upstream-failed',
        'after-after': 'upstream-failed',
      });
    } finally {
      await mycel.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('versions', () => {
  it('finishes runs in flight on their version, loads a new one, and refuses a shape change under a known version', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'mycel-pipeline-versions-'));
    const file = path.join(folder, 'versions.mjs');
    const v1 = `task({ id: 'slow' }, async () => { await new Promise((r) => setTimeout(r, 1500)); return 'v1'; }), task({ id: 'after', dependsOn: ['slow'] }, (ctx) => ctx.parents.slow + '!')`;
    const v2 = `task({ id: 'slow' }, () => 'v2'), task({ id: 'after', dependsOn: ['slow'] }, (ctx) => ctx.parents.slow + '!'), task({ id: 'extra', dependsOn: ['after'] }, () => 'new in v2')`;
    writeFileSync(file, `export default ({ task, pipeline }) => pipeline({ id: 'versioned', version: 1, tasks: [${v1}] });`);
    const mycel = await startTestMycel({ parts: { embedded: false, worker: true, gateway: false }, env: { MYCEL_PIPELINES: folder } });
    try {
      const client = mycel.proc.client;
      const taskQueue = mycel.config.temporal.taskQueue;
      const first = await startPipelineRun(client, { pipelineId: 'versioned', version: 1, input: {}, trigger: 'test', taskQueue });
      expect(first.runId).toMatch(/^pipeline-versioned-v1-/);
      // While v1 runs, the file gains v2 (keeping v1, as the docs advise).
      writeFileSync(file, `export default ({ task, pipeline }) => [pipeline({ id: 'versioned', version: 1, tasks: [${v1}] }), pipeline({ id: 'versioned', version: 2, tasks: [${v2}] })];`);
      utimesSync(file, new Date(), new Date(Date.now() + 5_000));
      const second = await startPipelineRun(client, { pipelineId: 'versioned', version: 2, input: {}, trigger: 'test', taskQueue });
      expect(second.runId).toMatch(/^pipeline-versioned-v2-/);
      const [r1, r2] = await Promise.all([runResult(first.handle), runResult(second.handle)]);
      expect(r1).toMatchObject({ status: 'succeeded', version: 1, outputs: { slow: 'v1', after: 'v1!' } });
      expect(Object.keys(r1.tasks)).toEqual(['slow', 'after']);
      expect(r2).toMatchObject({ status: 'succeeded', version: 2, outputs: { slow: 'v2', after: 'v2!', extra: 'new in v2' } });

      // Another shape under version 1: refused at load time, naming the file; the recorded v1 stands.
      writeFileSync(file, `export default ({ task, pipeline }) => pipeline({ id: 'versioned', version: 1, tasks: [task({ id: 'only' }, () => 1)] });`);
      utimesSync(file, new Date(), new Date(Date.now() + 10_000));
      const runtime = createPipelineRuntime({ target: folder, store: mycel.proc.store });
      const report = await runtime.ready;
      expect(report.loaded).toEqual([]);
      expect(report.errors).toEqual([{ file, message: expect.stringMatching(/Pipeline "versioned" version 1 is already defined with another shape .*\n {2}hint: raise its version to 2/s) }]);
      // A run started for a shape the worker does not have is refused when it begins.
      const mismatch = await startPipelineRun(client, { pipelineId: 'versioned', version: 1, shape: 'not-the-shape', input: {}, trigger: 'test', taskQueue });
      expect((await runResult(mismatch.handle)).error).toMatch(/has another shape than the one the run was started for/);
    } finally {
      await mycel.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
