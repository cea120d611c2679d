import type { Client } from '@temporalio/client';
import type { MycelConfig } from '../config/config.js';
import type { Ingress } from '../conversation/ingress.js';
import { createHttpApp } from '../http/app.js';
import type { HttpDeps } from '../http/context.js';
import { startHttpServer, type RunningHttpServer } from '../http/server.js';
import type { Logger } from '../logging/logger.js';
import type { Resource } from '../runtime/lifecycle.js';
import { readinessChecks } from '../runtime/readiness.js';
import type { Store } from '../storage/database.js';
import { installBacklogSampler } from './backlog.js';
import type { Metrics } from './metrics.js';

/** What the worker's health server uses. */
export interface WorkerHealthDeps {
  config: MycelConfig;
  logger: Logger;
  metrics: Metrics;
  store: Store;
  client: Client;
  ingress: Ingress;
}

/**
 * A worker-only process (`mycel worker`) has no HTTP server, yet its activity metrics
 * (failures, retries, durations, promise delivery delay) are counted in it. With
 * MYCEL_METRICS_PORT set it serves `/healthz`, `/readyz` and `/metrics` (and nothing of the
 * API) on MYCEL_HTTP_HOST:MYCEL_METRICS_PORT, for Prometheus and container health checks.
 */
export function workerHealthServer(services: WorkerHealthDeps, port: number): Resource<RunningHttpServer> {
  return {
    name: 'worker-health-http',
    async start() {
      const { config, client, store, metrics } = services;
      const deps: HttpDeps = {
        config,
        logger: services.logger.child({ component: 'worker-health' }),
        metrics,
        store,
        temporal: client,
        ingress: services.ingress,
        readiness: readinessChecks(client, store, config.temporal),
        info: { role: 'worker' },
      };
      installBacklogSampler(metrics, client, config.temporal.namespace, config.temporal.taskQueue);
      const server = await startHttpServer(createHttpApp(deps, []), config.http.host, port);
      services.logger.info({ url: server.url }, 'worker health and metrics served');
      return server;
    },
    stop: (server) => server.stop(),
  };
}
