import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../logging/logger.js';
import { redactText } from '../../shared/redact.js';
import { DEFAULT_MCP_CONNECT_TIMEOUT_MS, type McpServerConfig } from './config.js';
import { McpCallNotStartedError, McpConnectionLostError, McpTimeoutError } from './errors.js';
import { sleepUnlessAborted } from '../../shared/sleep.js';

/** First wait before a dead server is started again; doubles on each failure up to the cap. */
export const MCP_RESTART_INITIAL_DELAY_MS = 500;
export const MCP_RESTART_MAX_DELAY_MS = 30_000;
/** Consecutive failed starts after which a server is shown as `failed` (it is still retried). */
export const MCP_FAILED_AFTER_ATTEMPTS = 5;
/** Lines of a stdio server's stderr kept to explain why it died. */
const STDERR_TAIL_LINES = 20;

/** Where a server connection stands, as `/mcp`, `mycel mcp list` and doctor show it. */
export type McpServerState = 'connecting' | 'connected' | 'restarting' | 'failed' | 'disabled' | 'stopped';

export const MYCEL_CLIENT_INFO = { name: 'mycel', version: '0.1.0' } as const;

/** The environment of a stdio server: the SDK's minimal default plus the entry's own `env`. */
export function stdioEnvironment(entry: { env: Record<string, string> }): Record<string, string> {
  return { ...getDefaultEnvironment(), ...entry.env };
}

function transportFor(entry: McpServerConfig): Transport {
  if (entry.transport === 'stdio') {
    return new StdioClientTransport({ command: entry.command, args: entry.args, env: stdioEnvironment(entry), stderr: 'pipe', ...(entry.cwd ? { cwd: entry.cwd } : {}) });
  }
  return new StreamableHTTPClientTransport(new URL(entry.url), { requestInit: { headers: entry.headers } });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** True for failures that show the request never reached the server (nothing to fear from a retry). */
function neverSent(err: unknown): boolean {
  const text = err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : String(err);
  return /Not connected|ECONNREFUSED|fetch failed/i.test(text);
}

/**
 * One configured MCP server: connects through the official SDK (stdio or Streamable HTTP),
 * keeps its tool list, and starts it again with exponential backoff when it dies. Calls
 * are cut off at the entry's timeout; a call is never sent twice by this class unless the
 * caller says the tool is idempotent.
 */
export class McpConnection {
  state: McpServerState = 'stopped';
  lastError: string | undefined;
  tools: Tool[] = [];
  /** How many times the server was started again after it died or failed to start. */
  restarts = 0;
  connectedAt: Date | undefined;
  private client: Client | undefined;
  private transport: Transport | undefined;
  private attempts = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private waiters: Array<() => void> = [];
  private stderrTail: string[] = [];

  constructor(
    readonly config: McpServerConfig,
    private readonly logger?: Logger,
    private readonly connectTimeoutMs = DEFAULT_MCP_CONNECT_TIMEOUT_MS,
    /** Start the server again when it dies (false for one-off checks). */
    private readonly restart = true,
  ) {}

  get name(): string {
    return this.config.name;
  }

  /** The process id of a stdio server (for tests and diagnostics). */
  get pid(): number | null {
    return this.transport instanceof StdioClientTransport ? this.transport.pid : null;
  }

  /** Starts connecting in the background. */
  start(): void {
    if (this.config.disabled) {
      this.state = 'disabled';
      return;
    }
    this.stopping = false;
    void this.connect();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async connect(): Promise<void> {
    if (this.stopping) return;
    this.state = this.attempts === 0 && this.restarts === 0 ? 'connecting' : this.state;
    const client = new Client(MYCEL_CLIENT_INFO, {
      listChanged: {
        tools: {
          onChanged: (error, tools) => {
            if (!error && tools && this.client === client) this.tools = tools;
          },
        },
      },
    });
    const transport = transportFor(this.config);
    if (transport instanceof StdioClientTransport) {
      transport.stderr?.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          this.stderrTail.push(line);
          if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
        }
      });
    }
    try {
      await withTimeout(client.connect(transport), this.connectTimeoutMs, `starting the MCP server "${this.name}"`);
      const { tools } = await withTimeout(client.listTools(), this.connectTimeoutMs, `listing the tools of "${this.name}"`);
      if (this.stopping) {
        await client.close().catch(() => undefined);
        return;
      }
      this.client = client;
      this.transport = transport;
      this.tools = tools;
      this.state = 'connected';
      this.lastError = undefined;
      this.attempts = 0;
      this.connectedAt = new Date();
      client.onclose = () => this.lost(client, 'the server closed the connection');
      this.logger?.info({ mcpServer: this.name, tools: tools.length }, 'MCP server connected');
      this.notify();
    } catch (err) {
      await client.close().catch(() => undefined);
      this.failed(err);
    }
  }

  private describeDeath(reason: string): string {
    const tail = this.stderrTail.slice(-3).join(' | ');
    return redactText(tail ? `${reason} (stderr: ${tail})` : reason);
  }

  private lost(client: Client, reason: string): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.transport = undefined;
    if (this.stopping) return;
    this.logger?.warn({ mcpServer: this.name }, `MCP server lost: ${this.describeDeath(reason)}`);
    this.failed(new Error(reason));
  }

  private failed(err: unknown): void {
    if (this.stopping) return;
    this.attempts += 1;
    this.lastError = this.describeDeath(err instanceof Error ? err.message : String(err));
    if (!this.restart) {
      this.state = 'failed';
      this.notify();
      return;
    }
    this.state = this.attempts >= MCP_FAILED_AFTER_ATTEMPTS ? 'failed' : 'restarting';
    const delay = Math.min(MCP_RESTART_MAX_DELAY_MS, MCP_RESTART_INITIAL_DELAY_MS * 2 ** (this.attempts - 1));
    this.logger?.warn({ mcpServer: this.name, attempt: this.attempts, delayMs: delay }, `MCP server not available, starting it again: ${this.lastError}`);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.restarts += 1;
      void this.connect();
    }, delay);
    this.timer.unref();
  }

  /** Waits until the server is connected, at most `timeoutMs`; false if it is not by then. */
  async ready(timeoutMs = this.connectTimeoutMs): Promise<boolean> {
    if (this.client && this.state === 'connected') return true;
    if (this.state === 'disabled' || this.stopping) return false;
    // Woken early (aborted) when the connection changes state.
    const woken = new AbortController();
    this.waiters.push(() => woken.abort());
    await sleepUnlessAborted(timeoutMs, woken.signal);
    return Boolean(this.client && this.state === 'connected');
  }

  /**
   * Calls one tool, cut off after the entry's timeout. A call that could not be sent (the
   * server is down and did not come back in time) fails with McpCallNotStartedError; one
   * that may have reached the server fails with McpConnectionLostError or McpTimeoutError.
   * With `idempotent`, a call whose connection dropped is sent once more after the restart.
   */
  async call(tool: string, args: Record<string, unknown>, options: { idempotent?: boolean; signal?: AbortSignal } = {}): Promise<CallToolResult> {
    for (let attempt = 1; ; attempt += 1) {
      if (!(await this.ready())) throw new McpCallNotStartedError(this.name, tool, this.state, this.lastError);
      const client = this.client!;
      try {
        return (await client.callTool({ name: tool, arguments: args }, undefined, {
          timeout: this.config.timeoutMs,
          ...(options.signal ? { signal: options.signal } : {}),
        })) as CallToolResult;
      } catch (err) {
        if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) throw new McpTimeoutError(this.name, tool, this.config.timeoutMs);
        if (neverSent(err)) {
          if (this.config.transport === 'http') this.lost(client, err instanceof Error ? err.message : String(err));
          if (attempt < 2) continue;
          throw new McpCallNotStartedError(this.name, tool, this.state, err instanceof Error ? err.message : String(err));
        }
        if (err instanceof McpError && err.code === ErrorCode.ConnectionClosed) {
          if (options.idempotent && attempt < 2) continue;
          throw new McpConnectionLostError(this.name, tool, this.describeDeath(err.message));
        }
        throw err;
      }
    }
  }

  /** Stops the server (or closes the HTTP session) and any restart pending. */
  async close(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.state = 'stopped';
    const client = this.client;
    this.client = undefined;
    this.transport = undefined;
    this.notify();
    await client?.close().catch(() => undefined);
  }
}
