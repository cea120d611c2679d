import type { MycelConfig } from '../../config/config.js';
import { loadMcpConfig, type McpServerConfig } from '../../mcp/client/config.js';
import { probeMcpServer, readPolicyTools } from '../../mcp/client/probe.js';
import { redactText } from '../../shared/redact.js';
import { runCheck, skipped, type CheckResult } from './report.js';

/**
 * The MCP servers of MYCEL_MCP_CONFIG: each one is started (or reached), shakes hands and
 * lists its tools, timed. A bad file fails one check that names the file and the entry.
 */
export async function mcpChecks(config: Pick<MycelConfig, 'mcpConfigPath' | 'toolsPolicyPath'>): Promise<CheckResult[]> {
  let servers: McpServerConfig[] = [];
  const file = await runCheck(
    'mcp',
    'config',
    async () => {
      servers = loadMcpConfig(config.mcpConfigPath);
      return `${servers.length} server(s) in ${config.mcpConfigPath}`;
    },
    'fix the MCP servers file (MYCEL_MCP_CONFIG)',
  );
  if (file.status === 'fail') return [file];
  if (servers.length === 0) return [skipped('mcp', 'servers', `none configured (${config.mcpConfigPath} is missing or empty)`)];
  const policy = readPolicyTools(config.toolsPolicyPath);
  return Promise.all(
    servers.map(async (server): Promise<CheckResult> => {
      const probe = await probeMcpServer(server, policy);
      const where = server.transport === 'stdio' ? server.command : server.url;
      if (probe.state === 'disabled') return skipped('mcp', server.name, 'disabled in the MCP servers file');
      if (probe.state === 'failed') {
        return {
          group: 'mcp',
          name: server.name,
          status: 'fail',
          ms: probe.latencyMs ?? 0,
          detail: redactText(`${where}: ${probe.error ?? 'did not start'}`),
          hint: server.transport === 'stdio' ? 'check the entry\'s command, args and env (run the command by hand to see its error)' : 'check the entry\'s url and headers, and that the server is running',
        };
      }
      return { group: 'mcp', name: server.name, status: 'pass', ms: probe.latencyMs ?? 0, detail: `${server.transport}, ${probe.tools.length} tool(s), connected and listed in ${probe.latencyMs} ms` };
    }),
  );
}
