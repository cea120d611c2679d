import { vi } from 'vitest';

/** How long `waitFor` polls before it gives up, unless told otherwise. */
export const WAIT_FOR_DEFAULT_MS = 30_000;
/** How often `waitFor` asks again. */
const WAIT_FOR_EVERY_MS = 100;

/** What `waitFor` throws while its condition does not hold yet: vitest's `vi.waitFor` asks again. */
class NotYet extends Error {}

/**
 * Polls `fn` with `vi.waitFor` until it returns something other than undefined or false, and
 * returns that; throws after `ms`, naming `what` it waited for (an error `fn` throws on its
 * last try is kept as the cause). For effects that land asynchronously (deliveries, audit
 * records, runs).
 */
export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = WAIT_FOR_DEFAULT_MS, what = 'the condition'): Promise<T> {
  try {
    return await vi.waitFor(
      async () => {
        const value = await fn();
        if (value === undefined || value === false) throw new NotYet(what);
        return value;
      },
      { timeout: ms, interval: WAIT_FOR_EVERY_MS },
    );
  } catch (err) {
    // The last error `fn` threw is the cause; a condition that only never held has none to tell.
    throw new Error(`timed out after ${ms} ms waiting for ${what}`, err instanceof NotYet ? undefined : { cause: err });
  }
}
