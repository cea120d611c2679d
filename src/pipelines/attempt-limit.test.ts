import { describe, expect, it } from 'vitest';
import { attemptLimit, AttemptTimeoutError } from './attempt-limit.js';

const never = () => new Promise<never>(() => undefined);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('attemptLimit', () => {
  it('aborts the signal and stops waiting at the timeout', async () => {
    const limit = attemptLimit(new AbortController().signal, 50);
    await expect(limit.race(never())).rejects.toBeInstanceOf(AttemptTimeoutError);
    expect(limit.signal.aborted).toBe(true);
    expect(String(limit.signal.reason)).toMatch(/timeout of 50 ms/);
    limit.dispose();
  });

  it('passes the task result and errors through before the timeout', async () => {
    const limit = attemptLimit(new AbortController().signal, 1_000);
    await expect(limit.race(Promise.resolve(42))).resolves.toBe(42);
    await expect(limit.race('synchronous')).resolves.toBe('synchronous');
    await expect(limit.race(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    limit.dispose();
    await sleep(20);
    expect(limit.signal.aborted).toBe(false);
  });

  it('passes a cancellation on to the signal, and leaves it to the task to stop', async () => {
    const cancel = new AbortController();
    const limit = attemptLimit(cancel.signal, 1_000);
    let settled = false;
    const work = limit.race(sleep(30).then(() => 'finished'));
    void work.finally(() => (settled = true));
    cancel.abort(new Error('worker shutting down'));
    expect(limit.signal.aborted).toBe(true);
    expect(settled).toBe(false);
    await expect(work).resolves.toBe('finished');
    limit.dispose();
  });

  it('never fires after dispose', async () => {
    const limit = attemptLimit(new AbortController().signal, 20);
    limit.dispose();
    await sleep(40);
    expect(limit.signal.aborted).toBe(false);
  });
});
