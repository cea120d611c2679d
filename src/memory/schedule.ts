import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Logger } from '../logging/logger.js';
import { MEMORY_RETENTION_INTERVAL } from './types.js';
import { WORKFLOW_TYPES } from '../workflows/definitions.js';

/** The retention schedule of a task queue (one per queue, so separate deployments never share one). */
export function memoryRetentionScheduleId(taskQueue: string): string {
  return `mycel-memory-retention-${taskQueue}`;
}

/**
 * Creates the Temporal schedule that deletes expired facts every MEMORY_RETENTION_INTERVAL,
 * unless it exists already: every worker calls this at start, idempotently. Overlapping runs
 * are skipped (a slow run is never doubled).
 */
export async function ensureMemoryRetentionSchedule(client: Client, taskQueue: string, logger?: Logger): Promise<'created' | 'exists'> {
  const scheduleId = memoryRetentionScheduleId(taskQueue);
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: MEMORY_RETENTION_INTERVAL }] },
      action: { type: 'startWorkflow', workflowType: WORKFLOW_TYPES.memoryRetention, workflowId: `memory-retention-${taskQueue}`, taskQueue, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      memo: { purpose: 'delete memory facts whose retention ran out' },
    });
    logger?.info({ scheduleId }, 'memory retention schedule created');
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}
