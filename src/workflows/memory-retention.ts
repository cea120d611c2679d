import { proxyActivities } from '@temporalio/workflow';
import type * as memoryActivities from '../activities/memory.js';

const acts = proxyActivities<ReturnType<typeof memoryActivities.createMemoryActivities>>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});

/** One run of memory retention, started by the retention schedule: deletes expired facts. */
export async function memoryRetentionWorkflow(): Promise<number> {
  return acts.expireMemories();
}
