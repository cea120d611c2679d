import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small local stand-in for an OpenAI-compatible model server (`POST /v1/chat/completions`,
 * non-streaming), with scripted behaviour so tests can drive the model brain end to end
 * over real HTTP:
 * - a user message mentioning "time zone" and a city → a tool call `chat_timezone`,
 * - a user message "echo <words> through mcp" → a call of the first offered tool whose name ends
 *   in `_echo` (an MCP echo tool, `mcp_<server>_echo`) with `{ message: <words> }`,
 * - a tool result as the last message → a text answer quoting the result,
 * - anything else → `You said: <text>`.
 * Every request body is kept for assertions.
 */
export interface StandIn {
  baseUrl: string;
  requests: Array<{ model: string; messages: Array<Record<string, any>>; tools?: Array<Record<string, any>> }>;
  close(): Promise<void>;
}

const CITY_ZONES: Record<string, string> = { berlin: 'Europe/Berlin', tokyo: 'Asia/Tokyo', paris: 'Europe/Paris' };

function completion(message: Record<string, unknown>, finish: string) {
  return {
    id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: 'stand-in',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

function answer(body: StandIn['requests'][number]) {
  const last = body.messages.at(-1)!;
  if (last.role === 'tool') return completion({ content: `Done. The tool said: ${last.content}` }, 'stop');
  const text = typeof last.content === 'string' ? last.content : JSON.stringify(last.content);
  const city = Object.keys(CITY_ZONES).find((c) => text.toLowerCase().includes(c));
  if (/time zone/i.test(text) && city && body.tools?.some((t) => t.function?.name === 'chat_timezone')) {
    return completion(
      {
        content: null,
        tool_calls: [{ id: `call_${city}`, type: 'function', function: { name: 'chat_timezone', arguments: JSON.stringify({ timeZone: CITY_ZONES[city] }) } }],
      },
      'tool_calls',
    );
  }
  const echo = /echo (.+) through mcp/i.exec(text);
  const echoTool = body.tools?.map((t) => t.function?.name as string).find((name) => /^mcp_.+_echo$/.test(name ?? ''));
  if (echo && echoTool) {
    return completion(
      { content: null, tool_calls: [{ id: 'call_mcp_echo', type: 'function', function: { name: echoTool, arguments: JSON.stringify({ message: echo[1] }) } }] },
      'tool_calls',
    );
  }
  return completion({ content: `You said: ${text}` }, 'stop');
}

export async function startOpenAIStandIn(): Promise<StandIn> {
  const requests: StandIn['requests'] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      const body = JSON.parse(raw) as StandIn['requests'][number];
      requests.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
