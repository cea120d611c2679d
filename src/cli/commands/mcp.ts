import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerMcpServeCommand } from './mcp-serve.js';

/** `mycel mcp …`: the Model Context Protocol, both ways (`list` the servers Mycel calls, `serve` Mycel itself). */
export function registerMcpCommands(program: Command, ctx: CliContext): void {
  registerMcpListCommand(program, ctx);
  registerMcpServeCommand(mcpCommandGroup(program), ctx);
}

/** The `mcp` command group; each subcommand registers itself on it. */
export function mcpCommandGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'mcp') ?? program.command('mcp').description('MCP: the servers whose tools Mycel calls, and Mycel as an MCP server');
}

/** `mycel mcp list`: each configured MCP server, whether it starts, and its tools with their class. */
export function registerMcpListCommand(program: Command, ctx: CliContext): void {
  mcpCommandGroup(program)
    .command('list')
    .description('start (or reach) each server of MYCEL_MCP_CONFIG, and list its state and its tools with their policy class')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = ctx.config();
      const { probeMcpServers } = await import('../../mcp/client/probe.js');
      const probes = await probeMcpServers(config.mcpConfigPath, config.toolsPolicyPath);
      if (probes.some((p) => p.state === 'failed')) process.exitCode = 1;
      if (opts.json) return ctx.out(JSON.stringify(probes, null, 2));
      if (!probes.length) return ctx.out(`No MCP servers are configured (${config.mcpConfigPath} does not list any).`);
      for (const p of probes) {
        ctx.out(`${p.name}  ${p.transport}  ${p.state}${p.latencyMs !== undefined ? `  ${p.latencyMs} ms` : ''}${p.error ? `  ${p.error}` : ''}`);
        for (const t of p.tools) ctx.out(`  mcp.${p.name}.${t.name}  [${t.policy}]  ${t.description}`);
      }
    });
}
