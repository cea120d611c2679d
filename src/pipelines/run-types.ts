/**
 * What travels between the pipeline workflow, its activities and the clients that start
 * runs. Workflow-safe (types and constants only).
 */
import type { PipelineSpec, TaskStatus } from './dag.js';
import type { JsonObject, JsonValue } from './json.js';
import type { PipelineVersion } from './version.js';

/** Outputs up to this size travel inline through the workflow; larger ones are passed by reference. */
export const MAX_INLINE_OUTPUT_BYTES = 8 * 1024;
/** Inline bytes (run input + parents' outputs) one task's activity receives; beyond, it reads them from the database. */
export const MAX_INLINE_TASK_INPUT_BYTES = 16 * 1024;
/** Inline bytes of outputs in a run's result; beyond, the rest are references. */
export const MAX_INLINE_RESULT_BYTES = 256 * 1024;
/** Largest output one task may return (stored in the database); larger is refused. */
export const MAX_TASK_OUTPUT_BYTES = 1024 * 1024;
/** Largest run input. */
export const MAX_RUN_INPUT_BYTES = 64 * 1024;

/** A task output that lives in the run history (`pipeline_task_runs.output`), not in the workflow. */
export interface OutputRef {
  $ref: 'mycel:pipeline-output';
  runId: string;
  taskId: string;
  bytes: number;
}

export function isOutputRef(value: unknown): value is OutputRef {
  return typeof value === 'object' && value !== null && (value as { $ref?: unknown }).$ref === 'mycel:pipeline-output';
}

/** Who started a run. */
export type RunTrigger = 'cli' | 'api' | 'chat' | 'schedule' | 'test' | 'bench' | 'mcp';

/** The pipeline workflow's input. The workflow id carries the version: `pipeline-<id>-v<version>-<key>`. */
export interface PipelineRunInput {
  pipelineId: string;
  version: PipelineVersion;
  /** Shape the starter saw; the worker refuses to run another shape under this version. */
  shape?: string | undefined;
  input: JsonObject;
  trigger: RunTrigger;
}

/** What the begin activity answers: the spec the run follows, recorded once in history. */
export interface BeginRunResult {
  spec: PipelineSpec;
  parallelism: number;
}

/** A parent as a task's activity receives it: its output inline, or a note to read it from the database. */
export type ParentInput = { id: string; output: JsonValue } | { id: string; stored: true };

export interface TaskActivityInput {
  runId: string;
  pipelineId: string;
  version: PipelineVersion;
  taskId: string;
  /** The run input, or null when it is read from the run's row. */
  input: JsonObject | null;
  /** Parents that succeeded, in `dependsOn` order (skipped parents are absent). */
  parents: ParentInput[];
}

export type TaskActivityResult =
  | { status: 'succeeded'; attempt: number; output: JsonValue | OutputRef; bytes: number }
  | { status: 'skipped'; attempt: number; reason: string };

/** Details attached to a task's failure, so the workflow knows the attempt count. */
export interface TaskFailureDetails {
  taskId: string;
  attempt: number;
}

export interface TaskSummary {
  status: TaskStatus;
  attempts: number;
  error?: string | undefined;
  reason?: string | undefined;
}

/** A run's result (also the details of a failed run's error). */
export interface PipelineRunResult {
  runId: string;
  pipelineId: string;
  version: PipelineVersion;
  status: 'succeeded' | 'failed';
  /** Outputs of the tasks that succeeded, by task id (large ones as references). */
  outputs: Record<string, JsonValue | OutputRef>;
  failedTask?: string | undefined;
  error?: string | undefined;
  tasks: Record<string, TaskSummary>;
}

/** Live state of a run, answered by the workflow's `progress` query. */
export interface PipelineProgress {
  status: 'starting' | 'running' | 'succeeded' | 'failed';
  tasks: Array<{ id: string } & TaskSummary>;
}

/** Error type of a failed run (the workflow fails with it; details[0] is the PipelineRunResult). */
export const PIPELINE_RUN_FAILED = 'PipelineRunFailed';
/** Error type of a value that is not JSON-safe. */
export const PIPELINE_NOT_JSON = 'PipelineValueNotJson';
/** Error type of a pipeline version that is not loaded on the worker, or whose shape differs. */
export const PIPELINE_NOT_LOADED = 'PipelineNotLoaded';

/** The workflow id of a run: the version is part of the run's identity. */
export function pipelineRunId(pipelineId: string, version: PipelineVersion, key: string): string {
  return `pipeline-${pipelineId}-v${version}-${key}`;
}
