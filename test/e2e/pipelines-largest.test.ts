import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runResult, startPipelineRun } from '../../src/pipelines/client.js';
import { startTestMycel } from '../support/harness.js';

/**
 * The largest graph Mycel runs (MAX_PIPELINE_TASKS = 1,000: 999 parallel leaves and their
 * fan-in), on the real dev server. Kept with the slow end-to-end tests: on two busy cores it
 * takes from half a minute to a few minutes.
 */
describe('the largest pipeline', () => {
  it('runs 1,000 tasks far below Temporal\'s history and pending-activity limits', async () => {
    const mycel = await startTestMycel({ parts: { embedded: false, worker: true, gateway: false }, env: { MYCEL_PIPELINES: path.resolve('test/fixtures/pipelines') } });
    try {
      const started = Date.now();
      const { handle } = await startPipelineRun(mycel.proc.client, { pipelineId: 'widest', version: 1, input: {}, trigger: 'test', taskQueue: mycel.config.temporal.taskQueue });
      const result = await runResult(handle);
      expect(result.status).toBe('succeeded');
      expect(result.outputs.gather).toEqual({ count: 999 });
      const history = await handle.fetchHistory();
      // Temporal warns at 10,240 events and stops a workflow at 51,200; at most 1,000 activities are pending.
      expect(history.events!.length).toBeLessThan(10_240);
      console.log(`[pipelines] 1,000 tasks: ${Date.now() - started} ms, ${history.events!.length} history events`);
    } finally {
      await mycel.stop();
    }
  }, 400_000);
});
