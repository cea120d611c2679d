/**
 * A task attempt's time limit, kept in the worker too. Temporal times an attempt out on the
 * server (its startToClose timeout), but a worker hears of that only through a heartbeat, which
 * task code does not send; without this the attempt would run on after the run had moved past
 * it. At the limit, `ctx.signal` is aborted (so a task that passes it on stops) and the worker
 * stops waiting for the task's promise.
 */

/** The attempt ran past its timeout (the worker's view of the server's startToClose timeout). */
export class AttemptTimeoutError extends Error {
  constructor(timeoutMs: number) {
    // The same words as the workflow's when the server times the attempt out: whichever comes first, one message.
    super(`timed out: an attempt ran longer than its timeout of ${timeoutMs} ms`);
    this.name = 'AttemptTimeoutError';
  }
}

export interface AttemptLimit {
  /** Aborted when the attempt is cancelled (run cancelled, worker shutting down) or at its timeout. */
  signal: AbortSignal;
  /** `work` (a task may also answer synchronously), or an AttemptTimeoutError as soon as the timeout passes (cancellation is left to the task). */
  race<T>(work: T | Promise<T>): Promise<T>;
  /** Clears the timer and the listener; call when the attempt ends. */
  dispose(): void;
}

export function attemptLimit(cancellation: AbortSignal, timeoutMs: number): AttemptLimit {
  const controller = new AbortController();
  const onCancel = () => controller.abort(cancellation.reason);
  if (cancellation.aborted) onCancel();
  else cancellation.addEventListener('abort', onCancel, { once: true });
  const timer = timeoutMs > 0 && Number.isFinite(timeoutMs) ? setTimeout(() => controller.abort(new AttemptTimeoutError(timeoutMs)), timeoutMs) : undefined;
  return {
    signal: controller.signal,
    race<T>(work: T | Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => {
          if (controller.signal.reason instanceof AttemptTimeoutError) reject(controller.signal.reason);
        };
        if (controller.signal.aborted) onAbort();
        else controller.signal.addEventListener('abort', onAbort, { once: true });
        Promise.resolve(work).then(resolve, reject).finally(() => controller.signal.removeEventListener('abort', onAbort));
      });
    },
    dispose() {
      clearTimeout(timer);
      cancellation.removeEventListener('abort', onCancel);
    },
  };
}
