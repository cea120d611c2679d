import { proxyActivities } from '@temporalio/workflow';
import type { createPipelineActivities } from '../activities/pipelines.js';

const acts = proxyActivities<ReturnType<typeof createPipelineActivities>>({ startToCloseTimeout: '1 minute' });

/**
 * The yardstick of the pipelines bench: the same number of no-op activities as a pipeline
 * has tasks, started by hand — one after another or all at once. Answers when each
 * activity ran (its own clock, as a pipeline task's finish time is recorded).
 */
export async function pipelineBaselineWorkflow(options: { count: number; parallel: boolean }): Promise<{ ranAt: number[] }> {
  if (options.parallel) {
    return { ranAt: await Promise.all(Array.from({ length: options.count }, () => acts.pipelineBaselineNoop())) };
  }
  const ranAt: number[] = [];
  for (let i = 0; i < options.count; i++) ranAt.push(await acts.pipelineBaselineNoop());
  return { ranAt };
}
