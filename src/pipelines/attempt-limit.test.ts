import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { attemptLimit, AttemptTimeoutError } from './attempt-limit.js';

const never = () => new Promise<never>(() => undefined);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('attemptLimit', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts the signal and stops waiting at the timeout, not before', async () => {
    const limit = attemptLimit(new AbortController().signal, 50);
    const outcome = limit.race(never());
    const rejected = expect(outcome).rejects.toBeInstanceOf(AttemptTimeoutError);
    await vi.advanceTimersByTimeAsync(49);
    expect(limit.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await rejected;
    expect(limit.signal.aborted).toBe(true);
    expect(String(limit.signal.reason)).toMatch(/timeout of 50 ms/);
    // Word for word what the pipeline workflow says when the server times the attempt out first.
    expect(new AttemptTimeoutError(50).message).toBe('timed out: an attempt ran longer than its timeout of 50 ms');
    limit.dispose();
  });

  it('passes the task result and errors through before the timeout', async () => {
    const limit = attemptLimit(new AbortController().signal, 1_000);
    await expect(limit.race(Promise.resolve(42))).resolves.toBe(42);
    await expect(limit.race('synchronous')).resolves.toBe('synchronous');
    await expect(limit.race(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    limit.dispose();
    await vi.advanceTimersByTimeAsync(5_000);
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
    await vi.advanceTimersByTimeAsync(29);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(work).resolves.toBe('finished');
    limit.dispose();
  });

  it('never fires after dispose', async () => {
    const limit = attemptLimit(new AbortController().signal, 20);
    limit.dispose();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(limit.signal.aborted).toBe(false);
  });
});
