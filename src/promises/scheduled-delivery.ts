import type { ScheduledTurn } from '../conversation/scheduled-turn.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../storage/database.js';
import { completeDelivery, getPromise } from './store.js';

/**
 * Completes a scheduled occurrence's delivery record when its turn is recorded (called by the
 * conversation's recordTurn activity; idempotent): its delay is the time of the reply.
 */
export async function completeScheduledDelivery(deps: { store: Store; metrics: Metrics; logger: Logger }, scheduled: ScheduledTurn, repliedAt: string): Promise<void> {
  if (!scheduled.deliveryKey || !scheduled.dueAt) return;
  const promise = await getPromise(deps.store, scheduled.promiseId);
  if (!promise) return;
  const delayMs = await completeDelivery(deps.store, { key: scheduled.deliveryKey, promiseId: scheduled.promiseId, dueAt: scheduled.dueAt, at: new Date(repliedAt), note: scheduled.note });
  if (delayMs !== undefined) {
    deps.metrics.promiseDeliveryDelay.observe({ channel: promise.chat.channel }, delayMs / 1000);
    deps.logger.info({ promiseId: promise.id, key: scheduled.deliveryKey, chatId: promise.chat.chatId, delayMs }, 'scheduled promise ran');
  }
}
