/**
 * The inputs and result of the promise workflows (src/workflows/promise.ts), workflow-safe
 * (no imports): the service that starts them uses these without importing workflow code.
 */

export interface PromiseWorkflowInput {
  promiseId: string;
  /** ISO time the promise is due (the row may move it later: snooze). */
  dueAt: string;
  /** `scheduled`: the promise's text runs as a turn of its chat (absent for a reminder). */
  kind?: 'scheduled';
}

export interface RecurringPromiseWorkflowInput {
  promiseId: string;
  kind?: 'scheduled';
}

export type PromiseWorkflowState = 'waiting' | 'delivering' | 'delivered' | 'cancelled';

/** The signature of `promiseWorkflow`, for starting it by type. */
export type PromiseWorkflowFn = (input: PromiseWorkflowInput) => Promise<PromiseWorkflowState>;
/** The signature of `recurringPromiseWorkflow`, for a schedule's action. */
export type RecurringPromiseWorkflowFn = (input: RecurringPromiseWorkflowInput) => Promise<PromiseWorkflowState>;
