import { createHttpApp } from '../http/app.js';
import type { HttpDeps } from '../http/context.js';
import { startHttpServer, type RunningHttpServer } from '../http/server.js';
import type { Component } from '../runtime/lifecycle.js';
import type { MycelProcess } from '../runtime/processes.js';
import { readinessChecks } from '../runtime/readiness.js';
import { installBacklogSampler } from './backlog.js';

/**
 * A worker-only process (`mycel worker`) has no HTTP server, yet its activity metrics
 * (failures, retries, durations, promise delivery delay) are counted in it. With
 * MYCEL_METRICS_PORT set it serves `/healthz`, `/readyz` and `/metrics` (and nothing of the
 * API) on MYCEL_HTTP_HOST:MYCEL_METRICS_PORT, for Prometheus and container health checks.
 */
export function workerHealthComponent(proc: MycelProcess, port: number): Component {
  let server: RunningHttpServer | undefined;
  return {
    name: 'worker-health-http',
    async start() {
      const { config } = proc;
      const deps: HttpDeps = {
        config,
        logger: proc.logger.child({ component: 'worker-health' }),
        metrics: proc.metrics,
        store: proc.store!,
        temporal: proc.client!,
        readiness: readinessChecks(proc.client!, proc.store!, config.temporal),
        info: { role: 'worker' },
      };
      installBacklogSampler(proc.metrics, proc.client!, config.temporal.namespace, config.temporal.taskQueue);
      server = await startHttpServer(createHttpApp(deps, []), config.http.host, port);
      proc.logger.info({ url: server.url }, 'worker health and metrics served');
    },
    async stop() {
      await server?.stop();
    },
  };
}
