import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';

describe('waitFor (on vi.waitFor)', () => {
  it('returns the first value that is neither undefined nor false', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : calls === 1 ? undefined : false), 5_000);
    expect(value).toEqual({ calls: 3 });
  });

  it('names what it waited for when it gives up, and keeps the last error as the cause', async () => {
    await expect(waitFor(() => false, 250, 'the reply')).rejects.toThrow(/timed out after 250 ms waiting for the reply/);
    const err = await waitFor(() => Promise.reject(new Error('connection refused')), 250, 'the server').catch((e: Error) => e);
    expect((err as Error & { cause?: Error }).cause?.message).toBe('connection refused');
  });
});
