import { MycelError } from '../../shared/errors.js';

/** The server was not reachable, so the call was never sent: nothing ran. */
export class McpCallNotStartedError extends MycelError {
  constructor(server: string, tool: string, state: string, why: string | undefined) {
    super(
      'MCP_NOT_STARTED',
      `the MCP server "${server}" is not available (${state}${why ? `: ${why}` : ''}), so ${tool} was not called`,
      'see `/mcp` or `mycel mcp list` for the server\'s state; Mycel keeps starting it again',
    );
    this.name = 'McpCallNotStartedError';
  }
}

/** The connection dropped while the call was in flight: it may have run, so it is not sent again. */
export class McpConnectionLostError extends MycelError {
  constructor(server: string, tool: string, why: string) {
    super(
      'MCP_CONNECTION_LOST',
      `the MCP server "${server}" went away during ${tool} (${why}); the call may have run, so it was not sent again`,
      'check the effect on the server\'s side before asking again',
    );
    this.name = 'McpConnectionLostError';
  }
}

/** The server did not answer in time; the call was cut off (and cancelled on the server). */
export class McpTimeoutError extends MycelError {
  constructor(server: string, tool: string, ms: number) {
    super('MCP_TIMEOUT', `the MCP server "${server}" did not answer ${tool} within ${ms} ms; the call was cut off and not sent again`, 'raise "timeoutMs" of the server\'s entry in the MCP servers file if it needs longer');
    this.name = 'McpTimeoutError';
  }
}
