import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { condition, patched, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createPromiseActivities } from '../activities/promises.js';
import type { PromiseWorkflowInput, RecurringPromiseWorkflowInput } from '../promises/workflow-types.js';
import { cancelPromiseSignal, promiseStateQuery, snoozePromiseSignal, type PromiseWorkflowState } from './definitions.js';

/**
 * Promise workflows. A one-off promise is one `promiseWorkflow` (id `promise-<chatId>-<id>`)
 * that sleeps on a durable timer until its due time and then runs the delivery activity.
 * A recurring promise is a Temporal Schedule of the same id that starts one
 * `recurringPromiseWorkflow` per occurrence.
 *
 * The database row is the source of truth for cancel and snooze: the API writes it first,
 * then signals the workflow only to wake its timer early. A signal that is lost (no worker
 * running, say) changes nothing: the delivery activity reads the row and reports
 * "cancelled" or "not due yet, due at …", and the workflow obeys.
 */

export type { PromiseWorkflowInput, PromiseWorkflowState, RecurringPromiseWorkflowInput } from '../promises/workflow-types.js';


/** Search attribute the Schedule sets on each run: the occurrence's nominal time. */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * Delivery runs as a local activity: inside the workflow task that the timer wakes, with no
 * activity task of its own, which halves the work Temporal does per delivery. If the worker
 * dies mid-delivery, the workflow task times out (PROMISE_WORKFLOW_TASK_TIMEOUT) and the
 * next worker runs it again; the delivery is idempotent. Retries stay in the worker.
 */
const local = proxyLocalActivities<ReturnType<typeof createPromiseActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: ['PromiseMissingError'] },
});

/** Runs started before LOCAL_DELIVERY_PATCH deliver through a regular activity with a heartbeat. */
const remote = proxyActivities<ReturnType<typeof createPromiseActivities>>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '3 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: ['PromiseMissingError'] },
});

/** Patch id: deliveries moved from a regular to a local activity. */
export const LOCAL_DELIVERY_PATCH = 'promise-local-delivery';

/**
 * A scheduled promise's turn runs as a regular activity: it waits for the chat's
 * conversation workflow (which may call a model and tools), heartbeating, so a killed
 * worker's occurrence is retried on the next worker within seconds; the turn key makes the
 * retry find the turn instead of running it again.
 */
const work = proxyActivities<ReturnType<typeof createPromiseActivities>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: ['PromiseMissingError'] },
});

/** Patch id: promises that run their text as a turn of the chat (kind `scheduled`). */
export const SCHEDULED_WORK_PATCH = 'promise-scheduled-work';

function deliverPromise(promiseId: string, kind: PromiseWorkflowInput['kind']) {
  if (kind === 'scheduled' && patched(SCHEDULED_WORK_PATCH)) return work.runScheduledPromise(promiseId);
  return patched(LOCAL_DELIVERY_PATCH) ? local.deliverPromise(promiseId) : remote.deliverPromise(promiseId);
}

function deliverRecurringPromise(promiseId: string, occurrence: string, kind: RecurringPromiseWorkflowInput['kind']) {
  if (kind === 'scheduled' && patched(SCHEDULED_WORK_PATCH)) return work.runScheduledOccurrence(promiseId, occurrence);
  return patched(LOCAL_DELIVERY_PATCH) ? local.deliverRecurringPromise(promiseId, occurrence) : remote.deliverRecurringPromise(promiseId, occurrence);
}

/** How early the first timer of a promise wakes (at most half the wait), to aim the last stretch from a fresh clock. */
export const WAKE_EARLY_MS = 30_000;
/** Shorter waits use one timer. */
const MIN_SPLIT_MS = 400;

/** One reminder: sleep until due (moved by snooze, ended by cancel), then deliver once. */
export async function promiseWorkflow(input: PromiseWorkflowInput): Promise<PromiseWorkflowState> {
  let dueAt = input.dueAt;
  let state: PromiseWorkflowState = 'waiting';
  let cancelled = false;
  setHandler(cancelPromiseSignal, () => {
    if (state === 'waiting') cancelled = true;
  });
  setHandler(snoozePromiseSignal, (snooze) => {
    if (state === 'waiting' && !Number.isNaN(Date.parse(snooze.dueAt))) dueAt = snooze.dueAt;
  });
  setHandler(promiseStateQuery, () => ({ state, dueAt }));

  for (;;) {
    // Date.now() is the workflow clock: the start of the current workflow task. A timer runs
    // from when the task completes, so a slow task (the first one builds the workflow's
    // context) would make it fire late by that long. The first sleep therefore wakes early
    // (WAKE_EARLY_MS, or half the wait), and the second one aims at the due time from a fresh
    // clock. Waking well before due keeps those extra tasks out of a burst of due reminders.
    let aimed = false;
    for (let wait = Date.parse(dueAt) - Date.now(); !cancelled && wait > 0; wait = Date.parse(dueAt) - Date.now()) {
      const sleepingUntil = dueAt;
      const sleep = aimed || wait < MIN_SPLIT_MS ? wait : wait - Math.min(WAKE_EARLY_MS, wait / 2);
      aimed = true;
      const moved = await condition(() => cancelled || dueAt !== sleepingUntil, sleep);
      if (moved) aimed = false;
    }
    if (cancelled) return (state = 'cancelled');
    state = 'delivering';
    const outcome = await deliverPromise(input.promiseId, input.kind);
    if (outcome.status === 'not-due') {
      dueAt = outcome.dueAt;
      state = 'waiting';
      continue;
    }
    return (state = outcome.status === 'cancelled' ? 'cancelled' : 'delivered');
  }
}

/** One occurrence of a recurring promise, started by its Schedule. */
export async function recurringPromiseWorkflow(input: RecurringPromiseWorkflowInput): Promise<PromiseWorkflowState> {
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? info.startTime;
  const outcome = await deliverRecurringPromise(input.promiseId, scheduled.toISOString(), input.kind);
  return outcome.status === 'cancelled' ? 'cancelled' : 'delivered';
}
