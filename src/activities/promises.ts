import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../deps/activity-deps.js';
import { deliverOccurrence, deliverOneOff, type DeliveryDeps, type DeliveryOutcome, type DeliveryStage } from '../promises/delivery.js';
import { runScheduledOccurrence, runScheduledOnce, type ScheduledRunDeps } from '../promises/scheduled-run.js';

/** How often a delivery run as a regular activity tells the server it is alive. */
export const DELIVERY_HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * Test-only: `MYCEL_TEST_PROMISE_DELIVERY_PAUSE=<stage>:<ms>` holds the first attempt of each
 * delivery at that stage (`after-record` or `after-append`) for that long, and logs
 * "promise delivery paused" — so a test can kill the worker genuinely mid-delivery.
 * Read once when the worker builds its activities; never set it in production.
 */
export const TEST_PAUSE_VARIABLE = 'MYCEL_TEST_PROMISE_DELIVERY_PAUSE';

function testPause(deps: ActivityDeps, env: NodeJS.ProcessEnv): DeliveryDeps['atStage'] {
  const spec = env[TEST_PAUSE_VARIABLE];
  const match = spec ? /^(after-record|after-append):(\d+)$/.exec(spec) : null;
  if (!match) return undefined;
  const stage = match[1] as DeliveryStage;
  const ms = Number(match[2]);
  deps.logger.warn({ stage, ms }, `${TEST_PAUSE_VARIABLE} is set: deliveries pause (test hook)`);
  return async (at, key) => {
    if (at !== stage || Context.current().info.attempt > 1) return;
    deps.logger.warn({ key, stage }, 'promise delivery paused (test hook)');
    await new Promise((resolve) => setTimeout(resolve, ms));
  };
}

/** Heartbeats while `work` runs when it is a regular activity, so a killed worker's delivery is retried within seconds. */
async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  // Local activities (how the promise workflows run deliveries) live inside a workflow task: no heartbeat.
  if (context.info.isLocal) return work();
  const timer = setInterval(() => context.heartbeat(), DELIVERY_HEARTBEAT_INTERVAL_MS);
  try {
    context.heartbeat();
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Activities of the promise workflows. */
export function createPromiseActivities(deps: ActivityDeps, env: NodeJS.ProcessEnv = process.env) {
  const delivery: DeliveryDeps = {
    store: deps.store,
    outbound: deps.outbound,
    metrics: deps.metrics,
    logger: deps.logger,
    atStage: testPause(deps, env),
  };
  const scheduled: ScheduledRunDeps = { ...delivery, temporal: deps.temporal, config: deps.config, metrics: deps.metrics, logger: deps.logger };
  return {
    /** Runs a one-off scheduled promise as a turn of its chat (idempotent on the promise id). */
    async runScheduledPromise(promiseId: string): Promise<DeliveryOutcome> {
      return withHeartbeat(() => runScheduledOnce(scheduled, promiseId, Context.current().info.attempt));
    },
    /** Runs one occurrence of a recurring scheduled promise as a turn of its chat (idempotent on id + occurrence). */
    async runScheduledOccurrence(promiseId: string, occurrence: string): Promise<DeliveryOutcome> {
      return withHeartbeat(() => runScheduledOccurrence(scheduled, promiseId, occurrence, Context.current().info.attempt));
    },
    /** Delivers a one-off promise whose timer fired (records first; idempotent on the promise id). */
    async deliverPromise(promiseId: string): Promise<DeliveryOutcome> {
      return withHeartbeat(() => deliverOneOff(delivery, promiseId));
    },
    /** Delivers one occurrence of a recurring promise (idempotent on id + occurrence). */
    async deliverRecurringPromise(promiseId: string, occurrence: string): Promise<DeliveryOutcome> {
      return withHeartbeat(() => deliverOccurrence(delivery, promiseId, occurrence));
    },
  };
}
