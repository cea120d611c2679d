import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { MycelConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { ChatRef } from '../shared/envelope.js';
import { MycelError, formatError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';
import type { PromiseWorkflowFn, PromiseWorkflowInput, RecurringPromiseWorkflowFn, RecurringPromiseWorkflowInput } from './workflow-types.js';
import { cancelPromiseSignal, snoozePromiseSignal, WORKFLOW_TYPES } from '../workflows/definitions.js';
import { describeRecurrence, nextOccurrence, scheduleSpecFor } from './recurrence.js';
import {
  cancelPending,
  getChatPromise,
  insertPromise,
  listChatPromises,
  promiseIdFor,
  promiseWorkflowId,
  pausePending,
  reschedulePending,
  resumePaused,
  type BudgetOverrides,
  type CatchUp,
  type PromiseKind,
  type PromiseRecord,
  type PromiseStatus,
} from './store.js';
import type { ParsedWhen } from './when.js';

/**
 * What every entry point (the remind.* tools, the HTTP API, the web app) does with a
 * promise: create it (row first, then its workflow or schedule), list, cancel, snooze.
 * The row decides; Temporal is told afterwards, and telling it twice is harmless.
 */

/**
 * Catch-up window of a recurring promise with catch-up `once` (the default): after an outage
 * up to this long, the first missed occurrence fires and runs once for all that were missed.
 * With the overlap policy BUFFER_ONE, Temporal starts that one and buffers one more (which
 * finds itself covered); the rest are dropped by Temporal and counted by the run.
 */
export const CATCHUP_ONCE_WINDOW = '30 days';
/**
 * Catch-up window with catch-up `skip`: an occurrence may still fire this late (a Temporal
 * restart of a few seconds); later ones do not fire, and the next occurrence says how many
 * were skipped.
 */
export const CATCHUP_SKIP_WINDOW = '1 minute';

/** The Schedule policies that carry out a promise's catch-up policy. */
export function schedulePolicies(catchUp: CatchUp): { overlap: 'BUFFER_ONE' | 'SKIP'; catchupWindow: string } {
  return catchUp === 'skip' ? { overlap: 'SKIP', catchupWindow: CATCHUP_SKIP_WINDOW } : { overlap: 'BUFFER_ONE', catchupWindow: CATCHUP_ONCE_WINDOW };
}

/**
 * Workflow task timeout of promise workflows. The delivery runs as a local activity inside a
 * workflow task, so when a worker dies mid-delivery, this is how long the server waits
 * before handing the task (and the delivery) to the next worker. Longer local activities
 * keep their task alive on their own.
 */
export const PROMISE_WORKFLOW_TASK_TIMEOUT = '5 seconds';

export interface PromiseServiceDeps {
  store: Store;
  temporal: Client;
  config: MycelConfig;
  logger: Logger;
}

export class PromiseNotFoundError extends MycelError {
  constructor(id: string) {
    super('PROMISE_NOT_FOUND', `There is no reminder "${id}" in this chat.`, 'list them with /reminders (or GET /api/chats/{chatId}/reminders)');
    this.name = 'PromiseNotFoundError';
  }
}

export class PromiseNotPendingError extends MycelError {
  constructor(promise: PromiseRecord) {
    super('PROMISE_NOT_PENDING', `The reminder ${promise.id} is already ${promise.status}.`, 'only pending reminders can be cancelled or snoozed');
    this.name = 'PromiseNotPendingError';
  }
}

export class PromiseNotPausedError extends MycelError {
  constructor(promise: PromiseRecord) {
    super('PROMISE_NOT_PAUSED', `The promise ${promise.id} is ${promise.status}, not paused.`, 'only a paused promise can be resumed; /promises shows each one\'s status');
    this.name = 'PromiseNotPausedError';
  }
}

export class PromiseNotSnoozableError extends MycelError {
  constructor(promise: PromiseRecord) {
    super(
      'PROMISE_RECURRING',
      `The reminder ${promise.id} repeats (${promise.recurrence ? describeRecurrence(promise.recurrence) : 'recurring'}); a repeating reminder cannot be snoozed.`,
      'cancel it and create a new one, or add a one-off reminder for this time',
    );
    this.name = 'PromiseNotSnoozableError';
  }
}

/** A promise as the API and the web app show it (**contract**: id, text, dueAt, status). */
export interface PromiseView {
  id: string;
  text: string;
  dueAt: string;
  status: PromiseStatus;
  /** "every weekday at 08:00" for a recurring promise, null for a one-off. */
  recurrence: string | null;
  timeZone: string;
  createdAt: string;
  deliveredAt: string | null;
  cancelledAt: string | null;
  deliveries: number;
  /** `reminder` or `scheduled` (the text runs as a turn of the chat). */
  kind: PromiseKind;
  /** Recurring promises: `once` or `skip`; null for a one-off. */
  catchUp: CatchUp | null;
  /** Scheduled work: its own token budgets (null where the configured default applies); null for a reminder. */
  budget: BudgetOverrides | null;
  /** Set while paused (status `paused`): why, and since when. */
  pausedReason: string | null;
  pausedAt: string | null;
}

export function promiseView(p: PromiseRecord): PromiseView {
  return {
    kind: p.kind,
    catchUp: p.recurrence ? p.catchUp : null,
    id: p.id,
    text: p.text,
    dueAt: p.dueAt,
    status: p.status,
    recurrence: p.recurrence ? describeRecurrence(p.recurrence) : null,
    timeZone: p.timeZone,
    createdAt: p.createdAt,
    deliveredAt: p.deliveredAt,
    cancelledAt: p.cancelledAt,
    deliveries: p.deliveries,
    budget: p.kind === 'scheduled' ? p.budget : null,
    pausedReason: p.pauseReason,
    pausedAt: p.pausedAt,
  };
}

export interface CreatePromiseRequest {
  chat: ChatRef;
  userId: string;
  text: string;
  parsed: ParsedWhen;
  timeZone: string;
  /** The tool call that asks for it: the promise id is derived from `callId`. */
  source: { callId: string; turnKey: string; workflowId?: string | undefined };
  now: Date;
  /** `scheduled`: `text` is a chat command or a request that runs as a turn at each due time. */
  kind?: PromiseKind;
  catchUp?: CatchUp | undefined;
  /** Scheduled work: its own token budgets (absent ones: the configured defaults). */
  budget?: Partial<BudgetOverrides> | undefined;
}

/**
 * Creates a promise and arms it. Idempotent on `source.callId`: a retried call finds the
 * row it made (and arms it again, which is harmless) and reports `created: false`.
 */
export async function createPromise(deps: PromiseServiceDeps, req: CreatePromiseRequest): Promise<{ promise: PromiseRecord; created: boolean }> {
  const id = promiseIdFor(req.source.callId);
  const { record, created } = await insertPromise(deps.store, {
    id,
    chat: req.chat,
    userId: req.userId,
    text: req.text,
    dueAt: (req.parsed.kind === 'once' ? req.parsed.dueAt : req.parsed.firstDueAt).toISOString(),
    recurrence: req.parsed.kind === 'recurring' ? req.parsed.recurrence : null,
    timeZone: req.timeZone,
    workflowId: promiseWorkflowId(req.chat.chatId, id),
    sourceCallId: req.source.callId,
    sourceTurn: req.source.turnKey,
    sourceWorkflowId: req.source.workflowId,
    createdAt: req.now.toISOString(),
    kind: req.kind ?? 'reminder',
    catchUp: req.catchUp,
    budget: req.budget,
  });
  if (record.sourceCallId !== req.source.callId) {
    throw new MycelError('PROMISE_ID_COLLISION', `The promise id ${id} is already taken by another request.`, 'send the request again');
  }
  if (record.status === 'pending') {
    try {
      await armPromise(deps, record);
    } catch (err) {
      // Never leave a pending row that nothing will deliver: the caller is told it failed.
      await cancelPending(deps.store, id, NOT_ARMED, new Date());
      throw new MycelError('PROMISE_NOT_ARMED', `Could not schedule the reminder: ${formatError(err)}`, 'check that Temporal is reachable, then ask again');
    }
  }
  return { promise: record, created };
}

/** `cancelledBy` of a promise whose workflow or schedule could not be started. */
export const NOT_ARMED = 'not-armed';

/**
 * Starts the promise's workflow (one-off) or creates its schedule (recurring), unless it
 * is already there. The workflow outlives the conversation run that created it: it is
 * started by the client, not as a child.
 */
export async function armPromise(deps: PromiseServiceDeps, promise: PromiseRecord): Promise<void> {
  const taskQueue = deps.config.temporal.taskQueue;
  if (!promise.recurrence) {
    try {
      await deps.temporal.workflow.start<PromiseWorkflowFn>(WORKFLOW_TYPES.promise, {
        workflowId: promise.workflowId,
        taskQueue,
        args: [{ promiseId: promise.id, dueAt: promise.dueAt, ...(promise.kind === 'scheduled' ? { kind: 'scheduled' as const } : {}) } satisfies PromiseWorkflowInput],
        // Never run a finished promise's workflow again under the same id.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowTaskTimeout: PROMISE_WORKFLOW_TASK_TIMEOUT,
        staticSummary: `${promise.kind} ${promise.id}: ${promise.text.slice(0, 80)}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return;
  }
  try {
    await deps.temporal.schedule.create({
      scheduleId: promise.workflowId,
      spec: scheduleSpecFor(promise.recurrence),
      action: {
        type: 'startWorkflow',
        workflowType: WORKFLOW_TYPES.recurringPromise as unknown as RecurringPromiseWorkflowFn,
        workflowId: promise.workflowId,
        taskQueue,
        args: [{ promiseId: promise.id, ...(promise.kind === 'scheduled' ? { kind: 'scheduled' as const } : {}) } satisfies RecurringPromiseWorkflowInput],
        workflowTaskTimeout: PROMISE_WORKFLOW_TASK_TIMEOUT,
      },
      policies: schedulePolicies(promise.catchUp),
      memo: { promiseId: promise.id, chatId: promise.chat.chatId },
      // A paused promise whose schedule is gone (a restored backup) comes back paused.
      ...(promise.status === 'paused' ? { state: { paused: true, note: promise.pauseReason ?? 'paused' } } : {}),
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
}

async function loadChatPromise(deps: PromiseServiceDeps, chat: ChatRef, id: string): Promise<PromiseRecord> {
  const promise = await getChatPromise(deps.store, chat, id);
  if (!promise) throw new PromiseNotFoundError(id);
  return promise;
}

/**
 * Cancels a pending promise: the row first (so a delivery that has not claimed it yet never
 * will), then its workflow or schedule. `by` names who cancelled: a tool call passes its
 * call id with `retryable`, so a retried call answers as the first attempt did; anyone
 * else cancelling something already cancelled gets PromiseNotPendingError.
 */
export async function cancelPromise(
  deps: PromiseServiceDeps,
  chat: ChatRef,
  id: string,
  by: string,
  options: { now?: Date; retryable?: boolean } = {},
): Promise<PromiseRecord> {
  const promise = await loadChatPromise(deps, chat, id);
  if (!(await cancelPending(deps.store, id, by, options.now ?? new Date()))) {
    const current = (await getChatPromise(deps.store, chat, id))!;
    if (options.retryable && current.status === 'cancelled' && current.cancelledBy === by) return current;
    throw new PromiseNotPendingError(current);
  }
  await disarm(deps, promise);
  return (await getChatPromise(deps.store, chat, id))!;
}

async function disarm(deps: PromiseServiceDeps, promise: PromiseRecord): Promise<void> {
  try {
    if (promise.recurrence) await deps.temporal.schedule.getHandle(promise.workflowId).delete();
    else await deps.temporal.workflow.getHandle(promise.workflowId).signal(cancelPromiseSignal);
  } catch (err) {
    // The row already says cancelled; a workflow that is gone or unreachable cannot deliver it.
    if (err instanceof WorkflowNotFoundError || err instanceof ScheduleNotFoundError) return;
    deps.logger.warn({ promiseId: promise.id }, `cancelled promise ${promise.id}, but could not tell its workflow: ${formatError(err)}`);
  }
}

/**
 * Pauses a pending promise (its budget ran out): the row first, so no further occurrence is
 * recorded or run, then its Temporal Schedule, so none fires. Returns whether this call paused
 * the row; pausing the schedule again (a retried activity) is harmless. A one-off promise
 * has nothing left to pause once its run started (its row is no longer pending).
 */
export async function pausePromise(deps: PromiseServiceDeps, promise: PromiseRecord, reason: string, now = new Date()): Promise<boolean> {
  const paused = await pausePending(deps.store, promise.id, reason, now);
  if (promise.recurrence && (paused || (await getChatPromise(deps.store, promise.chat, promise.id))?.status === 'paused')) {
    try {
      await deps.temporal.schedule.getHandle(promise.workflowId).pause(reason);
    } catch (err) {
      // The row already says paused: an occurrence that still fires records nothing and runs nothing.
      if (!(err instanceof ScheduleNotFoundError)) deps.logger.warn({ promiseId: promise.id }, `paused promise ${promise.id}, but could not pause its schedule: ${formatError(err)}`);
    }
  }
  if (paused) deps.logger.warn({ promiseId: promise.id, chatId: promise.chat.chatId, reason }, `promise ${promise.id} paused`);
  return paused;
}

/**
 * Resumes a paused promise (optionally with new token budgets): the row first (paused →
 * pending; its per-day allowance starts over), then its schedule is unpaused (or created
 * again when it is gone). If Temporal cannot be told, the row goes back to paused and the
 * caller gets PROMISE_NOT_RESUMED, so the ledger never shows pending work that cannot fire.
 */
export async function resumePromise(
  deps: PromiseServiceDeps,
  chat: ChatRef,
  id: string,
  by: string,
  options: { now?: Date; budget?: Partial<BudgetOverrides>; retryable?: boolean } = {},
): Promise<PromiseRecord> {
  const promise = await loadChatPromise(deps, chat, id);
  const now = options.now ?? new Date();
  if (!(await resumePaused(deps.store, id, now, options.budget))) {
    const current = (await getChatPromise(deps.store, chat, id))!;
    // A retried tool call (same turn clock) finds the resume it made.
    if (options.retryable && current.status === 'pending' && current.resumedAt === now.toISOString()) return current;
    throw new PromiseNotPausedError(current);
  }
  const resumed = (await getChatPromise(deps.store, chat, id))!;
  if (resumed.recurrence) {
    try {
      try {
        await deps.temporal.schedule.getHandle(resumed.workflowId).unpause(`resumed by ${by}`);
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
        await armPromise(deps, resumed);
      }
    } catch (err) {
      await pausePending(deps.store, id, promise.pauseReason ?? 'paused', promise.pausedAt ? new Date(promise.pausedAt) : now);
      throw new MycelError('PROMISE_NOT_RESUMED', `Could not resume ${id}: ${formatError(err)}`, 'check that Temporal is reachable, then resume it again');
    }
  }
  deps.logger.info({ promiseId: id, chatId: chat.chatId, by }, `promise ${id} resumed`);
  return resumed;
}

/**
 * Moves a pending one-off promise to `dueAt`: the row first, then a signal that wakes the
 * workflow's timer. Idempotent: snoozing to the same time again changes nothing.
 */
export async function snoozePromise(deps: PromiseServiceDeps, chat: ChatRef, id: string, dueAt: Date, now = new Date()): Promise<PromiseRecord> {
  const promise = await loadChatPromise(deps, chat, id);
  if (promise.status !== 'pending') throw new PromiseNotPendingError(promise);
  if (promise.recurrence) throw new PromiseNotSnoozableError(promise);
  if (!(await reschedulePending(deps.store, id, dueAt, now))) throw new PromiseNotPendingError((await getChatPromise(deps.store, chat, id))!);
  try {
    await deps.temporal.workflow.getHandle(promise.workflowId).signal(snoozePromiseSignal, { dueAt: dueAt.toISOString() });
  } catch (err) {
    // The delivery activity reads the row and sleeps again until the new time.
    deps.logger.warn({ promiseId: id }, `snoozed promise ${id}, but could not wake its workflow: ${formatError(err)}`);
  }
  return (await getChatPromise(deps.store, chat, id))!;
}

/**
 * A chat's promises, soonest first (pending ones unless `status` says otherwise). A pending
 * recurring promise whose stored occurrence has passed (missed while Mycel was down, beyond
 * the catch-up window) shows its next occurrence.
 */
export async function listPromises(store: Store, chat: ChatRef, status: PromiseStatus | 'all' = 'pending', now = new Date()): Promise<PromiseRecord[]> {
  const promises = (await listChatPromises(store, chat, status)).map((p) =>
    p.recurrence && p.status === 'pending' && Date.parse(p.dueAt) <= now.getTime() ? { ...p, dueAt: nextOccurrence(p.recurrence, now).toISOString() } : p,
  );
  return promises.sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.id.localeCompare(b.id));
}
