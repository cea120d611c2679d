import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Fields that every log line written inside a unit of work carries, without passing a
 * child logger around: the worker binds `workflowId`, `runId`, `activityType` and `attempt`
 * around each activity; ingress may bind `chatId` and `updateId` around a message.
 * The process logger reads them through pino's `mixin` (see logger.ts).
 */
export interface LogBindings {
  workflowId?: string;
  runId?: string;
  workflowType?: string;
  activityType?: string;
  attempt?: number;
  chatId?: string;
  updateId?: string;
}

const storage = new AsyncLocalStorage<LogBindings>();

/** Runs `fn` with `bindings` added to every log line written inside it (nested calls merge). */
export function withLogContext<T>(bindings: LogBindings, fn: () => T): T {
  const outer = storage.getStore();
  return storage.run(outer ? { ...outer, ...bindings } : bindings, fn);
}

/** The bindings of the current unit of work (empty outside one). */
export function currentLogBindings(): LogBindings {
  return storage.getStore() ?? {};
}
