import type { OpenAPIHono } from '@hono/zod-openapi';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { HttpDeps } from '../../http/context.js';
import { createMcpServer } from './tools.js';

/** Where the HTTP server answers MCP over Streamable HTTP (**contract**). */
export const MCP_HTTP_PATH = '/mcp';

/**
 * `POST /mcp`: Mycel's MCP server over Streamable HTTP, stateless. Each request gets its own
 * server and transport (nothing is kept between requests, so any gateway process can answer
 * any request) and a JSON response. An ordinary route of the app: it sits behind the same
 * bearer token, body limit and request checks as the API. GET and DELETE, which only
 * stateful servers use (an event stream, ending a session), answer 405.
 */
export function registerMcpRoute(app: OpenAPIHono, deps: HttpDeps): void {
  app.post(MCP_HTTP_PATH, async (c) => {
    const server = createMcpServer(deps);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      // The JSON response is complete when handleRequest returns: nothing is left to send.
      void server.close().catch((err: unknown) => deps.logger.debug({ err }, 'closing an MCP request server failed'));
    }
  });

  const notAllowed = () =>
    new Response(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP server is stateless; send requests with POST.' }, id: null }), {
      status: 405,
      headers: { 'content-type': 'application/json', allow: 'POST' },
    });
  app.get(MCP_HTTP_PATH, notAllowed);
  app.delete(MCP_HTTP_PATH, notAllowed);
}
