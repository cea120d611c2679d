/**
 * The pipeline API: `task(...)` and `pipeline(...)`. This is Mycel's only library surface,
 * so it stays small. Validation happens here, when a pipeline is declared, so a broken
 * graph fails at load time with a clear error, before anything runs.
 */
import { MycelError } from '../shared/errors.js';
import {
  DEFAULT_RETRY_BACKOFF,
  DEFAULT_RETRY_INITIAL_INTERVAL_MS,
  DEFAULT_RETRY_MAXIMUM_INTERVAL_MS,
  DEFAULT_TASK_ATTEMPTS,
  DEFAULT_TASK_TIMEOUT_MS,
  checkId,
  durationMs,
  validateSpec,
  type PipelineSpec,
  type RetrySpec,
  type TaskSpec,
} from './dag.js';
import type { JsonObject, JsonValue } from './json.js';
import type { PipelineVersion } from './version.js';

export type { JsonObject, JsonPrimitive, JsonValue } from './json.js';

/** Milliseconds, or text such as `"500ms"`, `"30s"`, `"5m"`, `"2h"`. */
export type Duration = number | string;

/** How a task is retried. Every field is optional; defaults are in docs/pipelines.md. */
export interface RetryOptions {
  /** Total attempts, the first included (1 = never retry). Default 3. */
  attempts?: number;
  /** Wait before the second attempt. Default 1s. */
  initialInterval?: Duration;
  /** Each wait is the previous one times this. Default 2. */
  backoff?: number;
  /** Longest wait between attempts. Default 60s. */
  maximumInterval?: Duration;
  /** Error names (`err.name`) that fail the task at once, without retrying. */
  nonRetryable?: string[];
}

/** What a task's function (and its `when`) receives. */
export interface TaskContext<Parents = Record<string, JsonValue>> {
  /** The run's input (a JSON object; `{}` when none was given). */
  readonly input: JsonObject;
  /** Each parent's output, by task id (a skipped parent is absent). */
  readonly parents: Parents;
  /**
   * The context that flows along the edges: the run input, overlaid by every parent's
   * output that is an object, in `dependsOn` order — when two parents write the same key,
   * the one listed later in `dependsOn` wins.
   */
  readonly context: JsonObject;
  readonly pipeline: { readonly id: string; readonly version: PipelineVersion };
  /** The run's id (its Temporal workflow id). */
  readonly runId: string;
  readonly taskId: string;
  /** 1 on the first attempt, 2 on the first retry, … */
  readonly attempt: number;
  /** Aborted when the run is cancelled, the worker shuts down, or the attempt reaches its timeout. */
  readonly signal: AbortSignal;
  /** Writes a line to the worker's log, tagged with the run and task. */
  log(message: string): void;
  /**
   * Posts an assistant message to a chat: into its transcript (web app, API) and out through
   * its channel when it pushes (Telegram). Idempotent per run, task and call order, so a
   * retried attempt does not post twice.
   */
  notify(chat: { channel: 'web' | 'telegram' | 'whatsapp' | 'discord' | 'slack'; chatId: string }, text: string): Promise<void>;
}

/** A task's declaration, as returned by `task()`. Pass it to `pipeline({ tasks })` or `dependsOn`. */
export interface Task<Id extends string = string, Output = unknown> {
  readonly kind: 'mycel.task';
  readonly id: Id;
  readonly dependsOn: readonly string[];
  readonly retry: RetrySpec;
  readonly timeoutMs: number;
  readonly runIfParentSkipped: boolean;
  readonly when: ((ctx: TaskContext<never>) => boolean | Promise<boolean>) | undefined;
  readonly run: (ctx: TaskContext<never>) => Output | Promise<Output>;
  /** Carries the output type for `ctx.parents`; never set at run time. */
  readonly __output?: Output;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any task, whatever its output
type AnyTask = Task<string, any>;
/** A dependency: a task (its output is typed in `ctx.parents`) or a task id (typed as JSON). */
export type Dependency = string | AnyTask;

type DependencyId<D> = D extends string ? D : D extends Task<infer Id, unknown> ? Id : never;
type DependencyOutput<D> = D extends Task<string, infer O> ? (O extends void | undefined ? null : O) : JsonValue;

/** `ctx.parents` of a task: one key per dependency, typed by the parent's output. */
export type ParentsOf<Deps extends readonly Dependency[], RunIfSkipped extends boolean = false> = {
  readonly [D in Deps[number] as DependencyId<D>]: RunIfSkipped extends true ? DependencyOutput<D> | undefined : DependencyOutput<D>;
};

export interface TaskOptions<Id extends string, Deps extends readonly Dependency[], RunIfSkipped extends boolean> {
  /** Unique within the pipeline: letters, digits, `_`, `.`, `-`. */
  id: Id;
  /** Tasks (or task ids) whose outputs this task needs; it starts when all have finished. */
  dependsOn?: Deps;
  retry?: RetryOptions;
  /** startToClose timeout of each attempt. Default 5 minutes. */
  timeout?: Duration;
  /**
   * Runs the task only when this returns true; otherwise the task is skipped, and so are
   * its dependents (unless they set `runIfParentSkipped`). Evaluated once, by the task's
   * activity, and recorded in the run's history, so the decision never changes on replay.
   */
  when?: (ctx: TaskContext<ParentsOf<Deps, RunIfSkipped>>) => boolean | Promise<boolean>;
  /** Run even when a parent was skipped (that parent is then absent from `ctx.parents`). */
  runIfParentSkipped?: RunIfSkipped;
}

const TASK_BRAND = 'mycel.task';
const PIPELINE_BRAND = 'mycel.pipeline';

function retrySpec(taskId: string, retry: RetryOptions | undefined): RetrySpec {
  const attempts = retry?.attempts ?? DEFAULT_TASK_ATTEMPTS;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new MycelError('PIPELINE_INVALID', `Task "${taskId}": retry.attempts must be a whole number from 1 up, got ${JSON.stringify(attempts)}.`, 'attempts counts the first try: 1 means never retry');
  }
  const backoff = retry?.backoff ?? DEFAULT_RETRY_BACKOFF;
  if (typeof backoff !== 'number' || !(backoff >= 1)) {
    throw new MycelError('PIPELINE_INVALID', `Task "${taskId}": retry.backoff must be a number of at least 1, got ${JSON.stringify(backoff)}.`);
  }
  const nonRetryable = retry?.nonRetryable ?? [];
  if (!Array.isArray(nonRetryable) || nonRetryable.some((n) => typeof n !== 'string' || !n)) {
    throw new MycelError('PIPELINE_INVALID', `Task "${taskId}": retry.nonRetryable must be a list of error names.`, 'for example ["ValidationError"]; a thrown error matches by its name');
  }
  const initialIntervalMs = retry?.initialInterval === undefined ? DEFAULT_RETRY_INITIAL_INTERVAL_MS : durationMs(retry.initialInterval, `Task "${taskId}": retry.initialInterval`);
  const maximumIntervalMs = retry?.maximumInterval === undefined ? Math.max(DEFAULT_RETRY_MAXIMUM_INTERVAL_MS, initialIntervalMs) : durationMs(retry.maximumInterval, `Task "${taskId}": retry.maximumInterval`);
  if (maximumIntervalMs < initialIntervalMs) {
    throw new MycelError('PIPELINE_INVALID', `Task "${taskId}": retry.maximumInterval (${maximumIntervalMs} ms) is shorter than retry.initialInterval (${initialIntervalMs} ms).`);
  }
  return { maximumAttempts: attempts, initialIntervalMs, backoffCoefficient: backoff, maximumIntervalMs, nonRetryable: [...nonRetryable] };
}

/**
 * Declares a task. `dependsOn` lists the tasks whose outputs it reads: pass the task
 * objects to get `ctx.parents` typed without casts, or ids (typed as JSON). The function
 * returns a JSON-safe value (checked at run time too), which becomes the task's output.
 *
 * @example
 * const fetch = task({ id: 'fetch' }, async () => ({ items: [1, 2, 3] }));
 * const sum = task({ id: 'sum', dependsOn: [fetch] }, (ctx) => ctx.parents.fetch.items.reduce((a, b) => a + b, 0));
 */
export function task<const Id extends string, const Deps extends readonly Dependency[] = [], R extends JsonValue | void = JsonValue | void, RunIfSkipped extends boolean = false>(
  options: TaskOptions<Id, Deps, RunIfSkipped>,
  run: (ctx: TaskContext<ParentsOf<Deps, RunIfSkipped>>) => R | Promise<R>,
): Task<Id, R> {
  if (!options || typeof options !== 'object') throw new MycelError('PIPELINE_INVALID', 'task() needs an options object: task({ id }, fn).');
  const id = checkId('task', options.id) as Id;
  if (typeof run !== 'function') throw new MycelError('PIPELINE_INVALID', `Task "${id}" has no function.`, 'declare it as task({ id }, async (ctx) => result)');
  if (options.when !== undefined && typeof options.when !== 'function') {
    throw new MycelError('PIPELINE_INVALID', `Task "${id}": when must be a function of the context that returns true or false.`);
  }
  const deps = (options.dependsOn ?? []) as readonly Dependency[];
  if (!Array.isArray(deps)) throw new MycelError('PIPELINE_INVALID', `Task "${id}": dependsOn must be a list of tasks or task ids.`);
  const dependsOn = deps.map((d) => {
    if (typeof d === 'string') return d;
    if (d && typeof d === 'object' && (d as { kind?: unknown }).kind === TASK_BRAND) return d.id;
    throw new MycelError('PIPELINE_INVALID', `Task "${id}": dependsOn holds ${JSON.stringify(d)}, which is neither a task nor a task id.`);
  });
  return Object.freeze({
    kind: TASK_BRAND,
    id,
    dependsOn,
    retry: retrySpec(id, options.retry),
    timeoutMs: options.timeout === undefined ? DEFAULT_TASK_TIMEOUT_MS : durationMs(options.timeout, `Task "${id}": timeout`),
    runIfParentSkipped: options.runIfParentSkipped === true,
    when: options.when as Task['when'],
    run: run as unknown as Task<Id, R>['run'],
  });
}

/** A declared pipeline: its spec (validated), and its tasks' functions. */
export interface Pipeline {
  readonly kind: 'mycel.pipeline';
  readonly id: string;
  readonly version: PipelineVersion;
  readonly description: string | undefined;
  readonly spec: PipelineSpec;
  readonly tasks: ReadonlyMap<string, AnyTask>;
}

export interface PipelineOptions {
  /** Unique among pipelines: letters, digits, `_`, `.`, `-`. */
  id: string;
  /**
   * A whole number from 1 or a non-empty text (`'2026-06-01'`); text that is a whole number is
   * that number. Change it whenever tasks, dependencies or policies change.
   */
  version: number | string;
  tasks: readonly AnyTask[];
  /** Most tasks of one run running at once (default MYCEL_PIPELINE_PARALLELISM, 100). */
  parallelism?: number;
  description?: string;
}

function taskSpec(t: AnyTask): TaskSpec {
  return {
    id: t.id,
    dependsOn: [...t.dependsOn],
    retry: { ...t.retry, nonRetryable: [...t.retry.nonRetryable] },
    timeoutMs: t.timeoutMs,
    conditional: t.when !== undefined,
    runIfParentSkipped: t.runIfParentSkipped,
  };
}

/**
 * Declares a pipeline. Throws a MycelError at once for a duplicate task id, a dependency
 * that is not one of `tasks`, a cycle (named: "a → b → c → a") or a graph over the limits.
 *
 * @example
 * export default pipeline({ id: 'numbers', version: 1, tasks: [fetch, sum] });
 */
export function pipeline(options: PipelineOptions): Pipeline {
  if (!options || typeof options !== 'object') throw new MycelError('PIPELINE_INVALID', 'pipeline() needs an options object: pipeline({ id, version, tasks }).');
  const id = checkId('pipeline', options.id);
  const list = Array.isArray(options.tasks) ? options.tasks : [];
  for (const t of list) {
    if (!t || (t as { kind?: unknown }).kind !== TASK_BRAND) {
      throw new MycelError('PIPELINE_INVALID', `Pipeline "${id}": tasks holds something that is not a task.`, 'declare each with task({ id, … }, fn)');
    }
  }
  const spec = validateSpec({ id, version: options.version, parallelism: options.parallelism, tasks: list.map(taskSpec) });
  if (options.description !== undefined && typeof options.description !== 'string') {
    throw new MycelError('PIPELINE_INVALID', `Pipeline "${id}": description must be text.`);
  }
  return Object.freeze({
    kind: PIPELINE_BRAND,
    id,
    version: spec.version,
    description: options.description,
    spec,
    tasks: new Map(list.map((t) => [t.id, t])),
  });
}

/** Whether a value is a pipeline declared with `pipeline()` (checked by brand, so copies loaded twice match). */
export function isPipeline(value: unknown): value is Pipeline {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === PIPELINE_BRAND;
}
