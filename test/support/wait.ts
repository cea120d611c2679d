/** How long `waitFor` polls before it gives up, unless told otherwise. */
export const WAIT_FOR_DEFAULT_MS = 30_000;

/**
 * Polls `fn` until it returns something other than undefined or false, and returns that;
 * throws after `ms`. For effects that land asynchronously (deliveries, audit records, runs).
 */
export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = WAIT_FOR_DEFAULT_MS, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
