import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  condition,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { createPipelineActivities } from '../activities/pipelines.js';
import { pipelineProgressQuery } from './definitions.js';
import { DagState, type TaskSpec } from '../pipelines/dag.js';
import { jsonBytes, type JsonValue } from '../pipelines/json.js';
import {
  MAX_INLINE_RESULT_BYTES,
  MAX_INLINE_TASK_INPUT_BYTES,
  PIPELINE_RUN_FAILED,
  type OutputRef,
  type ParentInput,
  type PipelineProgress,
  type PipelineRunInput,
  type PipelineRunResult,
  type TaskActivityResult,
  type TaskFailureDetails,
  type TaskSummary,
} from '../pipelines/run-types.js';

type PipelineActivities = ReturnType<typeof createPipelineActivities>;


const local = proxyLocalActivities<PipelineActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});

function taskActivities(t: TaskSpec): PipelineActivities {
  const options: ActivityOptions = {
    startToCloseTimeout: t.timeoutMs,
    summary: t.id,
    retry: {
      maximumAttempts: t.retry.maximumAttempts,
      initialInterval: t.retry.initialIntervalMs,
      backoffCoefficient: t.retry.backoffCoefficient,
      maximumInterval: t.retry.maximumIntervalMs,
      nonRetryableErrorTypes: t.retry.nonRetryable,
    },
  };
  return proxyActivities<PipelineActivities>(options);
}

/** A person-readable reason and the attempt count of a task's failure. */
function describeTaskFailure(t: TaskSpec, err: unknown): { error: string; attempts: number } {
  let attempts = t.retry.maximumAttempts;
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const details = cause.details?.[0] as TaskFailureDetails | undefined;
      if (details?.attempt) attempts = details.attempt;
      return { error: cause.message, attempts };
    }
    if (cause instanceof TimeoutFailure) {
      return { error: `timed out: an attempt ran longer than its timeout of ${t.timeoutMs} ms`, attempts };
    }
    return { error: cause?.message ?? err.message, attempts };
  }
  return { error: err instanceof Error ? err.message : String(err), attempts };
}

/**
 * The one generic pipeline workflow. It asks the worker for the pipeline's spec (recorded
 * once in history, so the run keeps the version it started with), then interprets the DAG:
 * every ready task starts at once as its own activity, bounded by the parallelism; a task
 * skipped by `when` skips its dependents (unless they opt in); a failed task fails its
 * dependents and, once the independent branches have finished, the run.
 */
export async function pipelineWorkflow(run: PipelineRunInput): Promise<PipelineRunResult> {
  const runId = workflowInfo().workflowId;
  let status: PipelineProgress['status'] = 'starting';
  let state: DagState | undefined;
  setHandler(pipelineProgressQuery, () => ({ status, tasks: state ? summaries(state) : [] }));

  const begun = await local.beginPipelineRun({ runId, ...run, startedAt: new Date().toISOString() });
  const dag = new DagState(begun.spec);
  state = dag;
  status = 'running';
  const limit = begun.spec.parallelism ?? begun.parallelism;
  const inputBytes = jsonBytes(run.input);
  const outputBytes = new Map<string, number>();

  const activityInput = (t: TaskSpec) => {
    let budget = MAX_INLINE_TASK_INPUT_BYTES;
    const input = inputBytes <= budget / 2 ? run.input : null;
    if (input) budget -= inputBytes;
    const parents: ParentInput[] = dag.parentOutputs(t.id).map(({ id, output }) => {
      const bytes = outputBytes.get(id) ?? Infinity;
      if (isRef(output) || bytes > budget) return { id, stored: true };
      budget -= bytes;
      return { id, output: output as JsonValue };
    });
    return { runId, pipelineId: run.pipelineId, version: run.version, taskId: t.id, input, parents };
  };

  const launch = (t: TaskSpec) => {
    dag.start(t.id);
    taskActivities(t)
      .runPipelineTask(activityInput(t))
      .then(
        (result: TaskActivityResult) => {
          if (result.status === 'skipped') return dag.skip(t.id, result.reason, result.attempt);
          outputBytes.set(t.id, result.bytes);
          dag.succeed(t.id, result.output, result.attempt);
        },
        (err: unknown) => {
          const { error, attempts } = describeTaskFailure(t, err);
          dag.fail(t.id, error, attempts);
        },
      );
  };

  try {
    while (!dag.done()) {
      const ready = dag.next(Math.max(0, limit - dag.running()));
      for (const t of ready) launch(t);
      if (dag.done()) break;
      if (ready.length === 0 && dag.running() === 0) throw ApplicationFailure.nonRetryable('pipeline scheduler found nothing to run but the run is not finished', 'PipelineSchedulerStuck');
      const seen = dag.changes;
      await condition(() => dag.changes !== seen);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled: record it, then let the cancellation end the run.
    await CancellationScope.nonCancellable(() =>
      local.finishPipelineRun({ runId, status: 'failed', outputs: {}, error: 'the run was cancelled', tasks: taskList(dag), finishedAt: new Date().toISOString() }),
    );
    throw err;
  }

  const failure = dag.firstFailure();
  const result: PipelineRunResult = {
    runId,
    pipelineId: run.pipelineId,
    version: run.version,
    status: failure ? 'failed' : 'succeeded',
    outputs: resultOutputs(dag, outputBytes, runId),
    ...(failure ? { failedTask: failure.taskId, error: failure.error } : {}),
    tasks: Object.fromEntries(summaries(dag).map(({ id, ...s }) => [id, s])),
  };
  await local.finishPipelineRun({
    runId,
    status: result.status,
    outputs: result.outputs,
    failedTask: result.failedTask,
    error: result.error,
    tasks: taskList(dag),
    finishedAt: new Date().toISOString(),
  });
  status = result.status;
  if (failure) {
    throw ApplicationFailure.create({
      type: PIPELINE_RUN_FAILED,
      message: `task "${failure.taskId}" failed: ${failure.error}`,
      nonRetryable: true,
      details: [result],
    });
  }
  return result;
}

function isRef(value: unknown): value is OutputRef {
  return typeof value === 'object' && value !== null && (value as { $ref?: unknown }).$ref === 'mycel:pipeline-output';
}

function summaries(dag: DagState): Array<{ id: string } & TaskSummary> {
  return dag.spec.tasks.map((t) => {
    const s = dag.state(t.id);
    return {
      id: t.id,
      status: s.status,
      attempts: s.attempts,
      ...(s.error ? { error: s.error } : {}),
      ...(s.reason ? { reason: s.reason } : {}),
    };
  });
}

function taskList(dag: DagState) {
  return summaries(dag).map((s) => ({ taskId: s.id, status: s.status, attempts: s.attempts, error: s.error ?? s.reason }));
}

/** Outputs of the succeeded tasks; past MAX_INLINE_RESULT_BYTES, references instead of values. */
function resultOutputs(dag: DagState, bytes: Map<string, number>, runId: string): Record<string, JsonValue | OutputRef> {
  const outputs: Record<string, JsonValue | OutputRef> = {};
  let budget = MAX_INLINE_RESULT_BYTES;
  for (const t of dag.spec.tasks) {
    const s = dag.state(t.id);
    if (s.status !== 'succeeded') continue;
    const size = bytes.get(t.id) ?? 0;
    if (isRef(s.output) || size > budget) {
      outputs[t.id] = isRef(s.output) ? s.output : { $ref: 'mycel:pipeline-output', runId, taskId: t.id, bytes: size };
    } else {
      budget -= size;
      outputs[t.id] = s.output as JsonValue;
    }
  }
  return outputs;
}
