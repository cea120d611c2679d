import { describe, expect, it } from 'vitest';
import { sleepUnlessAborted } from './sleep.js';

describe('sleepUnlessAborted', () => {
  it('resolves at once when the signal aborts, and when it was aborted already', async () => {
    const controller = new AbortController();
    const sleeping = sleepUnlessAborted(60_000, controller.signal);
    let done = false;
    void sleeping.then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    controller.abort();
    await expect(sleeping).resolves.toBeUndefined();
    await expect(sleepUnlessAborted(60_000, AbortSignal.abort())).resolves.toBeUndefined();
  });

  it('waits the time when nothing aborts', async () => {
    await expect(sleepUnlessAborted(5, new AbortController().signal)).resolves.toBeUndefined();
  });
});
