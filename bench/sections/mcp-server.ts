/**
 * Mycel as an MCP server: what the MCP layer costs on top of the HTTP API.
 *
 * - createReminder: `create_reminder` over Streamable HTTP (POST /mcp, the SDK's client)
 *   against the same reminder made through the HTTP API (`POST /api/chats/{id}/messages`
 *   with `/remind`, the API's way to create one: a conversation turn).
 * - listReminders: `list_reminders` over MCP against `GET /api/chats/{id}/reminders`, the
 *   same query with nothing else around it: the transport's own overhead.
 * Reminders are due in an hour, so none fires while the section runs.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { distribution, type Distribution } from '../stats.js';

/** Calls per figure unless told otherwise (and in --quick mode). */
export const MCP_SERVER_BENCH_RUNS = 40;
const QUICK_RUNS = 10;
/** Calls made before measuring, so connections and caches are warm. */
const WARMUP_CALLS = 3;

export interface McpServerBenchResult {
  status: 'ok' | 'skipped';
  reason?: string;
  createReminder?: { mcp: Distribution; apiTurn: Distribution; mcpOverApiRatio: number };
  listReminders?: { mcp: Distribution; api: Distribution; mcpOverApiRatio: number };
}

async function time(fn: () => Promise<void>, runs: number): Promise<Distribution> {
  for (let i = 0; i < WARMUP_CALLS; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return distribution(samples);
}

async function ok(res: Response): Promise<void> {
  const body = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${body.slice(0, 200)}`);
}

/** Measures the MCP server of the Mycel at `baseUrl`. */
export async function measureMcpServer(baseUrl: string, runs = MCP_SERVER_BENCH_RUNS): Promise<McpServerBenchResult> {
  const client = new Client({ name: 'mycel-bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`)));
  const chatId = `bench-mcp-${Date.now().toString(36)}`;
  let n = 0;
  try {
    const callTool = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    };
    const mcpCreate = await time(() => callTool('create_reminder', { chatId, when: '1h', text: `bench ${++n}`, channel: 'web' }), runs);
    const apiTurn = await time(
      async () =>
        ok(await fetch(`${baseUrl}/api/chats/${chatId}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `/remind 1h bench ${++n}` }) })),
      runs,
    );
    const mcpList = await time(() => callTool('list_reminders', { chatId, channel: 'web' }), runs);
    const apiList = await time(async () => ok(await fetch(`${baseUrl}/api/chats/${chatId}/reminders`)), runs);
    const ratio = (a: Distribution, b: Distribution) => Math.round((a.medianMs / b.medianMs) * 100) / 100;
    return {
      status: 'ok',
      createReminder: { mcp: mcpCreate, apiTurn, mcpOverApiRatio: ratio(mcpCreate, apiTurn) },
      listReminders: { mcp: mcpList, api: apiList, mcpOverApiRatio: ratio(mcpList, apiList) },
    };
  } finally {
    await client.close();
  }
}

export default {
  name: 'mcp-server',
  description: 'MCP server: create_reminder over Streamable HTTP vs the HTTP API, list_reminders vs GET (median, p95)',
  run: async (ctx: { httpUrl?: string; quick?: boolean }): Promise<McpServerBenchResult> =>
    ctx.httpUrl ? measureMcpServer(ctx.httpUrl, ctx.quick ? QUICK_RUNS : MCP_SERVER_BENCH_RUNS) : { status: 'skipped', reason: "needs the running instance's HTTP URL" },
};
