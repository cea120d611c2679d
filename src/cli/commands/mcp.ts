import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerMcpServeCommand } from './mcp-serve.js';

/** `mycel mcp …`: the Model Context Protocol, both ways. */
export function registerMcpCommands(program: Command, ctx: CliContext): void {
  const mcp = program.command('mcp').description('the Model Context Protocol: Mycel as an MCP server');
  registerMcpServeCommand(mcp, ctx);
}
