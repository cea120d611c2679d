/**
 * The DAG of a pipeline as data: its spec (what the workflow interprets), validation at
 * registration, and the scheduler state the pipeline workflow drives. Workflow-safe: no
 * I/O, no clock, no randomness, so the same events always give the same decisions.
 */
import { MycelError } from '../shared/errors.js';
import { MAX_VERSION_CHARS, toVersion, type PipelineVersion } from './version.js';

/** Largest number of tasks in one pipeline. Keeps a run far below Temporal's limits (see docs/pipelines.md). */
export const MAX_PIPELINE_TASKS = 1_000;
/** Most tasks of one run running at once; Temporal allows 2,000 pending activities per workflow. */
export const MAX_PIPELINE_PARALLELISM = 1_000;
/** Parallelism of a run when neither the pipeline nor MYCEL_PIPELINE_PARALLELISM says otherwise. */
export const DEFAULT_PIPELINE_PARALLELISM = 100;
/** A task's startToClose timeout when it sets none. */
export const DEFAULT_TASK_TIMEOUT_MS = 5 * 60_000;
/** Attempts of a task when it sets no retry policy. */
export const DEFAULT_TASK_ATTEMPTS = 3;
export const DEFAULT_RETRY_INITIAL_INTERVAL_MS = 1_000;
export const DEFAULT_RETRY_BACKOFF = 2;
export const DEFAULT_RETRY_MAXIMUM_INTERVAL_MS = 60_000;
/** Longest id of a pipeline or a task. */
export const MAX_ID_CHARS = 64;

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A task's retry policy, normalised to milliseconds. */
export interface RetrySpec {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  /** Error names (`err.name`) that are never retried. */
  nonRetryable: string[];
}

/** One task as the workflow sees it: no function, only its place in the graph and its policies. */
export interface TaskSpec {
  id: string;
  dependsOn: string[];
  retry: RetrySpec;
  timeoutMs: number;
  /** Has a `when` condition (evaluated by the task's activity, recorded in history). */
  conditional: boolean;
  /** Runs even when a parent was skipped (the parent's output is then absent). */
  runIfParentSkipped: boolean;
}

/** A pipeline as data; the same spec always has the same shape fingerprint. */
export interface PipelineSpec {
  id: string;
  version: PipelineVersion;
  /** Most tasks running at once (undefined: the worker's default). */
  parallelism?: number | undefined;
  /** Tasks in a topological order (parents before children, ties in declaration order). */
  tasks: TaskSpec[];
}

/** Milliseconds of a duration given as a number (ms) or text: `500ms`, `30s`, `5m`, `2h`, `1d`. */
export function durationMs(value: number | string, what: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return Math.round(value);
  } else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
    if (match) {
      const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
      const ms = Math.round(Number(match[1]) * unit);
      if (ms > 0) return ms;
    }
  }
  throw new MycelError('PIPELINE_INVALID', `${what} must be a positive duration, got ${JSON.stringify(value)}.`, 'use milliseconds (5000) or text like "500ms", "30s", "5m", "2h"');
}

function invalid(pipelineId: string, message: string, hint?: string): MycelError {
  return new MycelError('PIPELINE_INVALID', `Pipeline "${pipelineId}": ${message}`, hint);
}

export function checkId(kind: 'pipeline' | 'task', id: unknown, pipelineId?: string): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id) || id.length > MAX_ID_CHARS) {
    const where = pipelineId ? `Pipeline "${pipelineId}": ` : '';
    throw new MycelError(
      'PIPELINE_INVALID',
      `${where}${kind} id ${JSON.stringify(id)} is not valid.`,
      `use 1-${MAX_ID_CHARS} letters, digits, "_", "." or "-", starting with a letter or digit`,
    );
  }
  return id;
}

/** Finds a cycle among the tasks and returns it as a path that ends where it starts. */
export function findCycle(tasks: ReadonlyArray<{ id: string; dependsOn: readonly string[] }>): string[] | undefined {
  const deps = new Map(tasks.map((t) => [t.id, t.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const s = state.get(id);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const parent of deps.get(id) ?? []) {
      const cycle = visit(parent);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const t of tasks) {
    const cycle = visit(t.id);
    // The walk follows dependencies (child → parent); show it in execution order instead.
    if (cycle) return cycle.reverse();
  }
  return undefined;
}

/** Orders tasks parents-first, keeping declaration order among tasks that are ready together. */
export function topologicalOrder<T extends { id: string; dependsOn: readonly string[] }>(tasks: readonly T[]): T[] {
  const placed = new Set<string>();
  const order: T[] = [];
  while (order.length < tasks.length) {
    const before = order.length;
    for (const t of tasks) {
      if (!placed.has(t.id) && t.dependsOn.every((d) => placed.has(d))) {
        placed.add(t.id);
        order.push(t);
      }
    }
    if (order.length === before) break; // a cycle: findCycle reports it
  }
  return order;
}

/**
 * Validates a pipeline's graph: ids, duplicate task ids, unknown dependencies, cycles
 * (named, e.g. "a → b → c → a"), size and parallelism limits. Throws a MycelError with
 * a hint; returns the spec with tasks in topological order.
 */
export function validateSpec(spec: PipelineSpec): PipelineSpec {
  checkId('pipeline', spec.id);
  const version = toVersion(spec.version);
  if (version === undefined) {
    throw invalid(
      spec.id,
      `version must be a whole number from 1 up or a non-empty text of at most ${MAX_VERSION_CHARS} characters, got ${JSON.stringify(spec.version)}.`,
      "start at version: 1 (or a date such as version: '2026-06-01') and change it whenever the shape of the pipeline changes",
    );
  }
  spec = { ...spec, version };
  if (!Array.isArray(spec.tasks) || spec.tasks.length === 0) throw invalid(spec.id, 'it has no tasks.', 'list its tasks: pipeline({ id, version, tasks: [a, b] })');
  if (spec.tasks.length > MAX_PIPELINE_TASKS) {
    throw new MycelError(
      'PIPELINE_TOO_LARGE',
      `Pipeline "${spec.id}" has ${spec.tasks.length} tasks; the largest graph Mycel runs has ${MAX_PIPELINE_TASKS} (MAX_PIPELINE_TASKS).`,
      'split it into several pipelines, or batch work inside fewer tasks (one task may loop over many items)',
    );
  }
  if (spec.parallelism !== undefined && (!Number.isInteger(spec.parallelism) || spec.parallelism < 1 || spec.parallelism > MAX_PIPELINE_PARALLELISM)) {
    throw invalid(spec.id, `parallelism must be a whole number from 1 to ${MAX_PIPELINE_PARALLELISM}, got ${JSON.stringify(spec.parallelism)}.`);
  }
  const ids = new Set<string>();
  for (const t of spec.tasks) {
    checkId('task', t.id, spec.id);
    if (ids.has(t.id)) {
      throw new MycelError('PIPELINE_DUPLICATE_TASK', `Pipeline "${spec.id}" has two tasks with the id "${t.id}".`, 'give every task of a pipeline its own id');
    }
    ids.add(t.id);
  }
  for (const t of spec.tasks) {
    const seen = new Set<string>();
    for (const d of t.dependsOn) {
      if (!ids.has(d)) {
        throw new MycelError(
          'PIPELINE_UNKNOWN_DEPENDENCY',
          `Pipeline "${spec.id}": task "${t.id}" depends on "${d}", which is not a task of this pipeline.`,
          `add the task "${d}" to the pipeline's tasks, or fix the id in dependsOn (tasks: ${[...ids].join(', ')})`,
        );
      }
      if (d === t.id) {
        throw new MycelError('PIPELINE_CYCLE', `Pipeline "${spec.id}" has a cycle: ${t.id} → ${t.id}.`, 'a task cannot depend on itself');
      }
      if (seen.has(d)) throw invalid(spec.id, `task "${t.id}" lists "${d}" twice in dependsOn.`);
      seen.add(d);
    }
  }
  const cycle = findCycle(spec.tasks);
  if (cycle) {
    throw new MycelError('PIPELINE_CYCLE', `Pipeline "${spec.id}" has a cycle: ${cycle.join(' → ')}.`, 'remove one of these dependencies so the tasks form a DAG');
  }
  return { ...spec, tasks: topologicalOrder(spec.tasks) };
}

/** Stable text of a spec's shape: what must not change without a new version. */
export function shapeText(spec: PipelineSpec): string {
  const tasks = [...spec.tasks]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((t) => ({
      id: t.id,
      dependsOn: [...t.dependsOn],
      retry: { ...t.retry, nonRetryable: [...t.retry.nonRetryable].sort() },
      timeoutMs: t.timeoutMs,
      conditional: t.conditional,
      runIfParentSkipped: t.runIfParentSkipped,
    }));
  return JSON.stringify({ id: spec.id, version: spec.version, parallelism: spec.parallelism ?? null, tasks });
}

// ---------------------------------------------------------------------------
// Scheduler state, driven by the pipeline workflow.

/**
 * What became of a task in a run:
 * - `succeeded`, `failed` (after its attempts), `skipped` (its `when` said no, or a parent was skipped),
 * - `upstream-failed`: not run because a task it depends on (directly or not) failed.
 */
export type TaskStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'upstream-failed';

export interface TaskState {
  status: TaskStatus;
  attempts: number;
  /** Output held by the workflow: the value itself, or a reference to the stored output. */
  output?: unknown;
  error?: string | undefined;
  /** Why it was skipped or not run. */
  reason?: string | undefined;
}

const SETTLED: ReadonlySet<TaskStatus> = new Set(['succeeded', 'failed', 'skipped', 'upstream-failed']);

/**
 * The run's bookkeeping. `next()` returns the tasks that may start now, in topological
 * order, after settling the tasks that can no longer run (dependents of a failed or skipped
 * task). Independent branches keep running after a failure; the run fails at the end.
 */
export class DagState {
  readonly tasks = new Map<string, TaskState>();
  private readonly specs: Map<string, TaskSpec>;
  /** Bumped on every change, so the workflow can wait for "something happened". */
  changes = 0;

  constructor(readonly spec: PipelineSpec) {
    this.specs = new Map(spec.tasks.map((t) => [t.id, t]));
    for (const t of spec.tasks) this.tasks.set(t.id, { status: 'pending', attempts: 0 });
  }

  state(id: string): TaskState {
    const s = this.tasks.get(id);
    if (!s) throw new Error(`unknown task ${id}`);
    return s;
  }

  private set(id: string, patch: Partial<TaskState>): void {
    Object.assign(this.state(id), patch);
    this.changes++;
  }

  running(): number {
    let n = 0;
    for (const s of this.tasks.values()) if (s.status === 'running') n++;
    return n;
  }

  done(): boolean {
    for (const s of this.tasks.values()) if (!SETTLED.has(s.status)) return false;
    return true;
  }

  /** Settles blocked tasks, then returns up to `limit` tasks ready to start (parents settled). */
  next(limit: number): TaskSpec[] {
    const ready: TaskSpec[] = [];
    for (const t of this.spec.tasks) {
      const s = this.state(t.id);
      if (s.status !== 'pending') continue;
      const parents = t.dependsOn.map((d) => ({ id: d, state: this.state(d) }));
      if (!parents.every((p) => SETTLED.has(p.state.status))) continue;
      const failed = parents.find((p) => p.state.status === 'failed' || p.state.status === 'upstream-failed');
      if (failed) {
        this.set(t.id, { status: 'upstream-failed', reason: `depends on "${failed.id}", which ${failed.state.status === 'failed' ? 'failed' : 'did not run'}` });
        continue;
      }
      const skipped = parents.find((p) => p.state.status === 'skipped');
      if (skipped && !t.runIfParentSkipped) {
        this.set(t.id, { status: 'skipped', reason: `its parent "${skipped.id}" was skipped` });
        continue;
      }
      if (ready.length < limit) ready.push(t);
    }
    return ready;
  }

  start(id: string): void {
    this.set(id, { status: 'running' });
  }

  succeed(id: string, output: unknown, attempts: number): void {
    this.set(id, { status: 'succeeded', output, attempts });
  }

  skip(id: string, reason: string, attempts: number): void {
    this.set(id, { status: 'skipped', reason, attempts });
  }

  fail(id: string, error: string, attempts: number): void {
    this.set(id, { status: 'failed', error, attempts });
  }

  /** The first failed task in topological order (the one a person should look at). */
  firstFailure(): { taskId: string; error: string } | undefined {
    for (const t of this.spec.tasks) {
      const s = this.state(t.id);
      if (s.status === 'failed') return { taskId: t.id, error: s.error ?? 'failed' };
    }
    return undefined;
  }

  /** Parents of a task with their outputs (skipped parents are left out). */
  parentOutputs(id: string): Array<{ id: string; output: unknown }> {
    const spec = this.specs.get(id);
    if (!spec) throw new Error(`unknown task ${id}`);
    return spec.dependsOn.filter((d) => this.state(d).status === 'succeeded').map((d) => ({ id: d, output: this.state(d).output }));
  }
}
