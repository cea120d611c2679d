import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** `mycel mcp serve`: Mycel as a stdio MCP server for desktop MCP hosts. */
export function registerMcpServeCommand(mcp: Command, ctx: CliContext): void {
  mcp
    .command('serve')
    .description("serve Mycel's tools (reminders, memory, pipelines, send_message) over MCP on stdin/stdout, for desktop MCP hosts")
    .addHelpText(
      'after',
      [
        '',
        'Talks to the Mycel running on MYCEL_DATA_DIR (or at TEMPORAL_ADDRESS), sharing its database;',
        'when none runs, it starts the embedded default, as `mycel start` would, while the host keeps it.',
        'stdout carries only MCP messages; logs go to stderr. The same tools answer on POST /mcp of the',
        'HTTP server (Streamable HTTP, with the API\'s bearer token).',
        '',
        'A desktop MCP host\'s config (claude_desktop_config.json and the like):',
        '  {"mcpServers": {"mycel": {"command": "node", "args": ["/path/to/mycel/bin/mycel.js", "mcp", "serve"],',
        '                            "env": {"MYCEL_DATA_DIR": "/path/to/mycel/.mycel"}}}}',
      ].join('\n'),
    )
    .action(async () => {
      const { serveStdio } = await import('../../mcp/server/stdio.js');
      await serveStdio(ctx.config(), ctx.logger());
    });
}
