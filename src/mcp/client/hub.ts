import { statSync } from 'node:fs';
import type { Logger } from '../../logging/logger.js';
import { formatError } from '../../shared/errors.js';
import type { ToolDefinition } from '../../tools/types.js';
import { DEFAULT_MCP_MAX_RESULT_BYTES, loadMcpConfig, type McpServerConfig } from './config.js';
import { McpConnection, type McpServerState } from './connection.js';
import { McpToolDefinitions, mcpToolId } from './tools.js';

/** A server as `/mcp`, `mycel mcp list` and doctor show it. */
export interface McpServerStatus {
  name: string;
  transport: 'stdio' | 'http';
  state: McpServerState;
  restarts: number;
  error?: string | undefined;
  tools: Array<{ id: string; name: string; description: string; idempotent: boolean }>;
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * The MCP servers of a process. The file is read (and validated: a bad one stops start-up)
 * when the hub is built; it is read again when it changes, like the tools policy, and only
 * the entries that changed are restarted. An invalid edit is logged and the servers in
 * force stay.
 */
export class McpHub {
  private readonly connections = new Map<string, McpConnection>();
  private readonly definitions = new McpToolDefinitions();
  private mtimeMs: number;
  private closed = false;

  constructor(
    readonly file: string,
    private readonly logger?: Logger,
    private readonly options: { maxResultBytes?: number; connectTimeoutMs?: number } = {},
  ) {
    const servers = loadMcpConfig(file);
    this.mtimeMs = mtimeOf(file);
    for (const server of servers) this.add(server);
  }

  private add(config: McpServerConfig): void {
    const connection = new McpConnection(config, this.logger, this.options.connectTimeoutMs);
    this.connections.set(config.name, connection);
    connection.start();
  }

  /** Re-reads the file when it changed; restarts only the entries that changed. */
  private refresh(): void {
    if (this.closed) return;
    const mtimeMs = mtimeOf(this.file);
    if (mtimeMs === this.mtimeMs) return;
    this.mtimeMs = mtimeMs;
    let servers: McpServerConfig[];
    try {
      servers = loadMcpConfig(this.file);
    } catch (err) {
      this.logger?.error({ file: this.file }, `MCP servers not reloaded, keeping the ones in force: ${formatError(err)}`);
      return;
    }
    const wanted = new Map(servers.map((s) => [s.name, s]));
    for (const [name, connection] of this.connections) {
      const next = wanted.get(name);
      if (!next || JSON.stringify(next) !== JSON.stringify(connection.config)) {
        this.connections.delete(name);
        void connection.close();
      }
    }
    for (const server of servers) if (!this.connections.has(server.name)) this.add(server);
    this.logger?.info({ file: this.file, servers: servers.length }, 'MCP servers reloaded');
  }

  connection(name: string): McpConnection | undefined {
    this.refresh();
    return this.connections.get(name);
  }

  /** Every tool of every server, as registry tools `mcp.<server>.<tool>`. */
  tools(): ToolDefinition[] {
    this.refresh();
    const maxBytes = this.options.maxResultBytes ?? DEFAULT_MCP_MAX_RESULT_BYTES;
    return [...this.connections.values()].flatMap((c) => c.tools.map((t) => this.definitions.of(c, t, maxBytes)));
  }

  status(): McpServerStatus[] {
    this.refresh();
    return [...this.connections.values()].map((c) => ({
      name: c.name,
      transport: c.config.transport,
      state: c.state,
      restarts: c.restarts,
      error: c.lastError,
      tools: c.tools.map((t) => ({ id: mcpToolId(c.name, t.name), name: t.name, description: t.description ?? '', idempotent: t.annotations?.idempotentHint === true })),
    }));
  }

  /** Waits until every enabled server is connected (or `timeoutMs` passed); for start-up checks and tests. */
  async ready(timeoutMs?: number): Promise<boolean> {
    const results = await Promise.all([...this.connections.values()].filter((c) => c.state !== 'disabled').map((c) => c.ready(timeoutMs)));
    return results.every(Boolean);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.connections.values()].map((c) => c.close()));
    this.connections.clear();
  }
}
