import type { OutboundChannels } from '../channels/outbound.js';
import { appendMessage } from '../conversation/transcript.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { MycelError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';
import { lateness } from './lateness.js';
import { recordOccurrence, type OccurrencePlan } from './occurrences.js';
import { nextOccurrence } from './recurrence.js';
import {
  advanceRecurring,
  claimOneOff,
  completeDelivery,
  deliveryKeyFor,
  getPromise,
  recordDelivery,
  setCoveredUntil,
  type PromiseRecord,
} from './store.js';

/**
 * Delivering a promise, exactly once. The order is what makes it safe:
 *   1. record — the promise is claimed (pending → delivered) and its delivery record written;
 *   2. the `⏰ <text>` line goes into the transcript, keyed by the delivery key;
 *   3. the channel message goes out (Telegram), keyed by the same delivery key;
 *   4. the delivery record is completed with its delay.
 * A retry (or a worker killed between any two steps) repeats the steps; each one finds its
 * own effect by the key and does nothing twice. A promise cancelled before step 1 is never
 * delivered; one cancelled after it is reported as already delivered.
 */

/** How early (worker clock against due time) a delivery may run: timers fire on the server's clock. */
export const DELIVERY_EARLY_TOLERANCE_MS = 2_000;
/** Every delivered promise starts with this (**contract**). */
export const REMINDER_PREFIX = '⏰';
/** The transcript kind of a delivered promise (**contract**). */
export const REMINDER_KIND = 'reminder';

/** Points inside a delivery where a test may hold it (to kill the worker mid-delivery). */
export type DeliveryStage = 'after-record' | 'after-append';

export interface DeliveryDeps {
  store: Store;
  outbound: OutboundChannels;
  metrics: Metrics;
  logger: Logger;
  /** The worker's clock (tests pass a fixed one). */
  now?: () => Date;
  /** Called at each stage; the test hook pauses here. */
  atStage?: (stage: DeliveryStage, key: string) => Promise<void>;
}

export type DeliveryOutcome =
  | { status: 'delivered'; key: string; dueAt: string; delayMs: number | undefined }
  | { status: 'cancelled' }
  /** A recurring occurrence that did not run: covered by a catch-up run, or skipped (and said so). */
  | { status: 'covered' | 'skipped'; key: string }
  /** Not due yet (snoozed after the timer was set): the workflow sleeps again until `dueAt`. */
  | { status: 'not-due'; dueAt: string };

export class PromiseMissingError extends MycelError {
  constructor(id: string) {
    super('PROMISE_MISSING', `The promise ${id} is not in the database.`, 'it was created by another database, or the database was restored from an older backup');
    this.name = 'PromiseMissingError';
  }
}

/** The text a delivered promise shows. */
export function reminderText(text: string): string {
  return `${REMINDER_PREFIX} ${text}`;
}

async function load(deps: DeliveryDeps, id: string): Promise<PromiseRecord> {
  const promise = await getPromise(deps.store, id);
  if (!promise) throw new PromiseMissingError(id);
  return promise;
}

/** Steps 2–4, for a delivery already recorded under `key`. `note` says what was missed. */
async function send(deps: DeliveryDeps, promise: PromiseRecord, key: string, dueAt: string, note?: string): Promise<DeliveryOutcome> {
  const now = deps.now ?? (() => new Date());
  const messageKey = `promise:${key}`;
  await deps.atStage?.('after-record', key);
  const late = await lateness(deps.store, dueAt, now());
  const said = note ?? late?.note;
  const text = said ? `${reminderText(promise.text)}\n${said}` : reminderText(promise.text);
  await appendMessage(deps.store, { channel: promise.chat.channel, chatId: promise.chat.chatId, role: 'assistant', text, kind: REMINDER_KIND, key: messageKey, lateMs: late?.lateMs });
  await deps.atStage?.('after-append', key);
  await deps.outbound.send({ channel: promise.chat.channel, chatId: promise.chat.chatId, text, key: messageKey });
  const delayMs = await completeDelivery(deps.store, { key, promiseId: promise.id, dueAt, at: now(), note: said });
  if (delayMs !== undefined) {
    deps.metrics.promiseDeliveryDelay.observe({ channel: promise.chat.channel }, delayMs / 1000);
    deps.logger.info({ promiseId: promise.id, key, chatId: promise.chat.chatId, delayMs }, 'promise delivered');
  }
  return { status: 'delivered', key, dueAt, delayMs };
}

/** Delivers a one-off promise whose timer fired. */
export async function deliverOneOff(deps: DeliveryDeps, promiseId: string): Promise<DeliveryOutcome> {
  const now = deps.now ?? (() => new Date());
  // Claim first (a no-op for a promise already claimed, cancelled or not due), then read.
  await claimOneOff(deps.store, promiseId, now(), DELIVERY_EARLY_TOLERANCE_MS);
  const promise = await load(deps, promiseId);
  if (promise.status === 'pending') return { status: 'not-due', dueAt: promise.dueAt };
  if (promise.status === 'cancelled') return { status: 'cancelled' };
  const key = deliveryKeyFor(promiseId);
  await recordDelivery(deps.store, { key, promiseId, dueAt: promise.dueAt, at: now(), requirePending: false });
  return send(deps, promise, key, promise.dueAt);
}

/** Delivers one occurrence of a recurring promise (`occurrence`: the schedule's nominal time, ISO). */
export async function deliverOccurrence(deps: DeliveryDeps, promiseId: string, occurrence: string): Promise<DeliveryOutcome> {
  const now = deps.now ?? (() => new Date());
  const promise = await load(deps, promiseId);
  const key = deliveryKeyFor(promiseId, occurrence);
  const plan = await recordOccurrence(deps.store, promise, key, occurrence, now());
  if (!plan) return { status: 'cancelled' };
  await advanceAfter(deps, promise, occurrence);
  const settled = await settleUnrun(deps, promise, key, occurrence, plan, REMINDER_KIND);
  if (settled) return settled;
  return send(deps, promise, key, occurrence, plan.note);
}

/** Moves a recurring promise's `dueAt` past this occurrence. */
export async function advanceAfter(deps: DeliveryDeps, promise: PromiseRecord, occurrence: string): Promise<void> {
  if (!promise.recurrence) return;
  const now = deps.now ?? (() => new Date());
  const after = new Date(Math.max(now().getTime(), Date.parse(occurrence)));
  await advanceRecurring(deps.store, promise.id, nextOccurrence(promise.recurrence, after), now());
}

/**
 * An occurrence (already recorded under `key`) that does not run: covered by an earlier
 * catch-up run (nothing to say, that run said it), or skipped under catch-up `skip` (the
 * chat is told how many were skipped). Marks later occurrences covered for a catch-up run.
 * Returns the outcome when it did not run, undefined when it should.
 */
export async function settleUnrun(deps: DeliveryDeps, promise: PromiseRecord, key: string, occurrence: string, plan: OccurrencePlan, kind: string): Promise<DeliveryOutcome | undefined> {
  const now = deps.now ?? (() => new Date());
  if (plan.action === 'run') {
    if (plan.coverUntil) await setCoveredUntil(deps.store, promise.id, plan.coverUntil);
    return undefined;
  }
  if (plan.action === 'skip') {
    const messageKey = `promise:${key}`;
    const late = await lateness(deps.store, occurrence, now());
    await appendMessage(deps.store, { channel: promise.chat.channel, chatId: promise.chat.chatId, role: 'assistant', text: plan.note, kind, key: messageKey, lateMs: late?.lateMs });
    await deps.outbound.send({ channel: promise.chat.channel, chatId: promise.chat.chatId, text: plan.note, key: messageKey });
    await setCoveredUntil(deps.store, promise.id, now().toISOString());
  }
  await completeDelivery(deps.store, { key, promiseId: promise.id, dueAt: occurrence, at: now(), outcome: plan.action === 'skip' ? 'skipped' : 'covered', note: plan.note });
  return { status: plan.action === 'skip' ? 'skipped' : 'covered', key };
}
