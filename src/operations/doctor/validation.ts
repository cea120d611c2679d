import { randomBytes } from 'node:crypto';
import type { Client, QueryDefinition, WorkflowHandle } from '@temporalio/client';
import type { doctorWorkflow } from '../../workflows/doctor.js';
import { currentStageQuery, stageResultsQuery, WORKFLOW_TYPES } from '../../workflows/definitions.js';
import {
  DOCTOR_STAGES,
  DOCTOR_TIMER_MS,
  type DoctorStageName,
  type DoctorStageResult,
  type DoctorWorkflowInput,
} from '../../shared/doctor.js';
import { formatError } from '../../shared/errors.js';
import { skipped, type CheckResult } from './report.js';

/** How long the whole validation workflow may take before the doctor gives up on it. */
export const VALIDATION_TIMEOUT_MS = 30_000;
/** How often the doctor asks the workflow which stage it is in. */
export const STAGE_POLL_MS = 100;

/** What to do when a stage fails. */
export const STAGE_HINTS: Record<DoctorStageName, string> = {
  connection: 'the workflow was accepted but no worker ran it: check that `mycel worker` (or `mycel start`) runs on this task queue and namespace, and read its log',
  'workflow execution': 'workflow tasks or timers are not processed: look for workflow task failures (non-determinism after an upgrade?) in the worker log and in the Temporal UI',
  'activity execution': 'activities do not run: check the worker log, and that the worker runs the same Mycel version as this command',
  'state persistence': "the worker cannot write the Mycel database: check the worker's MYCEL_DATABASE_URL, disk space and privileges",
  'error handling': 'activity retries did not behave as configured: check the worker log and the Temporal server log',
};

function toCheck(result: DoctorStageResult): CheckResult {
  const passed = result.status === 'passed';
  return {
    group: 'validation',
    name: result.stage,
    status: passed ? 'pass' : 'fail',
    ms: result.ms ?? 0,
    detail: passed ? (result.detail ?? 'passed') : result.error ?? `stage ${result.status}`,
    ...(passed ? {} : { hint: STAGE_HINTS[result.stage] }),
  };
}

export interface ValidationRun {
  checks: CheckResult[];
  workflowId: string | undefined;
  runId: string | undefined;
}

/** Validation cannot run (Temporal unreachable, namespace missing, no worker): every stage says why. */
export function skippedValidation(reason: string): ValidationRun {
  return { checks: DOCTOR_STAGES.map((stage) => skipped('validation', stage, `skipped: ${reason}`)), workflowId: undefined, runId: undefined };
}

/** A query that gets no answer in this time counts as unanswered (a busy worker must not stall the doctor). */
export const QUERY_TIMEOUT_MS = 5_000;

/** How often the final `stageResults` query is asked before it counts as unanswered. */
export const FINAL_QUERY_ATTEMPTS = 3;

type QueryOutcome<T> = { value: T } | { error: string };

/**
 * Every query a validation run started. A query that got no answer in time goes on (the
 * client retries it on its own timers), and closing the connection under such a retry would
 * throw out of a timer and crash the process: runValidation waits for them before it returns.
 */
type InFlight = Set<Promise<unknown>>;

/** One query, bounded by QUERY_TIMEOUT_MS; says why when it gets no answer. */
async function queryOnce<T>(handle: WorkflowHandle, query: QueryDefinition<T>, inFlight?: InFlight): Promise<QueryOutcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const call = handle.query(query);
  inFlight?.add(call);
  try {
    return await Promise.race([
      call.then((value) => ({ value })),
      new Promise<QueryOutcome<T>>((resolve) => {
        timer = setTimeout(() => resolve({ error: `no answer within ${QUERY_TIMEOUT_MS / 1000} s` }), QUERY_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    return { error: formatError(err) };
  } finally {
    clearTimeout(timer);
  }
}

async function queryQuietly<T>(handle: WorkflowHandle, query: QueryDefinition<T>, inFlight?: InFlight): Promise<T | undefined> {
  const outcome = await queryOnce(handle, query, inFlight);
  return 'value' in outcome ? outcome.value : undefined;
}

/**
 * The final query reaches a closed workflow, which the worker replays from its history to
 * answer; on a busy machine one try can miss, so it is asked up to FINAL_QUERY_ATTEMPTS times.
 */
export async function queryFinal<T>(handle: WorkflowHandle, query: QueryDefinition<T>, inFlight?: InFlight): Promise<QueryOutcome<T>> {
  let outcome: QueryOutcome<T> = { error: 'not asked' };
  for (let attempt = 1; attempt <= FINAL_QUERY_ATTEMPTS; attempt++) {
    outcome = await queryOnce(handle, query, inFlight);
    if ('value' in outcome) return outcome;
  }
  return outcome;
}

/**
 * Runs the five-stage validation workflow on the task queue and reports each stage. While
 * it runs, the `currentStage` query is polled (and passed to `onStage`); at the end the
 * `stageResults` query must agree with the workflow's result, which proves queries work.
 */
export async function runValidation(
  client: Client,
  taskQueue: string,
  onStage?: (stage: DoctorStageName | 'done') => void,
): Promise<ValidationRun> {
  const workflowId = `mycel-doctor-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const input: DoctorWorkflowInput = { nonce: randomBytes(8).toString('hex'), timerMs: DOCTOR_TIMER_MS };
  const handle = await client.workflow.start<typeof doctorWorkflow>(WORKFLOW_TYPES.doctor, {
    taskQueue,
    workflowId,
    args: [input],
    workflowExecutionTimeout: VALIDATION_TIMEOUT_MS * 2,
  });
  const runId = handle.firstExecutionRunId;

  let seen: DoctorStageName | 'done' | undefined;
  let finished = false;
  const inFlight: InFlight = new Set();
  const watcher = (async () => {
    while (!finished) {
      const stage = await queryQuietly(handle, currentStageQuery, inFlight);
      if (stage && stage !== seen) {
        seen = stage;
        onStage?.(stage);
      }
      await new Promise((r) => setTimeout(r, STAGE_POLL_MS));
    }
  })();

  let timer: NodeJS.Timeout | undefined;
  try {
    const results = await Promise.race([
      handle.result() as Promise<DoctorStageResult[]>,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the validation workflow did not finish within ${VALIDATION_TIMEOUT_MS / 1000}s`)), VALIDATION_TIMEOUT_MS);
      }),
    ]);
    const queried = await queryFinal(handle, stageResultsQuery, inFlight);
    const checks = results.map(toCheck);
    if (!('value' in queried) || JSON.stringify(queried.value) !== JSON.stringify(results)) {
      checks.push({
        group: 'validation',
        name: 'queries',
        status: 'fail',
        ms: 0,
        detail:
          'value' in queried
            ? 'the stageResults query disagrees with the workflow result'
            : `the stageResults query did not answer in ${FINAL_QUERY_ATTEMPTS} tries (last: ${queried.error})`,
        hint: 'queries need a worker with this workflow loaded: check the worker log for query failures',
      });
    }
    return { checks, workflowId, runId };
  } catch (err) {
    // Timed out or failed: report what the workflow reached, then end it.
    const partial = (await queryQuietly(handle, stageResultsQuery, inFlight)) ?? DOCTOR_STAGES.map((stage) => ({ stage, status: 'pending' as const }));
    const reason = formatError(err);
    const checks = partial.map((r) =>
      r.status === 'passed' || r.status === 'failed'
        ? toCheck(r)
        : toCheck({ ...r, status: 'failed', error: r.status === 'running' ? `stuck in this stage: ${reason}` : `not reached: ${reason}` }),
    );
    await handle.terminate('mycel doctor gave up on this validation run').catch(() => undefined);
    return { checks, workflowId, runId };
  } finally {
    finished = true;
    clearTimeout(timer);
    // Every query must be over before the caller closes the connection (see InFlight).
    await watcher;
    await Promise.allSettled([...inFlight]);
  }
}
