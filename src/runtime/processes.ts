import type { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/deps.js';
import { OutboundChannels } from '../channels/outbound.js';
import { InProcessReplyStreams, type ReplyStreams } from '../conversation/reply-stream.js';
import type { MycelConfig } from '../config/config.js';
import { createHttpApp } from '../http/app.js';
import type { HttpDeps } from '../http/context.js';
import { ROUTE_MODULES } from '../http/routes/index.js';
import { startHttpServer, type RunningHttpServer } from '../http/server.js';
import type { Logger } from '../logging/logger.js';
import { Metrics } from '../metrics/metrics.js';
import { MycelError } from '../shared/errors.js';
import { openMigratedDatabase, type Store } from '../storage/database.js';
import { connectClient, connectWorker, targetFromConfig } from '../temporal/client.js';
import { startEmbeddedTemporal, type EmbeddedTemporal } from '../temporal/dev-server.js';
import { ensureMemoryRetentionSchedule } from '../memory/schedule.js';
import { startHeartbeat } from '../promises/lateness.js';
import { mediaRetentionComponent } from '../media/retention.js';
import { registerTelegramSender, telegramComponent } from '../telegram/component.js';
import { registerWhatsAppSender, whatsappComponent } from '../whatsapp/component.js';
import { discordComponent, registerDiscordSender } from '../discord/component.js';
import { emailComponent, registerEmailSender } from '../email/component.js';
import { closeToolRuntime, toolRuntime } from '../tools/runtime.js';
import { createWorker, installTemporalRuntime } from '../worker/worker.js';
import { installBacklogSampler } from '../metrics/backlog.js';
import { workerHealthComponent } from '../metrics/metrics-server.js';
import { installTracing } from '../telemetry/tracing.js';
import { Lifecycle, type Component } from './lifecycle.js';
import { ownPortsFromConfig, type OwnPorts } from './own-ports.js';
import { readinessChecks, workerPollingCheck } from './readiness.js';
import { readRuntimeInfo, removeRuntimeInfo, writeRuntimeInfo } from './runtime-file.js';

/** Which parts a process runs. */
export interface ProcessParts {
  /** Run an embedded Temporal dev server when no TEMPORAL_ADDRESS is set. */
  embedded: boolean;
  worker: boolean;
  gateway: boolean;
}

export const START_PARTS: ProcessParts = { embedded: true, worker: true, gateway: true };
export const WORKER_PARTS: ProcessParts = { embedded: false, worker: true, gateway: false };
export const GATEWAY_PARTS: ProcessParts = { embedded: false, worker: false, gateway: true };

/** Everything a running Mycel process holds; filled in as components start. */
export interface MycelProcess {
  config: MycelConfig;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
  /** Senders of pushing channels, registered by the components that own them (Telegram). */
  outbound: OutboundChannels;
  /** Ports of this process and its Temporal server, filled in as they start. */
  ownPorts: OwnPorts;
  /** Reply parts as brain steps produce them: shared by the worker, the HTTP API and Telegram. */
  replies: ReplyStreams;
  temporalAddress?: string;
  embedded?: EmbeddedTemporal;
  store?: Store;
  client?: Client;
  connection?: Connection;
  worker?: Worker;
  /** What the worker's activities were built with (its tools, MCP servers included, hang off it). */
  workerDeps?: ActivityDeps;
  http?: RunningHttpServer;
}

function requireAddress(config: MycelConfig, parts: ProcessParts): void {
  if (!parts.embedded && !config.temporal.address) {
    throw new MycelError(
      'TEMPORAL_ADDRESS_REQUIRED',
      'TEMPORAL_ADDRESS is not set; `mycel worker` and `mycel gateway` run against an existing Temporal server.',
      'set TEMPORAL_ADDRESS=host:port (for example 127.0.0.1:7233), or run `mycel start` for everything in one process',
    );
  }
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
 * Builds the components of a process in the order they start: Temporal, database,
 * client, worker, HTTP. Stopping runs in reverse: input stops first, Temporal last.
 */
export function buildComponents(proc: MycelProcess, parts: ProcessParts): Component[] {
  const { config, logger } = proc;
  const components: Component[] = [];

  if (parts.embedded && !config.temporal.address) {
    components.push({
      name: 'embedded-temporal',
      async start() {
        const live = readRuntimeInfo(config.dataDir);
        if (live && live.pid !== process.pid) {
          throw new MycelError('ALREADY_RUNNING', `Mycel is already running on data dir ${config.dataDir} (pid ${live.pid}).`, 'stop it first, or set MYCEL_DATA_DIR to another folder');
        }
        proc.embedded = await startEmbeddedTemporal({
          dataDir: config.dataDir,
          namespace: config.temporal.namespace,
          logger,
          binary: { explicit: config.temporal.binary, progress: (line) => process.stderr.write(`${line}\n`) },
          ui: config.temporal.ui,
        });
        proc.temporalAddress = proc.embedded.address;
        proc.ownPorts.add(...proc.embedded.ports);
      },
      async stop() {
        await proc.embedded?.stop();
      },
    });
  } else {
    proc.temporalAddress = config.temporal.address;
  }

  components.push({
    name: 'database',
    async start() {
      proc.store = await openMigratedDatabase(config.databaseUrl);
      logger.info({ database: proc.store.description }, 'database ready');
    },
    async stop() {
      await proc.store?.close();
    },
  });

  components.push({
    name: 'temporal-client',
    async start() {
      const { client, connection } = await connectClient(targetFromConfig(config, proc.temporalAddress!));
      proc.client = client;
      proc.connection = connection;
    },
    async stop() {
      await proc.connection?.close();
    },
  });

  if (parts.worker) {
    // Lets a late promise say when Mycel was not running (src/promises/lateness.ts).
    let heartbeat: { stop: () => void } | undefined;
    components.push({
      name: 'heartbeat',
      async start() {
        const beat = startHeartbeat(proc.store!, 'worker', (err) => logger.warn({ err }, 'could not record the process heartbeat'));
        heartbeat = beat;
        await beat.ready;
      },
      async stop() {
        heartbeat?.stop();
      },
    });
  }

  if (parts.worker) {
    let running: Promise<void> | undefined;
    let workerDeps: ActivityDeps | undefined;
    components.push({
      name: 'worker',
      async start() {
        const connection = await connectWorker(targetFromConfig(config, proc.temporalAddress!));
        const deps: ActivityDeps = workerDeps = proc.workerDeps = { config, store: proc.store!, logger, metrics: proc.metrics, temporal: proc.client!, outbound: proc.outbound, ownPorts: proc.ownPorts, replies: proc.replies };
        // Loads and validates the tools policy (writing safe defaults on first start) and the
        // MCP servers file, and starts connecting to those servers.
        toolRuntime(deps);
        registerTelegramSender(proc);
        registerWhatsAppSender(proc);
        registerDiscordSender(proc);
        registerEmailSender(proc);
        const worker = await createWorker({
          connection,
          namespace: config.temporal.namespace,
          taskQueue: config.temporal.taskQueue,
          deps,
        });
        proc.worker = worker;
        running = worker.run().finally(() => connection.close());
        running.catch((err) => logger.error({ err }, 'worker stopped with an error'));
        while (worker.getState() === 'INITIALIZED') await new Promise((r) => setTimeout(r, 10));
        await waitUntilServerSeesPoller(proc.client!, config.temporal, logger);
        logger.info({ taskQueue: config.temporal.taskQueue }, 'worker polling');
        await ensureMemoryRetentionSchedule(proc.client!, config.temporal.taskQueue, logger).catch((err) => logger.warn({ err }, 'memory retention schedule not created; retrying at the next start'));
      },
      async stop() {
        if (proc.worker && proc.worker.getState() === 'RUNNING') proc.worker.shutdown();
        await running?.catch(() => undefined);
        if (workerDeps) await closeToolRuntime(workerDeps);
      },
    });
  }

  // Photos and voice notes are stored by the gateway and read by the worker: either sweeps them.
  if (parts.worker || parts.gateway) components.push(mediaRetentionComponent({ dataDir: config.dataDir, retentionDays: config.media.retentionDays, logger }));

  if (parts.worker && !parts.gateway && config.metricsPort !== undefined) components.push(workerHealthComponent(proc, config.metricsPort));

  if (parts.gateway) {
    components.push({
      name: 'http',
      async start() {
        const deps: HttpDeps = {
          config,
          logger: logger.child({ component: 'http' }),
          metrics: proc.metrics,
          store: proc.store!,
          temporal: proc.client!,
          replies: proc.replies,
          readiness: readinessChecks(proc.client!, proc.store!, config.temporal),
          info: { temporalUiUrl: proc.embedded?.uiUrl, embeddedTemporal: Boolean(proc.embedded) },
        };
        installBacklogSampler(proc.metrics, proc.client!, config.temporal.namespace, config.temporal.taskQueue);
        proc.http = await startHttpServer(createHttpApp(deps, ROUTE_MODULES), config.http.host, config.http.port);
        proc.ownPorts.add(proc.http.port);
      },
      async stop() {
        await proc.http?.stop();
      },
    });
    if (config.telegram.token) components.push(telegramComponent(proc));
    if (config.whatsapp.enabled) components.push(whatsappComponent(proc));
    if (config.discord.token) components.push(discordComponent(proc));
    if (config.email.enabled) components.push(emailComponent(proc));
  }

  if (parts.embedded) {
    components.push({
      name: 'runtime-file',
      async start() {
        writeRuntimeInfo(config.dataDir, {
          pid: process.pid,
          temporalAddress: proc.temporalAddress!,
          embeddedTemporal: Boolean(proc.embedded),
          temporalUiUrl: proc.embedded?.uiUrl,
          httpUrl: proc.http?.url,
          startedAt: new Date().toISOString(),
        });
      },
      async stop() {
        removeRuntimeInfo(config.dataDir);
      },
    });
  }
  return components;
}

/** Starts a process's parts and returns it running; `proc.lifecycle.stop()` ends it. */
export async function startProcess(config: MycelConfig, logger: Logger, parts: ProcessParts): Promise<MycelProcess> {
  requireAddress(config, parts);
  installTemporalRuntime(logger);
  installTracing(config, logger);
  const proc: MycelProcess = {
    config,
    logger,
    metrics: new Metrics(),
    outbound: new OutboundChannels(),
    ownPorts: ownPortsFromConfig(config),
    replies: new InProcessReplyStreams(),
    lifecycle: new Lifecycle(logger, config.shutdownTimeoutMs),
  };
  await proc.lifecycle.start(buildComponents(proc, parts));
  return proc;
}
