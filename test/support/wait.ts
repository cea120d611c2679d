/** How long `waitFor` polls before it gives up, unless told otherwise. */
export const WAIT_FOR_DEFAULT_MS = 30_000;
/** How often `waitFor` asks again. */
const WAIT_FOR_EVERY_MS = 100;

/**
 * Polls `fn` until it returns something other than undefined or false, and returns that;
 * throws after `ms`, naming `what` it waited for. For effects that land asynchronously
 * (deliveries, audit records, runs).
 */
export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = WAIT_FOR_DEFAULT_MS, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, WAIT_FOR_EVERY_MS));
  }
}
