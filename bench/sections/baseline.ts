/**
 * Baseline: the round trip of a bare Temporal workflow Update (`baselineWorkflow`'s `echo`)
 * on the run's Temporal server, with the worker in this process. Later figures (a turn, a
 * pipeline task) are divided by it, measured in the same run.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { baselineWorkflow } from '../../src/workflows/baseline.js';
import { echoUpdate, finishSignal, WORKFLOW_TYPES } from '../../src/workflows/definitions.js';
import { distribution, type Distribution } from '../stats.js';

/** Updates measured (after WARMUP). */
export const BASELINE_UPDATES = 200;
const WARMUP = 20;

/** Measures bare Update round trips on a workflow of `taskQueue`, served by a running worker. */
export async function measureBareUpdate(client: Client, taskQueue: string, updates = BASELINE_UPDATES): Promise<Distribution> {
  const handle = await client.workflow.start<typeof baselineWorkflow>(WORKFLOW_TYPES.baseline, { taskQueue, workflowId: `bench-baseline-${randomBytes(4).toString('hex')}` });
  const samples: number[] = [];
  try {
    for (let i = -WARMUP; i < updates; i++) {
      const t0 = performance.now();
      await handle.executeUpdate(echoUpdate, { args: [`u${i}`] });
      if (i >= 0) samples.push(performance.now() - t0);
    }
  } finally {
    await handle.signal(finishSignal);
  }
  return distribution(samples);
}

export default {
  name: 'baseline',
  description: 'baseline: round trip of a bare Temporal workflow Update on this server (the divisor of later ratios)',
  async run(ctx: { client?: Client; taskQueue?: string; quick?: boolean }): Promise<{ bareUpdate: Distribution } | { status: 'skipped'; reason: string }> {
    if (!ctx.client || !ctx.taskQueue) return { status: 'skipped', reason: "needs the run's instance" };
    return { bareUpdate: await measureBareUpdate(ctx.client, ctx.taskQueue, ctx.quick ? 50 : BASELINE_UPDATES) };
  },
};
