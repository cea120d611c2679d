import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { ActivityDeps } from '../deps/activity-deps.js';
import type { WorkerDeps } from './worker-deps.js';
import type { TaskContext } from '../pipelines/api.js';
import { attemptLimit } from '../pipelines/attempt-limit.js';
import type { TaskStatus } from '../pipelines/dag.js';
import { isJsonObject, jsonBytes, jsonProblem, type JsonObject, type JsonValue } from '../pipelines/json.js';
import {
  MAX_INLINE_OUTPUT_BYTES,
  MAX_TASK_OUTPUT_BYTES,
  PIPELINE_NOT_JSON,
  PIPELINE_NOT_LOADED,
  type BeginRunResult,
  type PipelineRunInput,
  type TaskActivityInput,
  type TaskActivityResult,
  type TaskFailureDetails,
} from '../pipelines/run-types.js';
import { beginRun, finishRun, loadOutputs, loadRunInput, recordTaskAttempt, settleTasks } from '../pipelines/store.js';
import { appendMessage } from '../conversation/transcript.js';
import { formatError } from '../shared/errors.js';

/** Longest error text kept for a failed task. */
export const MAX_TASK_ERROR_CHARS = 2_000;

function clip(text: string): string {
  return text.length > MAX_TASK_ERROR_CHARS ? `${text.slice(0, MAX_TASK_ERROR_CHARS)}…` : text;
}

/**
 * Activities of the pipeline workflow. `runPipelineTask` is the one generic task activity:
 * it finds the task in the worker's registry by pipeline id, version and task id, builds
 * the task's context, evaluates `when`, runs the function, checks that the output is
 * JSON, records the attempt in the run history and returns the output (or a reference).
 */
export function createPipelineActivities(deps: ActivityDeps & Pick<WorkerDeps, 'pipelines'>) {
  const runtime = () => deps.pipelines;

  /** Records a run that cannot begin as failed, and fails it without retrying. */
  async function refuse(runId: string, run: PipelineRunInput & { startedAt: string }, message: string, type = PIPELINE_NOT_LOADED): Promise<never> {
    await beginRun(deps.store, { runId, pipelineId: run.pipelineId, version: run.version, trigger: run.trigger, input: run.input, startedAt: run.startedAt });
    await finishRun(deps.store, runId, { status: 'failed', outputs: {}, error: message, finishedAt: new Date().toISOString() });
    throw ApplicationFailure.create({ type, message, nonRetryable: true });
  }

  return {
    /** Records the run's start and answers the spec it follows (from this worker's registry). */
    async beginPipelineRun(run: PipelineRunInput & { runId: string; startedAt: string }): Promise<BeginRunResult> {
      const rt = runtime();
      // The input is checked again here: a run may be started by any Temporal client.
      const inputProblem = isJsonObject(run.input) ? jsonProblem(run.input) : 'the run input is not a JSON object';
      if (inputProblem) return refuse(run.runId, { ...run, input: {} }, `pipeline "${run.pipelineId}": the run input is refused: ${inputProblem}`, 'PipelineInputInvalid');
      const entry = await rt.find(run.pipelineId, run.version);
      if (!entry) {
        const known = rt.registry.list().filter((e) => e.pipeline.id === run.pipelineId).map((e) => e.pipeline.version);
        return refuse(
          run.runId,
          run,
          `pipeline "${run.pipelineId}" version ${run.version} is not loaded on this worker${known.length ? ` (loaded versions: ${known.join(', ')})` : ''}; keep its definition in ${deps.config.pipelinesPath} until its runs finish`,
        );
      }
      if (run.shape && run.shape !== entry.shape) {
        return refuse(run.runId, run, `pipeline "${run.pipelineId}" version ${run.version} on this worker has another shape than the one the run was started for; raise the version when the tasks change`);
      }
      await beginRun(deps.store, { runId: run.runId, pipelineId: run.pipelineId, version: run.version, trigger: run.trigger, input: run.input, startedAt: run.startedAt });
      return { spec: entry.pipeline.spec, parallelism: rt.parallelism };
    },

    /** Runs one task of one run (the generic task activity). */
    async runPipelineTask(input: TaskActivityInput): Promise<TaskActivityResult> {
      const activity = Context.current();
      const attempt = activity.info.attempt;
      const startedAt = new Date();
      const log = deps.logger.child({ runId: input.runId, pipelineId: input.pipelineId, taskId: input.taskId, attempt });
      const entry = await runtime().find(input.pipelineId, input.version);
      const def = entry?.pipeline.tasks.get(input.taskId);
      if (!entry || !def) {
        throw ApplicationFailure.create({
          type: PIPELINE_NOT_LOADED,
          nonRetryable: true,
          message: `task "${input.taskId}" of pipeline "${input.pipelineId}" version ${input.version} is not loaded on this worker`,
          details: [{ taskId: input.taskId, attempt } satisfies TaskFailureDetails],
        });
      }

      const record = (status: TaskStatus & ('succeeded' | 'failed' | 'skipped'), extra: { error?: string; output?: string; bytes?: number } = {}) => {
        const finished = new Date();
        return recordTaskAttempt(deps.store, {
          run_id: input.runId,
          task_id: input.taskId,
          status,
          attempts: attempt,
          started_at: startedAt.toISOString(),
          finished_at: finished.toISOString(),
          duration_ms: finished.getTime() - startedAt.getTime(),
          error: extra.error ?? null,
          output: extra.output ?? null,
          output_bytes: extra.bytes ?? null,
        });
      };

      const limit = attemptLimit(activity.cancellationSignal, activity.info.startToCloseTimeoutMs);
      try {
        const stored = input.parents.filter((p) => 'stored' in p).map((p) => p.id);
        const fromDb = await loadOutputs(deps.store, input.runId, stored);
        const runInput = (input.input ?? (await loadRunInput(deps.store, input.runId)) ?? {}) as JsonObject;
        const parents: Record<string, JsonValue> = {};
        const context: JsonObject = { ...runInput };
        for (const p of input.parents) {
          const value = ('output' in p ? p.output : fromDb.get(p.id)) as JsonValue;
          parents[p.id] = value;
          // The merge rule: parents overlay the input in dependsOn order; a later parent wins a shared key.
          if (isJsonObject(value)) Object.assign(context, value);
        }
        let sent = 0;
        const ctx: TaskContext<never> = {
          input: runInput,
          parents: parents as never,
          context,
          pipeline: { id: input.pipelineId, version: input.version },
          runId: input.runId,
          taskId: input.taskId,
          attempt,
          signal: limit.signal,
          log: (message) => log.info(message),
          notify: async (chat, text) => {
            sent += 1;
            const key = `pipeline:${input.runId}:${input.taskId}:${sent}`;
            await appendMessage(deps.store, { channel: chat.channel, chatId: chat.chatId, role: 'assistant', text, kind: 'pipeline', key });
            await deps.outbound.send({ channel: chat.channel, chatId: chat.chatId, text, key });
          },
        };

        if (def.when && !(await def.when(ctx))) {
          const reason = 'its condition (when) was false';
          await record('skipped', { error: reason });
          return { status: 'skipped', attempt, reason };
        }
        const raw = await limit.race(def.run(ctx));
        const output = (raw === undefined ? null : raw) as JsonValue;
        const problem = jsonProblem(output);
        if (problem) {
          throw ApplicationFailure.create({
            type: PIPELINE_NOT_JSON,
            nonRetryable: true,
            message: `task "${input.taskId}" returned a value that is not JSON-safe: ${problem}`,
          });
        }
        const bytes = jsonBytes(output);
        if (bytes > MAX_TASK_OUTPUT_BYTES) {
          throw ApplicationFailure.create({
            type: 'PipelineOutputTooLarge',
            nonRetryable: true,
            message: `task "${input.taskId}" returned ${bytes} bytes; the largest output is ${MAX_TASK_OUTPUT_BYTES} bytes (MAX_TASK_OUTPUT_BYTES)`,
          });
        }
        await record('succeeded', { output: JSON.stringify(output), bytes });
        deps.metrics.pipelineTasks.inc({ status: 'succeeded' });
        return {
          status: 'succeeded',
          attempt,
          bytes,
          output: bytes <= MAX_INLINE_OUTPUT_BYTES ? output : { $ref: 'mycel:pipeline-output', runId: input.runId, taskId: input.taskId, bytes },
        };
      } catch (err) {
        if (err instanceof CancelledFailure) throw err;
        const message = clip(formatError(err));
        await record('failed', { error: message }).catch((e) => log.warn(`could not record the failed attempt: ${formatError(e)}`));
        deps.metrics.pipelineTasks.inc({ status: 'failed' });
        log.warn(`task attempt ${attempt} failed: ${message}`);
        if (err instanceof ApplicationFailure) {
          throw ApplicationFailure.create({
            type: err.type ?? 'Error',
            message: err.message,
            nonRetryable: err.nonRetryable ?? false,
            details: [{ taskId: input.taskId, attempt } satisfies TaskFailureDetails],
          });
        }
        // The error's name is its type, so `retry.nonRetryable: ['ValidationError']` matches it.
        throw ApplicationFailure.create({
          type: err instanceof Error ? err.name || 'Error' : 'Error',
          message,
          details: [{ taskId: input.taskId, attempt } satisfies TaskFailureDetails],
        });
      } finally {
        limit.dispose();
      }
    },

    /** Does nothing but answer when it ran: the bare activity the pipelines bench compares a task with. */
    async pipelineBaselineNoop(): Promise<number> {
      return Date.now();
    },

    /** Records the run's end and the final status of every task. */
    async finishPipelineRun(result: {
      runId: string;
      status: 'succeeded' | 'failed';
      outputs: unknown;
      failedTask?: string | undefined;
      error?: string | undefined;
      tasks: Array<{ taskId: string; status: TaskStatus; attempts: number; error?: string | undefined }>;
      finishedAt: string;
    }): Promise<void> {
      await settleTasks(deps.store, result.runId, result.tasks);
      await finishRun(deps.store, result.runId, result);
      deps.metrics.pipelineRuns.inc({ status: result.status });
    },
  };
}
