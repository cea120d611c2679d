import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import getPort from 'get-port';
import type { Logger } from '../logging/logger.js';
import { MycelError, formatError } from '../shared/errors.js';
import { findTemporalBinary, type BinarySearch, type FoundBinary } from './binary.js';

/** How long the embedded server may take to answer after it was spawned. */
export const DEV_SERVER_READY_TIMEOUT_MS = 60_000;
/**
 * How far the server's timer processor may shift a timer. Its default (1 s) makes every
 * timer and activity retry backoff fire up to a second late; 10 ms keeps them on time.
 */
export const TIMER_MAX_TIME_SHIFT = '10ms';
/** How long a stopping server gets after SIGTERM before SIGKILL. */
export const DEV_SERVER_STOP_TIMEOUT_MS = 5_000;

export interface EmbeddedTemporalOptions {
  dataDir: string;
  namespace?: string;
  logger: Logger;
  binary?: BinarySearch;
  /** Serve Temporal's web UI on a free port (default: headless). */
  ui?: boolean;
  /** SQLite file name inside dataDir. */
  dbFileName?: string;
}

/** A running embedded Temporal dev server. */
export interface EmbeddedTemporal {
  address: string;
  uiUrl: string | undefined;
  pid: number | undefined;
  binary: FoundBinary | { path: 'sdk-download'; source: 'sdk' };
  stop(): Promise<void>;
}

interface PidRecord {
  pid: number;
  dbFile: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** A server left behind by a Mycel that crashed would hold the SQLite file: end it first. */
async function endLeftoverServer(pidFile: string, dbFile: string, logger: Logger): Promise<void> {
  if (!existsSync(pidFile)) return;
  try {
    const record = JSON.parse(readFileSync(pidFile, 'utf8')) as PidRecord;
    if (processAlive(record.pid) && commandLineOf(record.pid).includes(dbFile)) {
      logger.warn({ pid: record.pid }, 'stopping a Temporal dev server left behind by an earlier run');
      process.kill(record.pid, 'SIGTERM');
      const deadline = Date.now() + DEV_SERVER_STOP_TIMEOUT_MS;
      while (processAlive(record.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (processAlive(record.pid)) process.kill(record.pid, 'SIGKILL');
    }
  } catch {
    // An unreadable pid file is stale by definition.
  }
  rmSync(pidFile, { force: true });
}

/** Polls the frontend until it answers a namespace description. */
export async function waitForTemporal(address: string, namespace: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new MycelError('TEMPORAL_START_FAILED', `The Temporal dev server exited with code ${child.exitCode} while starting.`, 'see the log lines above; another process may hold the data dir');
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new MycelError(
    'TEMPORAL_START_TIMEOUT',
    `The Temporal dev server at ${address} did not become ready within ${timeoutMs / 1000}s: ${formatError(lastError)}`,
    'check the data dir is writable and no other Temporal server uses its temporal.db',
  );
}

/**
 * Runs `temporal server start-dev` with its SQLite state in the data dir, on free loopback
 * ports, and waits until it is healthy. The child is bound to this process (it receives
 * SIGKILL if Mycel dies), and a server left by a crashed run is ended before a new one starts.
 */
export async function startEmbeddedTemporal(options: EmbeddedTemporalOptions): Promise<EmbeddedTemporal> {
  const { dataDir, logger } = options;
  const namespace = options.namespace ?? 'default';
  mkdirSync(dataDir, { recursive: true });
  const dbFile = path.join(dataDir, options.dbFileName ?? 'temporal.db');
  const pidFile = `${dbFile}.pid`;
  await endLeftoverServer(pidFile, dbFile, logger);

  let binary: FoundBinary;
  try {
    binary = findTemporalBinary({ logger, ...options.binary });
  } catch (err) {
    return startWithSdkDownload(options, dbFile, namespace, err);
  }

  const port = await getPort({ host: '127.0.0.1' });
  const httpPort = await getPort({ host: '127.0.0.1' });
  const metricsPort = await getPort({ host: '127.0.0.1' });
  const uiPort = options.ui ? await getPort({ host: '127.0.0.1' }) : undefined;
  const args = [
    'server', 'start-dev',
    '--db-filename', dbFile,
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--http-port', String(httpPort),
    '--metrics-port', String(metricsPort),
    '--namespace', namespace,
    '--log-level', 'warn',
    '--sqlite-pragma', 'journal_mode=WAL',
    '--sqlite-pragma', 'synchronous=NORMAL',
    '--dynamic-config-value', 'frontend.enableServerVersionCheck=false',
    // Fire timers (reminders, retry backoffs) when due rather than up to a second late.
    '--dynamic-config-value', `history.timerProcessorMaxTimeShift="${TIMER_MAX_TIME_SHIFT}"`,
    ...(uiPort ? ['--ui-port', String(uiPort), '--ui-disable-news-fetch'] : ['--headless']),
  ];
  // setpriv --pdeathsig makes the kernel kill the server when Mycel dies, even by SIGKILL.
  const useSetpriv = existsSync('/usr/bin/setpriv');
  const [command, commandArgs] = useSetpriv
    ? ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', binary.path, ...args]]
    : [binary.path, args];
  logger.info({ binary: binary.path, source: binary.source, dbFile, port }, 'starting embedded Temporal dev server');
  const child = spawn(command, commandArgs, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a terminal's Ctrl-C reaches Mycel only, which then stops the
    // worker before the server (the server still dies with Mycel, through pdeathsig).
    detached: true,
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
  });
  const serverLog = logger.child({ component: 'temporal-server' });
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) serverLog.debug(line.trim());
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  if (child.pid) writeFileSync(pidFile, JSON.stringify({ pid: child.pid, dbFile } satisfies PidRecord));

  const address = `127.0.0.1:${port}`;
  try {
    await waitForTemporal(address, namespace, DEV_SERVER_READY_TIMEOUT_MS, child);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(pidFile, { force: true });
    throw err;
  }
  logger.info({ address }, 'embedded Temporal is ready');

  let stopped: Promise<void> | undefined;
  return {
    address,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    pid: child.pid,
    binary,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          rmSync(pidFile, { force: true });
          return resolve();
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), DEV_SERVER_STOP_TIMEOUT_MS);
        child.once('exit', () => {
          clearTimeout(timer);
          rmSync(pidFile, { force: true });
          resolve();
        });
        child.kill('SIGTERM');
      });
      return stopped;
    },
  };
}

/** Last resort of the design's search order: the SDK downloads a dev server (needs internet). */
async function startWithSdkDownload(
  options: EmbeddedTemporalOptions,
  dbFile: string,
  namespace: string,
  binaryError: unknown,
): Promise<EmbeddedTemporal> {
  options.logger.warn('no Temporal CLI found locally; trying the Temporal SDK download (needs internet)');
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        dbFilename: dbFile,
        namespace,
        ip: '127.0.0.1',
        extraArgs: ['--headless', '--dynamic-config-value', 'frontend.enableServerVersionCheck=false', '--dynamic-config-value', `history.timerProcessorMaxTimeShift="${TIMER_MAX_TIME_SHIFT}"`],
      },
    });
    const address = env.address;
    return {
      address,
      uiUrl: undefined,
      pid: undefined,
      binary: { path: 'sdk-download', source: 'sdk' },
      stop: () => env.teardown(),
    };
  } catch (downloadError) {
    const base = binaryError instanceof MycelError ? binaryError : undefined;
    throw new MycelError(
      'TEMPORAL_BIN_MISSING',
      `${base?.message ?? formatError(binaryError)}\n  - the Temporal SDK download (${formatError(downloadError).split('\n')[0]})`,
      base?.hint,
    );
  }
}
