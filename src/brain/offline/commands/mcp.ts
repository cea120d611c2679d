import type { McpDescription } from '../../../mcp/client/describe.js';
import { formatMcpOutput, isMcpOutput } from '../../../mcp/client/result.js';
import { mcpToolId } from '../../../mcp/client/tools.js';
import { call, describeFailure, reply, type OfflineCommand } from '../command.js';

const USAGE = 'Usage: /mcp, or /mcp <server> <tool> [JSON arguments], for example /mcp everything echo {"message":"hi"}';

/** `/mcp <server> <tool> [JSON]` → its parts, or why it cannot be read. */
export function parseMcpArgs(args: string): { server: string; tool: string; input: unknown } | { error: string } {
  const match = /^(\S+)\s+(\S+)(?:\s+([\s\S]*))?$/.exec(args);
  if (!match) return { error: USAGE };
  const json = match[3]?.trim();
  if (!json) return { server: match[1]!, tool: match[2]!, input: {} };
  try {
    return { server: match[1]!, tool: match[2]!, input: JSON.parse(json) as unknown };
  } catch (err) {
    return { error: `The arguments are not valid JSON (${err instanceof Error ? err.message : String(err)}). Nothing was called.\n${USAGE}` };
  }
}

function listServers(d: McpDescription): string {
  if (d.servers.length === 0) return `No MCP servers are configured (add them to ${d.file}).`;
  return [
    'MCP servers:',
    ...d.servers.flatMap((s) => [
      `• ${s.name} (${s.transport}) — ${s.state}${s.restarts ? `, restarted ${s.restarts}×` : ''}${s.error && s.state !== 'connected' ? `: ${s.error}` : ''}`,
      ...(s.tools.length ? s.tools.map((t) => `   – ${t.name} [${t.policy}] ${t.description}`) : ['   (no tools known yet)']),
    ]),
  ].join('\n');
}

/** `/mcp` and `/mcp <server> <tool> [JSON]` (**contract**). */
export function mcpCommands(): OfflineCommand[] {
  const mcp: OfflineCommand = {
    name: 'mcp',
    usage: '/mcp [<server> <tool> [JSON arguments]]',
    example: '/mcp everything echo {"message":"hi"}',
    summary: 'list the MCP servers and their tools, or call one tool through the safety policy',
    run(turn) {
      const parsed = turn.args ? parseMcpArgs(turn.args) : undefined;
      if (parsed && 'error' in parsed) return reply(parsed.error);
      const described = turn.result('mcp.describe');
      if (!described) return call({ tool: 'mcp.describe', input: {} });
      if (described.status !== 'ok') return reply(`I could not list the MCP servers: ${describeFailure(described)}`);
      const d = described.output as McpDescription;
      if (!parsed) return reply(listServers(d));

      const server = d.servers.find((s) => s.name === parsed.server);
      if (!server) {
        return reply(`There is no MCP server "${parsed.server}" (configured: ${d.servers.map((s) => s.name).join(', ') || 'none'}). Nothing was called.`);
      }
      const id = mcpToolId(server.name, parsed.tool);
      if (!server.tools.some((t) => t.id === id)) {
        const known = server.tools.map((t) => t.name).join(', ');
        return reply(
          known
            ? `The MCP server "${server.name}" has no tool "${parsed.tool}" (its tools: ${known}). Nothing was called.`
            : `The MCP server "${server.name}" has no tool "${parsed.tool}": it is ${server.state} and lists no tools${server.error ? ` (${server.error})` : ''}. Nothing was called.`,
        );
      }
      const outcome = turn.result(id);
      if (!outcome) return call({ tool: id, input: parsed.input });
      switch (outcome.status) {
        case 'ok':
          return reply(isMcpOutput(outcome.output) ? formatMcpOutput(outcome.output) : String(outcome.output));
        case 'pending-approval':
          return reply(
            `Calling ${id} needs the owner's approval. Approval id: ${outcome.approvalId}. Approve or deny it in the web app, on Telegram, or with \`mycel approvals approve ${outcome.approvalId}\`; I'll post the result here.`,
          );
        case 'refused':
          if (outcome.error?.startsWith(`invalid input for ${id}`)) {
            return reply(`The arguments do not fit the schema of ${id}: ${outcome.error.slice(`invalid input for ${id}: `.length).replace(/^input: /, '')}. Nothing was called.`);
          }
          return reply(`Call refused: ${outcome.error ?? 'not allowed by the tools policy'}. Nothing was called.`);
        default:
          return reply(`The MCP tool ${id} failed: ${outcome.error ?? 'unknown error'}`);
      }
    },
  };
  return [mcp];
}
