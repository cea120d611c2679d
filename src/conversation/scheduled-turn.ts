/**
 * Workflow-safe (no imports): shared by the conversation workflow, its activities and the
 * scheduled promises that run turns.
 */

/** How a scheduled promise's occurrence marks the turn it runs. */
export interface ScheduledTurn {
  kind: 'scheduled';
  promiseId: string;
  /** The promise's delivery record this turn completes (with the turn record). */
  deliveryKey?: string;
  dueAt?: string;
  lateMs?: number;
  note?: string;
}
