import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { withLogContext } from '../logging/log-context.js';
import type { Metrics } from '../metrics/metrics.js';

/**
 * Observes every activity attempt of the worker:
 * - `mycel_activity_failures_total{activity}` for each attempt that throws,
 * - `mycel_activity_retries_total{activity}` for each attempt after the first,
 * - `mycel_activity_duration_seconds{activity,outcome}` for each attempt,
 * and binds `workflowId`, `runId`, `workflowType`, `activityType` and `attempt` to every
 * log line the activity writes (through the process logger's mixin).
 */
export function activityObservability(metrics: Metrics): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const info = ctx.info;
        const activity = info.activityType;
        if (info.attempt > 1) metrics.activityRetries.inc({ activity });
        const started = performance.now();
        const bindings = {
          workflowId: info.workflowExecution?.workflowId,
          runId: info.workflowExecution?.runId,
          workflowType: info.workflowType,
          activityType: activity,
          attempt: info.attempt,
        };
        return withLogContext(bindings, async () => {
          let outcome: 'ok' | 'error' = 'ok';
          try {
            return await next(input);
          } catch (err) {
            outcome = 'error';
            metrics.activityFailures.inc({ activity });
            throw err;
          } finally {
            metrics.activityDuration.observe({ activity, outcome }, (performance.now() - started) / 1000);
          }
        });
      },
    },
  });
}
