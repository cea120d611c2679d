import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { WorkerDeps } from '../activities/worker-deps.js';
import type { MycelConfig } from '../config/config.js';
import { createHttpApp } from '../http/app.js';
import { ROUTE_MODULES } from '../http/routes/index.js';
import { startHttpServer, type RunningHttpServer } from '../http/server.js';
import type { Logger } from '../logging/logger.js';
import { installBacklogSampler } from '../metrics/backlog.js';
import { workerHealthServer } from '../metrics/metrics-server.js';
import { ensureMemoryRetentionSchedule } from '../memory/schedule.js';
import { startHeartbeat } from '../promises/lateness.js';
import { discordIngress, type DiscordIngress } from '../discord/component.js';
import { slackGateway, type SlackGateway } from '../slack/component.js';
import { mediaRetentionComponent } from '../media/retention.js';
import { telegramGateway, type TelegramGateway } from '../telegram/component.js';
import { telegramMediaSettings } from '../telegram/media.js';
import { installTracing } from '../telemetry/tracing.js';
import { connectWorker, targetFromConfig } from '../temporal/client.js';
import { whatsappGateway, type WhatsAppGateway } from '../whatsapp/component.js';
import { createWorker, installTemporalRuntime } from '../worker/worker.js';
import { createWorkerDeps } from '../worker/worker-deps.js';
import { Lifecycle } from './lifecycle.js';
import { readinessChecks, workerPollingCheck } from './readiness.js';
import { removeRuntimeInfo, writeRuntimeInfo } from './runtime-file.js';
import { activityDepsOf, openServices, type ProcessParts, type Services } from './services.js';

export type { ProcessParts } from './services.js';

export const START_PARTS: ProcessParts = { embedded: true, worker: true, gateway: true };
export const WORKER_PARTS: ProcessParts = { embedded: false, worker: true, gateway: false };
export const GATEWAY_PARTS: ProcessParts = { embedded: false, worker: false, gateway: true };

/** The worker part of a process: the SDK worker and what its activities were built with. */
export interface RunningWorker {
  worker: Worker;
  /** Its tools (MCP servers included), pipelines and brain hang off it. */
  deps: WorkerDeps;
}

/**
 * A running Mycel process: its services (built once by `openServices`) and the parts it
 * runs. Immutable; a part this process does not run is `undefined`. `lifecycle.stop()` ends it.
 */
export interface MycelProcess extends Services {
  readonly parts: ProcessParts;
  readonly lifecycle: Lifecycle;
  readonly worker: RunningWorker | undefined;
  /** The HTTP server (web app, API, webhooks) of a gateway. */
  readonly http: RunningHttpServer | undefined;
  readonly telegram: TelegramGateway | undefined;
  readonly whatsapp: WhatsAppGateway | undefined;
  readonly discord: DiscordIngress | undefined;
  readonly slack: SlackGateway | undefined;
}

/** How long the worker's start waits for Temporal to list its poller (readiness's worker check). */
const POLLER_VISIBLE_TIMEOUT_MS = 10_000;

/**
 * Waits until Temporal lists a poller on the task queue, so that `/readyz` answers 200 as soon as
 * start-up says the worker is polling. The worker's first poll reaches the server moments after
 * it runs; if it does not within the bound, start-up goes on and `/readyz` says why.
 */
async function waitUntilServerSeesPoller(client: Client, temporal: { namespace: string; taskQueue: string }, logger: Logger): Promise<void> {
  const check = workerPollingCheck(client, temporal.namespace, temporal.taskQueue);
  const deadline = Date.now() + POLLER_VISIBLE_TIMEOUT_MS;
  for (;;) {
    try {
      await check.check();
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        logger.warn({ err, taskQueue: temporal.taskQueue }, 'Temporal does not list the worker as polling yet; /readyz reports it until it does');
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * The worker part: a heartbeat (lets a late promise say when Mycel was not running, see
 * src/promises/lateness.ts), the worker's own runtimes (tools, pipelines, brain; the tools
 * policy and the MCP servers file are validated here), then the SDK worker, polling.
 */
async function startWorkerPart(lifecycle: Lifecycle, services: Services): Promise<RunningWorker> {
  const { config, logger, store, client } = services;
  await lifecycle.open({
    name: 'heartbeat',
    async start() {
      const beat = startHeartbeat(store, 'worker', (err) => logger.warn({ err }, 'could not record the process heartbeat'));
      await beat.ready;
      return beat;
    },
    stop: async (beat) => beat.stop(),
  });
  const deps = await lifecycle.open({ name: 'worker-runtimes', start: async () => createWorkerDeps(activityDepsOf(services)), stop: (owned) => owned.close() });
  return lifecycle.open({
    name: 'worker',
    async start() {
      const connection = await connectWorker(targetFromConfig(config, services.temporalAddress));
      const worker = await createWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, deps });
      const running = worker.run().finally(() => connection.close());
      running.catch((err) => logger.error({ err }, 'worker stopped with an error'));
      while (worker.getState() === 'INITIALIZED') await new Promise((r) => setTimeout(r, 10));
      await waitUntilServerSeesPoller(client, config.temporal, logger);
      logger.info({ taskQueue: config.temporal.taskQueue }, 'worker polling');
      await ensureMemoryRetentionSchedule(client, config.temporal.taskQueue, logger).catch((err) => logger.warn({ err }, 'memory retention schedule not created; retrying at the next start'));
      return { worker, running };
    },
    async stop({ worker, running }) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
    },
  }).then(({ worker }) => ({ worker, deps }));
}

/** The gateway's HTTP server: web app, API, webhooks, health and metrics. */
async function startHttpPart(lifecycle: Lifecycle, services: Services): Promise<RunningHttpServer> {
  const { config, logger, metrics, store, client, embedded } = services;
  const http = await lifecycle.open({
    name: 'http',
    async start() {
      installBacklogSampler(metrics, client, config.temporal.namespace, config.temporal.taskQueue);
      const deps = {
        config,
        logger: logger.child({ component: 'http' }),
        metrics,
        store,
        temporal: client,
        ingress: services.ingress,
        replies: services.replies,
        readiness: readinessChecks(client, store, config.temporal),
        info: { temporalUiUrl: embedded?.uiUrl, embeddedTemporal: Boolean(embedded) },
      };
      return startHttpServer(createHttpApp(deps, ROUTE_MODULES), config.http.host, config.http.port);
    },
    stop: (server) => server.stop(),
  });
  services.ownPorts.add(http.port);
  return http;
}

/**
 * Starts a process: its services first (`openServices`: Temporal, database, client, …), then
 * its parts in this order — worker, worker health server, HTTP, channel ingress (after the
 * HTTP server, which carries their webhooks), runtime file. Stopping runs in reverse: input
 * stops first, Temporal last. A new part (a channel's ingress, a server) is started here, in
 * its place in that order, and given only the services it uses.
 */
export async function startProcess(config: MycelConfig, logger: Logger, parts: ProcessParts): Promise<MycelProcess> {
  installTemporalRuntime(logger);
  installTracing(config, logger);
  const lifecycle = new Lifecycle(logger, config.shutdownTimeoutMs);
  const services = await openServices(lifecycle, config, logger, parts);
  const { store, metrics, client, ingress, channels } = services;

  const worker = parts.worker ? await startWorkerPart(lifecycle, services) : undefined;
  // Photos and voice notes are stored by the gateway and read by the worker: either sweeps them.
  if (parts.worker || parts.gateway) await lifecycle.start([mediaRetentionComponent({ dataDir: config.dataDir, retentionDays: config.media.retentionDays, logger })]);
  if (parts.worker && !parts.gateway && config.metricsPort !== undefined) await lifecycle.open(workerHealthServer(services, config.metricsPort));

  const http = parts.gateway ? await startHttpPart(lifecycle, services) : undefined;
  const channelDeps = { store, metrics, temporal: client, ingress, logger };
  const { token, apiRoot } = config.telegram;
  const telegram =
    parts.gateway && channels.telegram && token
      ? await lifecycle.open(telegramGateway({ ...channelDeps, client: channels.telegram, config: config.telegram, media: { settings: telegramMediaSettings(config), access: { token, apiRoot } } }))
      : undefined;
  const whatsapp =
    parts.gateway && channels.whatsapp
      ? await lifecycle.open(whatsappGateway({ ...channelDeps, client: channels.whatsapp, config: { ownerNumbers: config.whatsapp.ownerNumbers, phoneNumberId: channels.whatsapp.phoneNumberId } }))
      : undefined;
  const discord =
    parts.gateway && channels.discord
      ? await lifecycle.open(discordIngress({ ...channelDeps, rest: channels.discord.rest, config: { ...config.discord, token: channels.discord.token } }))
      : undefined;
  const slack = parts.gateway && channels.slack ? await lifecycle.open(slackGateway({ ...channelDeps, client: channels.slack, config: config.slack })) : undefined;

  if (parts.embedded) {
    await lifecycle.open({
      name: 'runtime-file',
      async start() {
        writeRuntimeInfo(config.dataDir, {
          pid: process.pid,
          temporalAddress: services.temporalAddress,
          embeddedTemporal: Boolean(services.embedded),
          temporalUiUrl: services.embedded?.uiUrl,
          httpUrl: http?.url,
          startedAt: new Date().toISOString(),
        });
      },
      stop: async () => removeRuntimeInfo(config.dataDir),
    });
  }
  return Object.freeze({ ...services, parts, lifecycle, worker, http, telegram, whatsapp, discord, slack });
}
