import { Runtime, Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { WorkerDeps } from '../activities/worker-deps.js';
import type { Logger } from '../logging/logger.js';
import { tracingActivityInterceptors, tracingSinks, tracingWorkflowModules } from '../telemetry/tracing.js';
import { loadWorkflowBundle } from './bundle.js';
import { activityObservability } from './interceptors.js';

let runtimeInstalled = false;

/** Activities one worker runs at once (MycelWorkerOptions.maxConcurrentActivityTaskExecutions overrides it). */
export const WORKER_ACTIVITY_SLOTS = 100;
/**
 * Free activity slots a workflow task may reserve for eager execution: activities it schedules
 * come back in its completion response and start at once, skipping the task queue (when the
 * server allows it; the embedded one does). The SDK's default of 3 leaves a pipeline's
 * fan-out mostly to the queue.
 */
export const EAGER_ACTIVITY_RESERVATIONS = WORKER_ACTIVITY_SLOTS;

/** Routes the SDK's own log lines into Mycel's logger (once per process). */
export function installTemporalRuntime(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const sdkLog = logger.child({ component: 'temporal-sdk' });
  try {
    Runtime.install({
      logger: {
        log: (level, message, meta) => sdkLog[level === 'TRACE' ? 'trace' : (level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error')]?.(meta ?? {}, message),
        trace: (message, meta) => sdkLog.trace(meta ?? {}, message),
        debug: (message, meta) => sdkLog.debug(meta ?? {}, message),
        info: (message, meta) => sdkLog.info(meta ?? {}, message),
        warn: (message, meta) => sdkLog.warn(meta ?? {}, message),
        error: (message, meta) => sdkLog.error(meta ?? {}, message),
      },
      telemetryOptions: { logging: { filter: 'WARN', forward: {} } },
      // Mycel's lifecycle owns SIGINT/SIGTERM (it stops input, then the worker, then Temporal);
      // the SDK's own handlers would stop the worker behind its back and keep a signal from ending
      // a process that has not finished starting.
      shutdownSignals: [],
    });
  } catch {
    // Already installed by an embedding application: keep theirs.
  }
}

export interface MycelWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: WorkerDeps;
  /** Extra activities (tests, doctor probes). */
  extraActivities?: Record<string, (...args: never[]) => unknown>;
  maxConcurrentActivityTaskExecutions?: number;
}

/** Creates (does not run) the Mycel worker: every workflow and every activity, one task queue. */
export async function createWorker(options: MycelWorkerOptions): Promise<Worker> {
  installTemporalRuntime(options.deps.logger);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await loadWorkflowBundle(options.deps.logger, { workflowInterceptorModules: tracingWorkflowModules() }),
    activities: { ...createActivities(options.deps), ...options.extraActivities },
    // Metrics and log bindings for every activity; tracing spans when OTLP is configured.
    interceptors: { activity: [activityObservability(options.deps.metrics), ...tracingActivityInterceptors()] },
    sinks: tracingSinks(),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? WORKER_ACTIVITY_SLOTS,
    maxEagerActivityReservationsPerWorkflowTask: EAGER_ACTIVITY_RESERVATIONS,
  });
}
