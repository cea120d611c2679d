import { randomBytes } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MycelError, formatError } from '../shared/errors.js';
import { isJsonObject, jsonBytes, jsonProblem, type JsonObject } from './json.js';
import {
  MAX_RUN_INPUT_BYTES,
  PIPELINE_RUN_FAILED,
  pipelineRunId,
  type PipelineProgress,
  type PipelineRunInput,
  type PipelineRunResult,
  type RunTrigger,
} from './run-types.js';
import type { PipelineVersion } from './version.js';
import { pipelineProgressQuery, WORKFLOW_TYPES } from '../workflows/definitions.js';

/**
 * Starting, following and scheduling pipeline runs: what the CLI, the HTTP API, the chat
 * tool and the schedules share.
 */

/** Overlap policy of a pipeline schedule: a firing while the previous run still runs is skipped. */
export const SCHEDULE_OVERLAP = ScheduleOverlapPolicy.SKIP;
/** After an outage, firings missed within this window still run (one, as overlaps are skipped); older ones are dropped. */
export const SCHEDULE_CATCHUP_WINDOW_MS = 5 * 60_000;

/** Validates a run input: a JSON object, at most MAX_RUN_INPUT_BYTES. */
export function checkRunInput(value: unknown): JsonObject {
  if (!isJsonObject(value)) {
    throw new MycelError('PIPELINE_INPUT_INVALID', 'The run input must be a JSON object.', 'for example --input \'{"chatId":"me"}\'');
  }
  const problem = jsonProblem(value);
  if (problem) throw new MycelError('PIPELINE_INPUT_INVALID', `The run input is not JSON-safe: ${problem}.`);
  const bytes = jsonBytes(value);
  if (bytes > MAX_RUN_INPUT_BYTES) {
    throw new MycelError('PIPELINE_INPUT_INVALID', `The run input is ${bytes} bytes; the largest is ${MAX_RUN_INPUT_BYTES} (MAX_RUN_INPUT_BYTES).`, 'pass a reference (a file path, an id) instead of the data');
  }
  return value;
}

/** Parses `--input` text into a run input. */
export function parseRunInput(text: string | undefined): JsonObject {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new MycelError('PIPELINE_INPUT_INVALID', `The run input is not valid JSON: ${formatError(err)}.`, 'quote it for the shell: --input \'{"key":"value"}\'');
  }
  return checkRunInput(value);
}

/** A sortable, unique key for a run started now: `20261123T120000Z-1a2b3c`. */
export function newRunKey(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

export interface StartRunOptions {
  pipelineId: string;
  version: PipelineVersion;
  shape?: string | undefined;
  input: JsonObject;
  trigger: RunTrigger;
  taskQueue: string;
  /** Idempotency key of the run (default: a new one). The same key starts the run once. */
  key?: string | undefined;
}

/** Starts a run (or finds the one already started under the same key). */
export async function startPipelineRun(client: Client, options: StartRunOptions): Promise<{ runId: string; handle: WorkflowHandle }> {
  const runId = pipelineRunId(options.pipelineId, options.version, options.key ?? newRunKey());
  const args: PipelineRunInput = { pipelineId: options.pipelineId, version: options.version, shape: options.shape, input: checkRunInput(options.input), trigger: options.trigger };
  try {
    const handle = await client.workflow.start(WORKFLOW_TYPES.pipeline, { workflowId: runId, taskQueue: options.taskQueue, args: [args] });
    return { runId, handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { runId, handle: client.workflow.getHandle(runId) };
    throw err;
  }
}

/** A run's result, failed or not (a failed run's workflow error carries the result in its details). */
export async function runResult(handle: WorkflowHandle): Promise<PipelineRunResult> {
  try {
    return (await handle.result()) as PipelineRunResult;
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure && err.cause.type === PIPELINE_RUN_FAILED) {
      return err.cause.details?.[0] as PipelineRunResult;
    }
    if (err instanceof WorkflowFailedError) {
      return {
        runId: handle.workflowId,
        pipelineId: '',
        version: 0,
        status: 'failed',
        outputs: {},
        error: err.cause?.message ?? err.message,
        tasks: {},
      };
    }
    throw err;
  }
}

/** The live progress of a run (undefined while the workflow has not answered yet). */
export async function runProgress(handle: WorkflowHandle): Promise<PipelineProgress | undefined> {
  try {
    return await handle.query(pipelineProgressQuery);
  } catch {
    return undefined;
  }
}

export function scheduleIdOf(pipelineId: string): string {
  return `pipeline-schedule-${pipelineId}`;
}

export interface PipelineSchedule {
  scheduleId: string;
  pipelineId: string;
  version: PipelineVersion | undefined;
  cron: string[];
  timeZone: string | undefined;
  paused: boolean;
  nextRunAt: string | undefined;
  recentRuns: string[];
}

/**
 * Creates or replaces the schedule of a pipeline: Temporal Schedules fire the run on the
 * cron expression, with overlaps skipped and a catch-up window of SCHEDULE_CATCHUP_WINDOW_MS.
 * The version is pinned when scheduling; schedule again to move to a newer version.
 */
export async function schedulePipeline(
  client: Client,
  options: { pipelineId: string; version: PipelineVersion; shape?: string | undefined; cron: string; timeZone?: string | undefined; input: JsonObject; taskQueue: string },
): Promise<PipelineSchedule> {
  const scheduleId = scheduleIdOf(options.pipelineId);
  const args: PipelineRunInput = { pipelineId: options.pipelineId, version: options.version, shape: options.shape, input: checkRunInput(options.input), trigger: 'schedule' };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: WORKFLOW_TYPES.pipeline,
    // Temporal appends the firing time, so each run has its own id that still carries the version.
    workflowId: pipelineRunId(options.pipelineId, options.version, 'scheduled'),
    taskQueue: options.taskQueue,
    args: [args],
  };
  const spec = { cronExpressions: [options.cron], timezone: options.timeZone };
  const policies = { overlap: SCHEDULE_OVERLAP, catchupWindow: SCHEDULE_CATCHUP_WINDOW_MS };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies, memo: { pipelineId: options.pipelineId, version: options.version, cron: options.cron } });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw invalidCron(options.cron, err);
    // Replace it whole: the memo keeps the cron text as written (Temporal compiles it into calendars).
    await client.schedule.getHandle(scheduleId).delete();
    await client.schedule.create({ scheduleId, spec, action, policies, memo: { pipelineId: options.pipelineId, version: options.version, cron: options.cron } });
  }
  const found = await describeSchedule(client, options.pipelineId);
  if (!found) throw new MycelError('SCHEDULE_FAILED', `The schedule of "${options.pipelineId}" was not found after creating it.`);
  return found;
}

function invalidCron(cron: string, err: unknown): unknown {
  const text = formatError(err);
  if (/cron|spec|invalid/i.test(text)) {
    return new MycelError('SCHEDULE_INVALID', `The cron expression "${cron}" was refused: ${text}`, 'use five fields (minute hour day month weekday), e.g. "0 7 * * 1-5", or "@every 1h"');
  }
  return err;
}

/** Removes a pipeline's schedule; false when it had none. */
export async function unschedulePipeline(client: Client, pipelineId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(scheduleIdOf(pipelineId)).delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

export async function describeSchedule(client: Client, pipelineId: string): Promise<PipelineSchedule | undefined> {
  try {
    const d = await client.schedule.getHandle(scheduleIdOf(pipelineId)).describe();
    const action = d.action as { args?: unknown[] };
    const args = action.args?.[0] as PipelineRunInput | undefined;
    return {
      scheduleId: d.scheduleId,
      pipelineId,
      version: args?.version,
      cron: typeof d.memo?.cron === 'string' ? [d.memo.cron] : [],
      timeZone: d.spec.timezone,
      paused: d.state.paused,
      nextRunAt: d.info.nextActionTimes[0]?.toISOString(),
      recentRuns: d.info.recentActions.map((a) => a.action.workflow.workflowId),
    };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

/** Every pipeline schedule on the namespace. */
export async function listSchedules(client: Client): Promise<PipelineSchedule[]> {
  const out: PipelineSchedule[] = [];
  for await (const s of client.schedule.list()) {
    if (!s.scheduleId.startsWith('pipeline-schedule-')) continue;
    const found = await describeSchedule(client, s.scheduleId.slice('pipeline-schedule-'.length));
    if (found) out.push(found);
  }
  return out;
}
