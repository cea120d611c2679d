import { ApplicationFailure, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { createDoctorActivities } from '../activities/doctor.js';
import {
  DOCTOR_FLAKY_SUCCESS_ATTEMPT,
  DOCTOR_RETRY_BACKOFF,
  DOCTOR_RETRY_INITIAL_MS,
  DOCTOR_STAGES,
  type DoctorStageName,
  type DoctorStageResult,
  type DoctorWorkflowInput,
} from '../shared/doctor.js';
import { currentStageQuery, stageResultsQuery } from './definitions.js';


type DoctorActivities = ReturnType<typeof createDoctorActivities>;

const probes = proxyActivities<DoctorActivities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '20 seconds',
  retry: { initialInterval: '200 ms', maximumAttempts: 3 },
});

const flaky = proxyActivities<DoctorActivities>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: DOCTOR_RETRY_INITIAL_MS,
    backoffCoefficient: DOCTOR_RETRY_BACKOFF,
    maximumInterval: '1 second',
    maximumAttempts: DOCTOR_FLAKY_SUCCESS_ATTEMPT + 2,
  },
});

function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}

/**
 * The validation workflow of `mycel doctor`: five stages that exercise, in order, the path
 * from client to worker, workflow code and durable timers, activities, the Mycel database
 * as seen by the worker, and activity retries with exponential backoff. A failing stage is
 * recorded and the next one still runs, so one run reports everything it can.
 */
export async function doctorWorkflow(input: DoctorWorkflowInput): Promise<DoctorStageResult[]> {
  const results: DoctorStageResult[] = DOCTOR_STAGES.map((stage) => ({ stage, status: 'pending' }));
  let current: DoctorStageName | 'done' = 'connection';
  setHandler(currentStageQuery, () => current);
  setHandler(stageResultsQuery, () => results);

  async function stage(index: number, run: () => Promise<string>): Promise<void> {
    const result = results[index]!;
    current = result.stage;
    result.status = 'running';
    const started = Date.now();
    try {
      result.detail = await run();
      result.status = 'passed';
    } catch (err) {
      result.status = 'failed';
      result.error = messageOf(err);
    }
    result.ms = Date.now() - started;
  }

  const info = workflowInfo();

  await stage(0, async () => {
    if (!input.nonce) throw ApplicationFailure.nonRetryable('the workflow input did not arrive intact');
    const pickedUpMs = Math.max(0, Date.now() - info.startTime.getTime());
    return `a worker on "${info.taskQueue}" (namespace ${info.namespace}) ran the first workflow task ${pickedUpMs} ms after start`;
  });

  await stage(1, async () => {
    const before = Date.now();
    await sleep(input.timerMs);
    const waited = Date.now() - before;
    if (waited < input.timerMs) throw ApplicationFailure.nonRetryable(`the ${input.timerMs} ms timer fired after only ${waited} ms`);
    return `durable timer of ${input.timerMs} ms fired after ${waited} ms`;
  });

  await stage(2, async () => {
    const echo = await probes.doctorEcho({ nonce: input.nonce });
    if (echo.nonce !== input.nonce) throw ApplicationFailure.nonRetryable('the activity returned a different value than it was given');
    return `activity ran on ${echo.host} (pid ${echo.pid}) and returned its input intact`;
  });

  await stage(3, async () => {
    const persisted = await probes.doctorPersist({ key: `doctor:${info.workflowId}`, value: input.nonce });
    if (persisted.readBack !== input.nonce) throw ApplicationFailure.nonRetryable('the value read back differs from the value written');
    return `wrote, read back and removed a probe row in the Mycel database (${persisted.database})`;
  });

  await stage(4, async () => {
    const outcome = await flaky.doctorFlaky();
    if (outcome.attempt !== DOCTOR_FLAKY_SUCCESS_ATTEMPT) {
      throw ApplicationFailure.nonRetryable(`expected success on attempt ${DOCTOR_FLAKY_SUCCESS_ATTEMPT}, got attempt ${outcome.attempt}`);
    }
    const waits = Array.from({ length: DOCTOR_FLAKY_SUCCESS_ATTEMPT - 1 }, (_, i) => `${DOCTOR_RETRY_INITIAL_MS * DOCTOR_RETRY_BACKOFF ** i} ms`);
    return `failed on attempts 1 and 2, succeeded on attempt ${outcome.attempt} after exponential backoff (${waits.join(', ')})`;
  });

  current = 'done';
  return results;
}
