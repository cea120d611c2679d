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
/**
 * The embedded server's dynamic configuration beyond its defaults: timers on time, no
 * version check, and eager activity execution (a workflow task that schedules activities gets
 * some of them back in its own completion response, when the worker has free slots, instead of
 * a trip through the task queue: pipeline fan-outs and tool calls start sooner, with less work
 * for the server).
 */
export const DEV_SERVER_DYNAMIC_CONFIG = [
  'frontend.enableServerVersionCheck=false',
  `history.timerProcessorMaxTimeShift="${TIMER_MAX_TIME_SHIFT}"`,
  'system.enableActivityEagerExecution=true',
];
const dynamicConfigArgs = DEV_SERVER_DYNAMIC_CONFIG.flatMap((value) => ['--dynamic-config-value', value]);
/** How long a stopping server gets after SIGTERM before SIGKILL. */
export const DEV_SERVER_STOP_TIMEOUT_MS = 5_000;
/**
 * Starts tried when a port was taken. Mycel picks the server's ports free, and the server picks
 * three more for its internal services; another process can bind one of them first.
 */
export const DEV_SERVER_START_ATTEMPTS = 3;
/** The server's output when a port it wanted was taken. */
const PORT_TAKEN = /address already in use/i;
/** Lines of the server's own output kept to explain a failed start. */
const OUTPUT_TAIL_LINES = 20;

export interface EmbeddedTemporalOptions {
  dataDir: string;
  namespace?: string;
  logger: Logger;
  binary?: BinarySearch;
  /** Serve Temporal's web UI on a free port (default: headless). */
  ui?: boolean;
  /** SQLite file name inside dataDir. */
  dbFileName?: string;
  /** Picks a free loopback port (tests replace it to provoke a taken port). */
  pickPort?: () => Promise<number>;
}

/** A running embedded Temporal dev server. */
export interface EmbeddedTemporal {
  address: string;
  /** Every port the server listens on (gRPC, HTTP API, metrics, UI). */
  ports: number[];
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
      throw new MycelError('TEMPORAL_START_FAILED', `The Temporal dev server exited with code ${child.exitCode} while starting.`, 'another process may hold the data dir');
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

interface SpawnedServer {
  child: ChildProcess;
  address: string;
  uiPort: number | undefined;
  ports: number[];
  /** The last OUTPUT_TAIL_LINES lines the server wrote. */
  output: string[];
}

/** Resolves once the child's output streams are closed (at most a second after it exited). */
async function closed(child: ChildProcess): Promise<void> {
  if (child.stdout?.closed !== false && child.stderr?.closed !== false) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1_000);
    child.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Spawns `temporal server start-dev` on free loopback ports (not yet ready). */
async function spawnServer(binary: FoundBinary, dbFile: string, namespace: string, options: EmbeddedTemporalOptions): Promise<SpawnedServer> {
  const { logger } = options;
  const pick = options.pickPort ?? (() => getPort({ host: '127.0.0.1' }));
  const port = await pick();
  const httpPort = await pick();
  const metricsPort = await pick();
  const uiPort = options.ui ? await pick() : undefined;
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
    ...dynamicConfigArgs,
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
  const output: string[] = [];
  const forward = (chunk: Buffer) => {
    for (const raw of chunk.toString('utf8').split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      serverLog.debug(line);
      output.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
      if (output.length > OUTPUT_TAIL_LINES) output.shift();
    }
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  if (child.pid) writeFileSync(`${dbFile}.pid`, JSON.stringify({ pid: child.pid, dbFile } satisfies PidRecord));
  const ports = [port, httpPort, metricsPort, ...(uiPort ? [uiPort] : [])];
  return { child, address: `127.0.0.1:${port}`, uiPort, ports, output };
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

  let server: SpawnedServer;
  for (let attempt = 1; ; attempt++) {
    server = await spawnServer(binary, dbFile, namespace, options);
    try {
      await waitForTemporal(server.address, namespace, DEV_SERVER_READY_TIMEOUT_MS, server.child);
      break;
    } catch (err) {
      server.child.kill('SIGKILL');
      await closed(server.child);
      rmSync(pidFile, { force: true });
      const output = server.output.join('\n');
      if (server.child.exitCode !== null && PORT_TAKEN.test(output) && attempt < DEV_SERVER_START_ATTEMPTS) {
        logger.warn({ attempt, output: server.output.at(-1) }, 'a port the embedded Temporal server picked was taken by another process; starting it again on other ports');
        continue;
      }
      if (!(err instanceof MycelError) || !output) throw err;
      throw new MycelError(err.code, `${err.message}\n  its last output:\n${server.output.map((l) => `    ${l}`).join('\n')}`, err.hint);
    }
  }
  const { child, address, uiPort, ports } = server;
  logger.info({ address }, 'embedded Temporal is ready');

  let stopped: Promise<void> | undefined;
  return {
    address,
    ports,
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
        extraArgs: ['--headless', ...dynamicConfigArgs],
      },
    });
    const address = env.address;
    const grpcPort = Number(address.slice(address.lastIndexOf(':') + 1));
    return {
      address,
      // The SDK's server does not report its other ports.
      ports: [grpcPort],
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
