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

/** Transcript kind of a scheduled promise's result (**contract**). */
export const SCHEDULED_KIND = 'scheduled';
/** Prefix of the turn key of a scheduled occurrence (an approval's call id starts with it too). */
export const SCHEDULED_TURN_PREFIX = 'scheduled:';
