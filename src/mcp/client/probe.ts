import { existsSync, readFileSync } from 'node:fs';
import { toolClass } from '../../tools/gate.js';
import { defaultPolicy, parsePolicy, type PolicyFile } from '../../tools/policy.js';
import { loadMcpConfig, type McpServerConfig } from './config.js';
import { McpConnection } from './connection.js';
import { MCP_DEFAULT_CLASS, mcpToolId } from './tools.js';

/** Longest a one-off check waits for a server to start and list its tools. */
export const MCP_PROBE_TIMEOUT_MS = 15_000;

/** One server as a one-off check sees it (`mycel mcp list`, `mycel doctor`). */
export interface McpProbe {
  name: string;
  transport: 'stdio' | 'http';
  state: 'connected' | 'failed' | 'disabled';
  /** Time to start (or reach) the server, shake hands and list its tools. */
  latencyMs?: number | undefined;
  error?: string | undefined;
  tools: Array<{ id: string; name: string; description: string; policy: string }>;
}

/** The tools policy as it stands on disk, read only (defaults when there is no file yet). */
export function readPolicyTools(file: string): Pick<PolicyFile, 'tools'> {
  return existsSync(file) ? parsePolicy(readFileSync(file, 'utf8'), file) : defaultPolicy();
}

/** Starts (or reaches) one server, lists its tools, and closes it again. */
export async function probeMcpServer(config: McpServerConfig, policy: Pick<PolicyFile, 'tools'>, timeoutMs = MCP_PROBE_TIMEOUT_MS): Promise<McpProbe> {
  const base = { name: config.name, transport: config.transport } as const;
  if (config.disabled) return { ...base, state: 'disabled', tools: [] };
  const connection = new McpConnection(config, undefined, timeoutMs, false);
  const started = performance.now();
  connection.start();
  try {
    const ok = await connection.ready(timeoutMs);
    const latencyMs = Math.round(performance.now() - started);
    if (!ok) return { ...base, state: 'failed', latencyMs, error: connection.lastError ?? `no answer within ${timeoutMs} ms`, tools: [] };
    return {
      ...base,
      state: 'connected',
      latencyMs,
      tools: connection.tools.map((t) => {
        const id = mcpToolId(config.name, t.name);
        return { id, name: t.name, description: t.description ?? '', policy: toolClass(policy, { id, policy: MCP_DEFAULT_CLASS }) };
      }),
    };
  } finally {
    await connection.close();
  }
}

/** Checks every server of the MCP servers file, in parallel. */
export async function probeMcpServers(configFile: string, policyFile: string, timeoutMs?: number): Promise<McpProbe[]> {
  const servers = loadMcpConfig(configFile);
  const policy = readPolicyTools(policyFile);
  return Promise.all(servers.map((s) => probeMcpServer(s, policy, timeoutMs)));
}
