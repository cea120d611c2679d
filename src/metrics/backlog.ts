import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Metrics } from './metrics.js';

// @temporalio/proto is CommonJS: take the namespace from its default export.
const { temporal } = proto;

/** A scrape reuses a backlog sample younger than this instead of asking Temporal again. */
export const BACKLOG_SAMPLE_TTL_MS = 5_000;
/** Longest a scrape waits for Temporal's answer; past it the previous values stay. */
export const BACKLOG_SAMPLE_TIMEOUT_MS = 2_000;

const TYPES = [
  ['workflow', temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW],
  ['activity', temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY],
] as const;

export interface QueueBacklog {
  type: 'workflow' | 'activity';
  /** Approximate tasks waiting; undefined when the server does not report task queue stats. */
  count: number | undefined;
  ageSeconds: number | undefined;
  pollers: number;
}

/** Asks Temporal for the approximate backlog of a task queue (both task types). */
export async function describeBacklog(client: Client, namespace: string, taskQueue: string): Promise<QueueBacklog[]> {
  return Promise.all(
    TYPES.map(async ([type, taskQueueType]) => {
      const res = await client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType,
        reportStats: true,
      });
      const stats = res.stats;
      const age = stats?.approximateBacklogAge;
      return {
        type,
        count: stats ? Number(stats.approximateBacklogCount ?? 0) : undefined,
        ageSeconds: stats ? Number(age?.seconds ?? 0) + (age?.nanos ?? 0) / 1e9 : undefined,
        pollers: res.pollers?.length ?? 0,
      };
    }),
  );
}

/**
 * Fills `mycel_task_queue_backlog` and `mycel_task_queue_backlog_age_seconds` on scrape,
 * from Temporal's approximate task queue stats, at most once per BACKLOG_SAMPLE_TTL_MS.
 * A server that does not report stats leaves the gauges empty.
 */
export function installBacklogSampler(metrics: Metrics, client: Client, namespace: string, taskQueue: string): void {
  let sampledAt = 0;
  metrics.sampleQueueBacklog(async () => {
    if (Date.now() - sampledAt < BACKLOG_SAMPLE_TTL_MS) return;
    sampledAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const backlog = await Promise.race([
        describeBacklog(client, namespace, taskQueue),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('backlog sample timed out')), BACKLOG_SAMPLE_TIMEOUT_MS);
        }),
      ]);
      for (const b of backlog) {
        if (b.count === undefined) continue;
        metrics.queueBacklog.set({ task_queue: taskQueue, type: b.type }, b.count);
        metrics.queueBacklogAge.set({ task_queue: taskQueue, type: b.type }, b.ageSeconds ?? 0);
      }
    } catch {
      // Temporal unreachable or slow: keep the last values; /readyz reports the outage.
    } finally {
      clearTimeout(timer);
    }
  });
}
