import type { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createWorkerDeps, type OwnedWorkerDeps } from '../../worker/worker-deps.js';
import { OutboundChannels } from '../../channels/outbound.js';
import type { MycelConfig } from '../../config/config.js';
import type { Logger } from '../../logging/logger.js';
import { Metrics } from '../../metrics/metrics.js';
import { readRuntimeInfo, removeRuntimeInfo, writeRuntimeInfo } from '../../runtime/runtime-file.js';
import type { DoctorStageName } from '../../shared/doctor.js';
import { formatError } from '../../shared/errors.js';
import { redactUrl } from '../../shared/redact.js';
import { openMigratedDatabase, type Store } from '../../storage/database.js';
import { connectClient, connectWorker, targetFromConfig } from '../../temporal/client.js';
import { startEmbeddedTemporal, type EmbeddedTemporal } from '../../temporal/dev-server.js';
import { createWorker, installTemporalRuntime } from '../../worker/worker.js';
import { databaseChecks } from './database-checks.js';
import { runCheck, skipped, type CheckResult, type DoctorReport } from './report.js';
import { modelCheck, slackCheck, telegramCheck } from './service-checks.js';
import { mcpChecks } from './mcp-checks.js';
import { temporalChecks } from './temporal-checks.js';
import { runValidation, skippedValidation, type ValidationRun } from './validation.js';

export interface DoctorOptions {
  config: MycelConfig;
  logger: Logger;
  /** Progress: the validation stage running now. */
  onStage?: (stage: DoctorStageName | 'done') => void;
}

/** The embedded server and in-process worker the doctor starts when nothing runs on the data dir. */
interface TemporaryEmbedded {
  server: EmbeddedTemporal;
  worker?: { worker: Worker; running: Promise<void>; store: Store; deps: OwnedWorkerDeps };
  workerError?: string;
}

/** Starts a worker in this process (all of Mycel's workflows and activities) on the task queue. */
async function startOwnWorker(config: MycelConfig, logger: Logger, address: string, client: Client): Promise<NonNullable<TemporaryEmbedded['worker']>> {
  // Before the first native connection, so the SDK's lines go to Mycel's logger.
  installTemporalRuntime(logger);
  const store = await openMigratedDatabase(config.databaseUrl);
  try {
    const connection = await connectWorker(targetFromConfig(config, address));
    const deps = createWorkerDeps({ config, store, logger, metrics: new Metrics({ defaultMetrics: false }), temporal: client, outbound: new OutboundChannels() }, { lazy: true });
    const worker = await createWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, deps });
    const running = worker.run().finally(() => connection.close());
    running.catch((err) => logger.error({ err }, 'doctor worker stopped with an error'));
    while (worker.getState() === 'INITIALIZED') await new Promise((r) => setTimeout(r, 10));
    return { worker, running, store, deps };
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function stopTemporary(temp: TemporaryEmbedded, dataDir: string): Promise<void> {
  if (temp.worker) {
    if (temp.worker.worker.getState() === 'RUNNING') temp.worker.worker.shutdown();
    await temp.worker.running.catch(() => undefined);
    await temp.worker.deps.close();
    await temp.worker.store.close();
  }
  await temp.server.stop();
  removeRuntimeInfo(dataDir);
}

/**
 * Validates a deployment end to end and reports every check. Temporal is reached through
 * TEMPORAL_ADDRESS; without it, through the running Mycel on this data dir (runtime.json);
 * with nothing running, the doctor starts the embedded default on the data dir's
 * temporal.db with a worker in this process (applying pending migrations, as `mycel start`
 * would), and stops both afterwards.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { config, logger } = options;
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const { namespace, taskQueue } = config.temporal;
  let mode: DoctorReport['mode'];
  let address: string | undefined;
  let temp: TemporaryEmbedded | undefined;
  const checks: CheckResult[] = [];
  let client: Client | undefined;
  let connection: Connection | undefined;

  if (config.temporal.address) {
    mode = 'external';
    address = config.temporal.address;
  } else {
    const running = readRuntimeInfo(config.dataDir);
    if (running) {
      mode = 'running';
      address = running.temporalAddress;
    } else {
      mode = 'temporary';
    }
  }

  // The database, Telegram and model checks do not depend on Temporal: run them meanwhile
  // (after the in-process worker has migrated the database, when the doctor starts one).
  const otherChecks = () => Promise.all([databaseChecks(config.databaseUrl), telegramCheck(config), slackCheck(config), modelCheck(config), mcpChecks(config)]);
  let others = mode === 'temporary' ? undefined : otherChecks();
  others?.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile

  try {
    checks.push(
      await runCheck(
        'temporal',
        'reachable',
        async () => {
          if (mode === 'temporary') {
            const server = await startEmbeddedTemporal({
              dataDir: config.dataDir,
              namespace,
              logger,
              binary: { explicit: config.temporal.binary, progress: (line) => process.stderr.write(`${line}\n`) },
            });
            temp = { server };
            address = server.address;
            writeRuntimeInfo(config.dataDir, { pid: process.pid, temporalAddress: address, embeddedTemporal: true, startedAt });
          }
          const connected = await connectClient(targetFromConfig(config, address!));
          client = connected.client;
          connection = connected.connection;
          await client.workflowService.getSystemInfo({});
          const how = mode === 'external' ? 'TEMPORAL_ADDRESS' : mode === 'running' ? `the running Mycel (${config.dataDir}/runtime.json)` : `embedded server started for this check on ${config.dataDir}/temporal.db`;
          return `${address} answers (${how})`;
        },
        mode === 'external'
          ? 'check TEMPORAL_ADDRESS (host:port), TLS/API key settings, and that the server is running'
          : 'check that the data dir is writable and that no other Temporal server uses its temporal.db',
      ),
    );

    if (client && temp) {
      try {
        temp.worker = await startOwnWorker(config, logger, address!, client);
      } catch (err) {
        temp.workerError = formatError(err).split('\n')[0];
      }
    }
    others ??= otherChecks();
    others.catch(() => undefined);

    let workersPolling = false;
    let namespaceOk = false;
    if (client) {
      const temporal = await temporalChecks({ client, address: address!, namespace, taskQueue, ownWorker: mode === 'temporary' });
      if (temp?.workerError) {
        // No poller because the doctor's own worker failed to start: say why, not "start a worker".
        const workers = temporal.checks.find((c) => c.name === 'workers');
        if (workers?.status === 'fail') {
          workers.detail = `the doctor's in-process worker could not start: ${temp.workerError}`;
          workers.hint = 'fix that cause (often a database row below says more), then run `mycel doctor` again';
        }
      }
      checks.push(...temporal.checks);
      workersPolling = temporal.workersPolling;
      namespaceOk = temporal.checks.find((c) => c.name === 'namespace')?.status !== 'fail';
    } else {
      for (const name of ['server', 'stores', 'namespace', 'workers', 'latency']) checks.push(skipped('temporal', name, 'skipped: Temporal is unreachable'));
    }

    const [database, telegram, slack, model, mcp] = await (others ??= otherChecks());
    checks.push(...database, telegram, ...slack, ...model, ...mcp);

    let validation: ValidationRun;
    if (!client) validation = skippedValidation('Temporal is unreachable');
    else if (!namespaceOk) validation = skippedValidation(`namespace "${namespace}" does not exist`);
    else if (!workersPolling) validation = skippedValidation(temp?.workerError ? `the in-process worker could not start: ${temp.workerError}` : `no worker polls task queue "${taskQueue}"`);
    else validation = await runValidation(client, taskQueue, options.onStage);
    checks.push(...validation.checks);

    return {
      ok: checks.every((c) => c.status !== 'fail'),
      startedAt,
      durationMs: Math.round(performance.now() - t0),
      mode,
      temporal: { address, namespace, taskQueue },
      database: redactUrl(config.databaseUrl),
      validation: validation.workflowId && validation.runId ? { workflowId: validation.workflowId, runId: validation.runId } : undefined,
      checks,
    };
  } finally {
    await connection?.close().catch(() => undefined);
    if (temp) await stopTemporary(temp, config.dataDir);
  }
}
