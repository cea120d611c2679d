import { setTimeout as wait } from 'node:timers/promises';

/**
 * Waits `ms`, or less when `signal` aborts first (a component stopping): resolves either way,
 * so a back-off loop can check its own "stopping" flag next. Other errors are passed on.
 */
export async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await wait(ms, undefined, { signal });
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}
