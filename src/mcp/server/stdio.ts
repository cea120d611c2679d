import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { MycelConfig } from '../../config/config.js';
import type { Logger } from '../../logging/logger.js';
import { Metrics } from '../../metrics/metrics.js';
import { readRuntimeInfo } from '../../runtime/runtime-file.js';
import { START_PARTS, startProcess } from '../../runtime/processes.js';
import { connectInstanceTemporal, openInstanceDatabase } from '../../cli/instance.js';
import { createIngress, turnOptionsFromConfig } from '../../conversation/ingress.js';
import type { Store } from '../../storage/database.js';
import type { Client } from '@temporalio/client';
import { createMcpServer, type McpServerDeps } from './tools.js';

/**
 * `mycel mcp serve`: Mycel's MCP server on stdin/stdout, for desktop MCP hosts that spawn
 * their servers. It talks to the running instance (TEMPORAL_ADDRESS, or the one `mycel start`
 * recorded in the data dir's runtime.json), sharing its database; when none runs, it starts
 * the embedded default (as `mycel start` would) for as long as the host keeps it.
 * stdout carries MCP messages only: logs go to stderr, and so does anything printed by
 * console.log while it serves.
 */

/** How this process reached Mycel, and how to let go of it. */
interface Backend {
  deps: McpServerDeps;
  /** "the running instance" or "an embedded instance", for the log. */
  label: string;
  close(): Promise<void>;
}

/** The server's dependencies against a running instance's database and Temporal. */
function backendDeps(config: MycelConfig, logger: Logger, store: Store, temporal: Client, metrics: Metrics): McpServerDeps {
  const ingress = createIngress(temporal, { ...turnOptionsFromConfig(config), store, metrics, logger });
  return { config, logger, store, temporal, ingress, metrics };
}

async function connectRunning(config: MycelConfig, logger: Logger): Promise<Backend> {
  const store = await openInstanceDatabase(config);
  try {
    const { client, connection } = await connectInstanceTemporal(config);
    return {
      deps: backendDeps(config, logger, store, client, new Metrics()),
      label: 'the running instance',
      async close() {
        await connection.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function startEmbedded(config: MycelConfig, logger: Logger): Promise<Backend> {
  const proc = await startProcess(config, logger, START_PARTS);
  return {
    deps: { config, logger, store: proc.store, temporal: proc.client, ingress: proc.ingress, metrics: proc.metrics },
    label: `an embedded instance${proc.http ? ` (web chat at ${proc.http.url})` : ''}`,
    close: () => proc.lifecycle.stop(),
  };
}

/** Whether a Mycel instance can be reached without starting one. */
export function instanceRunning(config: MycelConfig): boolean {
  return Boolean(config.temporal.address) || readRuntimeInfo(config.dataDir) !== undefined;
}

/** Serves MCP on stdio until the host closes stdin or a signal arrives; then lets go of everything. */
export async function serveStdio(config: MycelConfig, logger: Logger): Promise<void> {
  // Anything a dependency prints must not corrupt the protocol stream.
  console.log = console.error;
  console.info = console.error;
  const backend = instanceRunning(config) ? await connectRunning(config, logger) : await startEmbedded(config, logger);
  const server = createMcpServer(backend.deps);
  const transport = new StdioServerTransport();
  const finished = new Promise<string>((resolve) => {
    transport.onclose = () => resolve('transport closed');
    process.stdin.once('end', () => resolve('stdin closed'));
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await server.connect(transport);
  logger.info({ dataDir: config.dataDir }, `MCP server on stdio, serving ${backend.label}`);
  const why = await finished;
  logger.info({ why }, 'MCP server on stdio stopping');
  await server.close().catch(() => undefined);
  await backend.close();
}
