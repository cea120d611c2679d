/**
 * What the doctor's validation workflow, its activities and the `mycel doctor` command
 * share. Workflow-safe: constants and types only.
 */

/** The five stages of the validation workflow, in the order they run. */
export const DOCTOR_STAGES = ['connection', 'workflow execution', 'activity execution', 'state persistence', 'error handling'] as const;
export type DoctorStageName = (typeof DOCTOR_STAGES)[number];

export interface DoctorStageResult {
  stage: DoctorStageName;
  status: 'pending' | 'running' | 'passed' | 'failed';
  /** Duration as seen by the workflow (its clock advances with each workflow task). */
  ms?: number;
  detail?: string;
  error?: string;
}

export interface DoctorWorkflowInput {
  /** A random value the stages must carry through unchanged. */
  nonce: string;
  /** Length of the durable timer of the workflow-execution stage. */
  timerMs: number;
}

/** The attempt on which the error-handling probe succeeds (it fails on every earlier one). */
export const DOCTOR_FLAKY_SUCCESS_ATTEMPT = 3;
/** Backoff of the error-handling probe: 100 ms, then 200 ms. */
export const DOCTOR_RETRY_INITIAL_MS = 100;
export const DOCTOR_RETRY_BACKOFF = 2;
/** The durable timer of the workflow-execution stage. */
export const DOCTOR_TIMER_MS = 100;
