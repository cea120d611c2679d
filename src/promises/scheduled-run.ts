import type { Client } from '@temporalio/client';
import type { MycelConfig } from '../config/config.js';
import { acceptTurn, turnOptionsFromConfig } from '../conversation/ingress.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { ENVELOPE_VERSION } from '../shared/envelope.js';
import { advanceAfter, settleUnrun, type DeliveryDeps, type DeliveryOutcome, PromiseMissingError } from './delivery.js';
import { lateness } from './lateness.js';
import { recordOccurrence } from './occurrences.js';
import { claimOneOff, completeDelivery, deliveryKeyFor, getDelivery, getPromise, recordDelivery, type PromiseRecord } from './store.js';
import { DELIVERY_EARLY_TOLERANCE_MS } from './delivery.js';

/**
 * Scheduled work: at each due time a `scheduled` promise's text runs as a turn of its chat,
 * through the chat's conversation workflow (the same brain, tools and policy as a message
 * typed then). The turn's idempotency key is `scheduled:<delivery key>`, so however often
 * the activity is retried (a worker killed mid-occurrence, Temporal restarted), the
 * conversation runs the occurrence once and answers repeats with the first reply. The turn
 * records its reply with `kind: "scheduled"` (and `lateMs` when late): that line is the result.
 */

import { SCHEDULED_KIND, SCHEDULED_TURN_PREFIX } from '../conversation/scheduled-turn.js';

export { SCHEDULED_KIND, SCHEDULED_TURN_PREFIX } from '../conversation/scheduled-turn.js';

export interface ScheduledRunDeps extends DeliveryDeps {
  temporal: Client;
  config: MycelConfig;
  metrics: Metrics;
  logger: Logger;
}

/** The turn key of the occurrence delivered under `deliveryKey`. */
export function scheduledTurnKey(deliveryKey: string): string {
  return `${SCHEDULED_TURN_PREFIX}${deliveryKey}`;
}

async function runTurn(deps: ScheduledRunDeps, promise: PromiseRecord, key: string, dueAt: string, note: string | undefined, attempt: number): Promise<DeliveryOutcome> {
  const now = deps.now ?? (() => new Date());
  const record = await getDelivery(deps.store, key);
  // Late against when the occurrence was first recorded, so a retry says the same.
  const late = await lateness(deps.store, dueAt, record ? new Date(record.recorded_at) : now());
  const said = [late && !note ? late.note : undefined, note].filter(Boolean).join(' ') || undefined;
  await deps.atStage?.('after-record', key);
  const turnKey = scheduledTurnKey(key);
  // Returns once the conversation accepted the turn: the turn's record completes the delivery.
  const { recorded } = await acceptTurn(
    deps.temporal,
    {
      ...turnOptionsFromConfig(deps.config),
      store: deps.store,
      metrics: deps.metrics,
      logger: deps.logger,
      scheduled: { kind: SCHEDULED_KIND, promiseId: promise.id, deliveryKey: key, dueAt, ...(late ? { lateMs: late.lateMs } : {}), ...(said ? { note: said } : {}) },
    },
    {
      v: ENVELOPE_VERSION,
      channel: promise.chat.channel,
      chatId: promise.chat.chatId,
      userId: promise.userId,
      updateId: turnKey,
      sequence: null,
      requestId: `${turnKey}#${attempt}`,
      text: promise.text,
      receivedAt: now().toISOString(),
    },
  );
  if (recorded) await completeDelivery(deps.store, { key, promiseId: promise.id, dueAt, at: now(), note: said });
  const delayMs = Math.max(0, now().getTime() - Date.parse(dueAt));
  return { status: 'delivered', key, dueAt, delayMs };
}

async function load(deps: ScheduledRunDeps, id: string): Promise<PromiseRecord> {
  const promise = await getPromise(deps.store, id);
  if (!promise) throw new PromiseMissingError(id);
  return promise;
}

/** Runs a one-off scheduled promise whose timer fired (claims it first, like a reminder). */
export async function runScheduledOnce(deps: ScheduledRunDeps, promiseId: string, attempt = 1): Promise<DeliveryOutcome> {
  const now = deps.now ?? (() => new Date());
  await claimOneOff(deps.store, promiseId, now(), DELIVERY_EARLY_TOLERANCE_MS);
  const promise = await load(deps, promiseId);
  if (promise.status === 'pending') return { status: 'not-due', dueAt: promise.dueAt };
  if (promise.status === 'cancelled') return { status: 'cancelled' };
  const key = deliveryKeyFor(promiseId);
  await recordDelivery(deps.store, { key, promiseId, dueAt: promise.dueAt, at: now(), requirePending: false });
  return runTurn(deps, promise, key, promise.dueAt, undefined, attempt);
}

/** Runs one occurrence of a recurring scheduled promise (`occurrence`: the schedule's nominal time). */
export async function runScheduledOccurrence(deps: ScheduledRunDeps, promiseId: string, occurrence: string, attempt = 1): Promise<DeliveryOutcome> {
  const now = deps.now ?? (() => new Date());
  const promise = await load(deps, promiseId);
  const key = deliveryKeyFor(promiseId, occurrence);
  const plan = await recordOccurrence(deps.store, promise, key, occurrence, now());
  if (!plan) return { status: 'cancelled' };
  await advanceAfter(deps, promise, occurrence);
  const settled = await settleUnrun(deps, promise, key, occurrence, plan, SCHEDULED_KIND);
  if (settled) return settled;
  return runTurn(deps, promise, key, occurrence, plan.note, attempt);
}

export { completeScheduledDelivery } from './scheduled-delivery.js';
