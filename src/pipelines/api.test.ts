import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MycelError } from '../shared/errors.js';
import { pipeline, task } from './index.js';
import { DagState, MAX_PIPELINE_TASKS, durationMs } from './dag.js';
import { jsonProblem } from './json.js';
import { loadPipelines } from './loader.js';
import { PipelineRegistry } from './registry.js';

function errorOf(fn: () => unknown): MycelError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MycelError);
    return err as MycelError;
  }
  throw new Error('expected an error');
}

describe('task() and pipeline()', () => {
  it('types ctx.parents by the dependsOn tasks, without casts', () => {
    const fetch = task({ id: 'fetch' }, () => ({ items: [1, 2, 3] }));
    const label = task({ id: 'label' }, () => 'total');
    const sum = task({ id: 'sum', dependsOn: [fetch, label] }, (ctx) => {
      const total: number = ctx.parents.fetch.items.reduce((a, b) => a + b, 0);
      const name: string = ctx.parents.label;
      return { [name]: total };
    });
    const maybe = task({ id: 'maybe', dependsOn: [fetch], runIfParentSkipped: true }, (ctx) => ctx.parents.fetch?.items.length ?? 0);
    const p = pipeline({ id: 'numbers', version: 1, tasks: [sum, fetch, label, maybe] });
    // Topological order: each pass takes the ready tasks in declaration order.
    expect(p.spec.tasks.map((t) => t.id)).toEqual(['fetch', 'label', 'maybe', 'sum']);
    expect(p.spec.tasks.find((t) => t.id === 'sum')?.dependsOn).toEqual(['fetch', 'label']);
    expect(p.spec.tasks[0]?.retry).toEqual({ maximumAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 60000, nonRetryable: [] });
  });

  it('refuses non-JSON outputs and unknown parents at compile time (checked by tsc)', () => {
    const a = task({ id: 'a' }, () => ({ n: 1 }));
    // @ts-expect-error a Date is not JSON: the output type is refused
    const bad = task({ id: 'bad' }, () => ({ at: new Date() }));
    const b = task({ id: 'b', dependsOn: [a] }, (ctx) => {
      // @ts-expect-error "zzz" is not a parent of b
      void ctx.parents.zzz;
      // @ts-expect-error ctx.parents.a.n is a number
      const s: string = ctx.parents.a.n;
      return { s };
    });
    expect([bad.id, b.id]).toEqual(['bad', 'b']);
  });

  it('refuses a duplicate task id', () => {
    const a1 = task({ id: 'a' }, () => 1);
    const a2 = task({ id: 'a' }, () => 2);
    const err = errorOf(() => pipeline({ id: 'dup', version: 1, tasks: [a1, a2] }));
    expect(err.code).toBe('PIPELINE_DUPLICATE_TASK');
    expect(err.message).toBe('Pipeline "dup" has two tasks with the id "a".');
  });

  it('refuses an unknown dependency, naming it', () => {
    const b = task({ id: 'b', dependsOn: ['nope'] }, () => 1);
    const err = errorOf(() => pipeline({ id: 'unknown', version: 1, tasks: [b] }));
    expect(err.code).toBe('PIPELINE_UNKNOWN_DEPENDENCY');
    expect(err.message).toMatch(/task "b" depends on "nope", which is not a task of this pipeline/);
    // A task object that was not listed in tasks is unknown too.
    const a = task({ id: 'a' }, () => 1);
    const c = task({ id: 'c', dependsOn: [a] }, () => 1);
    expect(errorOf(() => pipeline({ id: 'unlisted', version: 1, tasks: [c] })).code).toBe('PIPELINE_UNKNOWN_DEPENDENCY');
  });

  it('refuses a cycle and names it', () => {
    const a = task({ id: 'a', dependsOn: ['c'] }, () => 1);
    const b = task({ id: 'b', dependsOn: ['a'] }, () => 1);
    const c = task({ id: 'c', dependsOn: ['b'] }, () => 1);
    const start = task({ id: 'start' }, () => 1);
    const err = errorOf(() => pipeline({ id: 'loop', version: 1, tasks: [start, a, b, c] }));
    expect(err.code).toBe('PIPELINE_CYCLE');
    expect(err.message).toBe('Pipeline "loop" has a cycle: a → b → c → a.');
    const self = task({ id: 's', dependsOn: ['s'] }, () => 1);
    expect(errorOf(() => pipeline({ id: 'self', version: 1, tasks: [self] })).message).toMatch(/cycle: s → s/);
  });

  it('refuses bad ids, versions, policies and graphs over the size limit', () => {
    expect(errorOf(() => task({ id: 'has space' }, () => 1)).message).toMatch(/task id "has space" is not valid/);
    const a = task({ id: 'a' }, () => 1);
    expect(errorOf(() => pipeline({ id: 'v', version: 0, tasks: [a] })).message).toMatch(/version must be a whole number from 1 up or a non-empty text/);
    expect(errorOf(() => pipeline({ id: 'v', version: 1.5, tasks: [a] })).code).toBe('PIPELINE_INVALID');
    expect(errorOf(() => pipeline({ id: 'v', version: '  ', tasks: [a] })).code).toBe('PIPELINE_INVALID');
    expect(errorOf(() => pipeline({ id: 'v', version: 'x'.repeat(65), tasks: [a] })).code).toBe('PIPELINE_INVALID');
    expect(errorOf(() => task({ id: 'r', retry: { attempts: 0 } }, () => 1)).message).toMatch(/retry.attempts/);
    expect(errorOf(() => task({ id: 't', timeout: 'soon' }, () => 1)).message).toMatch(/timeout must be a positive duration/);
    const many = Array.from({ length: MAX_PIPELINE_TASKS + 1 }, (_, i) => task({ id: `t${i}` }, () => i));
    const err = errorOf(() => pipeline({ id: 'huge', version: 1, tasks: many }));
    expect(err.code).toBe('PIPELINE_TOO_LARGE');
    expect(err.message).toMatch(/1001 tasks; the largest graph Mycel runs has 1000/);
    expect(() => pipeline({ id: 'max', version: 1, tasks: many.slice(0, MAX_PIPELINE_TASKS) })).not.toThrow();
  });

  it('parses durations', () => {
    expect(durationMs('1.5s', 'x')).toBe(1500);
    expect(durationMs('2m', 'x')).toBe(120_000);
    expect(durationMs(250, 'x')).toBe(250);
  });
});

describe('pipeline versions', () => {
  const a = task({ id: 'a' }, () => 1);

  it('accepts a whole number or a non-empty text; text that is a whole number is that number', () => {
    expect(pipeline({ id: 'n', version: 3, tasks: [a] }).version).toBe(3);
    expect(pipeline({ id: 'n', version: '1', tasks: [a] }).version).toBe(1);
    const dated = pipeline({ id: 'n', version: '2026-06-01', tasks: [a] });
    expect(dated.version).toBe('2026-06-01');
    expect(dated.spec.version).toBe('2026-06-01');
    expect(pipeline({ id: 'n', version: ' beta ', tasks: [a] }).version).toBe('beta');
  });

  it('orders versions as people read them', () => {
    const registry = new PipelineRegistry();
    for (const version of ['2026-01-02', '2026-06-01', '2025-12-31']) registry.register(pipeline({ id: 'd', version, tasks: [a] }));
    for (const version of [2, 10, '9']) registry.register(pipeline({ id: 'n', version, tasks: [a] }));
    expect(registry.latest('d')?.pipeline.version).toBe('2026-06-01');
    expect(registry.latest('n')?.pipeline.version).toBe(10);
    expect(registry.list().map((e) => `${e.pipeline.id}@${e.pipeline.version}`)).toEqual(['d@2025-12-31', 'd@2026-01-02', 'd@2026-06-01', 'n@2', 'n@9', 'n@10']);
    expect(registry.get('n', 9)).toBeDefined();
  });

  it('names a text version in the shape-change error without doing arithmetic on it', () => {
    const registry = new PipelineRegistry();
    registry.register(pipeline({ id: 't', version: '2026-06-01', tasks: [a] }), 'one.ts');
    const err = errorOf(() => registry.register(pipeline({ id: 't', version: '2026-06-01', tasks: [a, task({ id: 'b' }, () => 2)] }), 'two.ts'));
    expect(err.message).toMatch(/version 2026-06-01 is already defined/);
    expect(err.hint).toMatch(/give it a new version/);
  });
});

describe('the registry', () => {
  it('keeps versions side by side and refuses a shape change under the same version', () => {
    const registry = new PipelineRegistry();
    const a = task({ id: 'a' }, () => 1);
    const b = task({ id: 'b', dependsOn: [a] }, () => 2);
    registry.register(pipeline({ id: 'p', version: 1, tasks: [a] }), 'one.ts');
    // Same shape, new code: accepted (a reload).
    registry.register(pipeline({ id: 'p', version: 1, tasks: [task({ id: 'a' }, () => 10)] }), 'one.ts');
    const err = errorOf(() => registry.register(pipeline({ id: 'p', version: 1, tasks: [a, b] }), 'two.ts'));
    expect(err.code).toBe('PIPELINE_SHAPE_CHANGED');
    expect(err.message).toMatch(/Pipeline "p" version 1 is already defined with another shape \(one.ts\); two.ts changes/);
    expect(err.hint).toMatch(/raise its version to 2/);
    registry.register(pipeline({ id: 'p', version: 2, tasks: [a, b] }), 'two.ts');
    expect(registry.latest('p')?.pipeline.version).toBe(2);
    expect(registry.get('p', 1)?.pipeline.spec.tasks).toHaveLength(1);
  });
});

describe('JSON safety', () => {
  it('names where a value is not JSON', () => {
    expect(jsonProblem({ a: [1, { b: 'x' }], c: null })).toBeUndefined();
    expect(jsonProblem({ at: new Date(0) })).toMatch(/^\$\.at: a Date is not plain JSON/);
    expect(jsonProblem({ a: [1, undefined] })).toMatch(/^\$\.a\[1\]: undefined/);
    expect(jsonProblem({ n: Number.NaN })).toMatch(/NaN is not a JSON number/);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(jsonProblem(loop)).toMatch(/circular/);
    expect(jsonProblem(new Map())).toMatch(/a Map is not plain JSON/);
  });
});

describe('the scheduler state', () => {
  const spec = (tasks: Array<[string, string[], Partial<{ runIfParentSkipped: boolean }>?]>) =>
    pipeline({
      id: 's',
      version: 1,
      tasks: tasks.map(([id, deps, o]) => task({ id, dependsOn: deps, runIfParentSkipped: o?.runIfParentSkipped ?? false }, () => 1)),
    }).spec;

  it('starts every ready task at once, bounded by the limit', () => {
    const state = new DagState(spec([['a', []], ['b', ['a']], ['c', ['a']], ['d', ['b', 'c']]]));
    expect(state.next(10).map((t) => t.id)).toEqual(['a']);
    state.start('a');
    expect(state.next(10)).toEqual([]);
    state.succeed('a', 1, 1);
    expect(state.next(1).map((t) => t.id)).toEqual(['b']);
    expect(state.next(10).map((t) => t.id)).toEqual(['b', 'c']);
  });

  it('marks dependents of a failure upstream-failed and keeps independent branches', () => {
    const state = new DagState(spec([['a', []], ['b', ['a']], ['c', ['b']], ['x', []]]));
    expect(state.next(10).map((t) => t.id)).toEqual(['a', 'x']);
    state.fail('a', 'boom', 3);
    state.succeed('x', 1, 1);
    expect(state.next(10)).toEqual([]);
    expect(state.done()).toBe(true);
    expect(state.state('b')).toMatchObject({ status: 'upstream-failed', reason: 'depends on "a", which failed' });
    expect(state.state('c')).toMatchObject({ status: 'upstream-failed', reason: 'depends on "b", which did not run' });
    expect(state.firstFailure()).toEqual({ taskId: 'a', error: 'boom' });
  });

  it('skips dependents of a skipped task unless they opt in', () => {
    const state = new DagState(spec([['a', []], ['b', ['a']], ['c', ['a'], { runIfParentSkipped: true }]]));
    state.next(10);
    state.skip('a', 'when was false', 1);
    expect(state.next(10).map((t) => t.id)).toEqual(['c']);
    expect(state.state('b')).toMatchObject({ status: 'skipped', reason: 'its parent "a" was skipped' });
    expect(state.parentOutputs('c')).toEqual([]);
  });
});

describe('loading pipeline files', () => {
  it('loads a pipeline, an array and a function export; reports a broken file by name without stopping', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-pipelines-'));
    writeFileSync(
      path.join(dir, 'a.ts'),
      `import type { PipelineFileApi } from '${path.resolve('src/pipelines/loader.ts')}';
       export default ({ task, pipeline }: PipelineFileApi) => pipeline({ id: 'from-fn', version: 1, tasks: [task({ id: 'x' }, () => 1)] });`,
    );
    writeFileSync(
      path.join(dir, 'b.mjs'),
      `export default ({ task, pipeline }) => [1, 2].map((v) => pipeline({ id: 'arr', version: v, tasks: [task({ id: 'x' }, () => v)] }));`,
    );
    writeFileSync(path.join(dir, 'c.js'), `export default { not: 'a pipeline' };`);
    writeFileSync(path.join(dir, 'd.ts'), `export default ({ task, pipeline }: any) => pipeline({ id: 'cyc', version: 1, tasks: [task({ id: 'a', dependsOn: ['a'] }, () => 1)] });`);
    writeFileSync(path.join(dir, 'e.ts'), `this is not typescript (`);
    writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    const registry = new PipelineRegistry();
    const report = await loadPipelines(dir, registry);
    expect(report.loaded.map((l) => `${l.id}@${l.version}`)).toEqual(['from-fn@1', 'arr@1', 'arr@2']);
    expect(report.errors.map((e) => path.basename(e.file))).toEqual(['c.js', 'd.ts', 'e.ts']);
    expect(report.errors[0]?.message).toMatch(/default export is a object, not a pipeline/);
    expect(report.errors[1]?.message).toMatch(/cycle: a → a/);
    expect(registry.latest('arr')?.pipeline.version).toBe(2);
  });
});
