import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import type { Store } from '../storage/database.js';
import { pipeline, task } from './index.js';
import { shapeOf } from './registry.js';
import { beginRun, finishRun, getRun, listDefinitions, listRuns, loadOutputs, recordDefinition, recordTaskAttempt, settleTasks } from './store.js';

describe.each(testDialects())('pipeline history on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
  });
  afterAll(async () => dispose?.());

  const a = task({ id: 'a' }, () => 1);
  const b = task({ id: 'b', dependsOn: [a] }, () => 2);
  const c = task({ id: 'c', dependsOn: [b] }, () => 3);
  const v1 = pipeline({ id: 'p', version: 1, tasks: [a, b, c] });

  it('records definitions and refuses another shape under a known version, durably', async () => {
    await recordDefinition(store, { spec: v1.spec, shape: shapeOf(v1.spec), source: 'one.ts' });
    await recordDefinition(store, { spec: v1.spec, shape: shapeOf(v1.spec), source: 'one.ts' });
    const changed = pipeline({ id: 'p', version: 1, tasks: [a, b] });
    await expect(recordDefinition(store, { spec: changed.spec, shape: shapeOf(changed.spec), source: 'two.ts' })).rejects.toMatchObject({
      code: 'PIPELINE_SHAPE_CHANGED',
      message: expect.stringMatching(/Pipeline "p" version 1 is already defined with another shape \(first loaded from one.ts\)/),
    });
    const v2 = pipeline({ id: 'p', version: 2, tasks: [a, b] });
    await recordDefinition(store, { spec: v2.spec, shape: shapeOf(v2.spec), source: 'two.ts' });
    expect((await listDefinitions(store)).map((d) => `${d.id}@${d.version}:${d.tasks.length}`)).toEqual(['p@2:2', 'p@1:3']);
  });

  it('keeps the latest attempt of a task and ignores a stale one', async () => {
    await beginRun(store, { runId: 'r1', pipelineId: 'p', version: 1, trigger: 'test', input: { x: 1 }, startedAt: '2026-01-01T00:00:00.000Z' });
    const row = (attempts: number, status: 'succeeded' | 'failed', at: string) => ({
      run_id: 'r1', task_id: 'a', status, attempts, started_at: at, finished_at: at, duration_ms: 5, error: status === 'failed' ? `attempt ${attempts}` : null, output: status === 'succeeded' ? '{"v":1}' : null, output_bytes: null,
    });
    await recordTaskAttempt(store, row(1, 'failed', '2026-01-01T00:00:01.000Z'));
    await recordTaskAttempt(store, row(2, 'succeeded', '2026-01-01T00:00:02.000Z'));
    await recordTaskAttempt(store, row(1, 'failed', '2026-01-01T00:00:03.000Z'));
    await settleTasks(store, 'r1', [
      { taskId: 'a', status: 'succeeded', attempts: 2 },
      { taskId: 'b', status: 'failed', attempts: 3, error: 'timed out' },
      { taskId: 'c', status: 'upstream-failed', attempts: 0, error: 'depends on "b", which failed' },
    ]);
    await finishRun(store, 'r1', { status: 'failed', outputs: { a: { v: 1 } }, failedTask: 'b', error: 'timed out', finishedAt: '2026-01-01T00:00:04.000Z' });
    const run = await getRun(store, 'r1');
    expect(run).toMatchObject({ status: 'failed', failedTask: 'b', durationMs: 4000, input: { x: 1 }, outputs: { a: { v: 1 } } });
    expect(run!.tasks.map((t) => [t.taskId, t.status, t.attempts])).toEqual([
      ['a', 'succeeded', 2],
      ['b', 'failed', 3],
      ['c', 'upstream-failed', 0],
    ]);
    expect(run!.tasks[0]).toMatchObject({ startedAt: '2026-01-01T00:00:01.000Z', finishedAt: '2026-01-01T00:00:02.000Z', error: null });
    expect((await loadOutputs(store, 'r1', ['a'])).get('a')).toEqual({ v: 1 });
    await beginRun(store, { runId: 'r2', pipelineId: 'p', version: 2, trigger: 'test', input: {}, startedAt: '2026-01-02T00:00:00.000Z' });
    expect((await listRuns(store)).map((r) => r.runId)).toEqual(['r2', 'r1']);
    expect((await listRuns(store, { pipelineId: 'nope' })).length).toBe(0);
  });

  it('keeps text versions beside whole numbers, newest first, and finds runs by them', async () => {
    for (const version of ['2026-01-02', '2026-06-01', 10, 9]) {
      const p = pipeline({ id: 'dated', version, tasks: [a] });
      await recordDefinition(store, { spec: p.spec, shape: shapeOf(p.spec) });
    }
    const dated = (await listDefinitions(store)).filter((d) => d.id === 'dated');
    expect(dated.map((d) => d.version)).toEqual(['2026-06-01', '2026-01-02', 10, 9]);
    await beginRun(store, { runId: 'rd', pipelineId: 'dated', version: '2026-06-01', trigger: 'test', input: {}, startedAt: '2025-01-01T00:00:00.000Z' });
    await beginRun(store, { runId: 'rn', pipelineId: 'dated', version: 10, trigger: 'test', input: {}, startedAt: '2025-01-01T00:00:01.000Z' });
    expect((await getRun(store, 'rd'))?.version).toBe('2026-06-01');
    // Its definition is found by the text version: the running run lists its pending task.
    expect((await getRun(store, 'rd'))?.tasks.map((t) => [t.taskId, t.status])).toEqual([['a', 'pending']]);
    expect((await listRuns(store, { pipelineId: 'dated' })).map((r) => [r.runId, r.version])).toEqual([['rn', 10], ['rd', '2026-06-01']]);
  });
});
