import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { stageResultsQuery } from '../../workflows/definitions.js';
import { FINAL_QUERY_ATTEMPTS, queryFinal } from './validation.js';

/** A handle whose query fails `failures` times, then answers. */
function handleFailing(failures: number) {
  let calls = 0;
  const handle = {
    query: async () => {
      calls += 1;
      if (calls <= failures) throw new Error(`query failed (try ${calls})`);
      return ['answer'];
    },
  } as unknown as WorkflowHandle;
  return { handle, calls: () => calls };
}

describe('the final stageResults query', () => {
  it('asks again when a try gets no answer', async () => {
    const { handle, calls } = handleFailing(FINAL_QUERY_ATTEMPTS - 1);
    expect(await queryFinal(handle, stageResultsQuery)).toEqual({ value: ['answer'] });
    expect(calls()).toBe(FINAL_QUERY_ATTEMPTS);
  });

  it('gives up after its tries and says why the last one failed', async () => {
    const { handle, calls } = handleFailing(FINAL_QUERY_ATTEMPTS);
    expect(await queryFinal(handle, stageResultsQuery)).toEqual({ error: expect.stringContaining(`query failed (try ${FINAL_QUERY_ATTEMPTS})`) });
    expect(calls()).toBe(FINAL_QUERY_ATTEMPTS);
  });
});
