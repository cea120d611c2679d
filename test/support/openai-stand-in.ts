import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small local stand-in for an OpenAI-compatible model server (`POST /v1/chat/completions`),
 * with scripted behaviour so tests can drive the model brain end to end over real HTTP:
 * - a user message mentioning "time zone" and a city → a tool call `chat_timezone`,
 * - a user message "echo <words> through mcp" → a call of the first offered tool whose name ends
 *   in `_echo` (an MCP echo tool, `mcp_<server>_echo`) with `{ message: <words> }`,
 * - a tool result as the last message → a text answer quoting the result,
 * - anything else → `You said: <text>`.
 *
 * With `"stream": true` the answer comes as server-sent chunks of `chunkChars` characters,
 * one every `chunkDelayMs`, the last one carrying the usage. Every answer reports usage
 * (`prompt_tokens` = 10 + the number of messages, `completion_tokens` = the number of
 * answer chunks); `served` adds up what was reported. A request's `max_tokens` is honoured: the
 * answer stops after that many chunks, with finish reason `length`. `failNext(n, status)` makes the next
 * n streamed requests (the turns; memory extraction does not stream) fail with that status,
 * `hangNext(n)` makes them never answer, `breakNext(n)` cuts them off after half their
 * chunks. `beforeNextTurn(hook)` runs `hook` (awaited) before the next streamed request is
 * answered, e.g. to take the database away while a turn is being thought through. Every request
 * body is kept for assertions.
 *
 * A user message with image parts (`image_url` data URLs, as the AI SDK sends images) is
 * answered `You said: <text> (I see <n> image(s))`, and each image is recorded in `images`.
 * `POST /v1/audio/transcriptions` (multipart, as OpenAI's) records the upload in
 * `transcriptions` and answers `{ "text": <transcript> }`; `failTranscriptionsNext(n, status)`
 * makes the next n fail.
 */
export interface StandInRequest {
  model: string;
  stream?: boolean;
  max_tokens?: number;
  messages: Array<Record<string, any>>;
  tools?: Array<Record<string, any>>;
}

/** An image the stand-in was shown. */
export interface SeenImage {
  mediaType: string;
  bytes: number;
}

/** A transcription upload the stand-in got. */
export interface TranscriptionUpload {
  model: string;
  fileName: string;
  mediaType: string;
  bytes: number;
}

export interface StandIn {
  baseUrl: string;
  requests: StandInRequest[];
  images: SeenImage[];
  transcriptions: TranscriptionUpload[];
  /** What `/audio/transcriptions` answers (changeable between requests). */
  transcript: { text: string };
  failTranscriptionsNext(count: number, status?: number): void;
  /** Usage reported in successful answers, summed. */
  served: { inputTokens: number; outputTokens: number; calls: number };
  /** Pace of streamed answers (changeable between requests). */
  pace: { chunkChars: number; chunkDelayMs: number };
  failNext(count: number, status?: number): void;
  hangNext(count: number): void;
  breakNext(count: number): void;
  beforeNextTurn(hook: (body: StandInRequest) => Promise<void> | void): void;
  close(): Promise<void>;
}

export interface StandInOptions {
  chunkChars?: number;
  chunkDelayMs?: number;
}

const CITY_ZONES: Record<string, string> = { berlin: 'Europe/Berlin', tokyo: 'Asia/Tokyo', paris: 'Europe/Paris' };

type Answer = { content: string | null; tool_calls?: Array<Record<string, any>>; finish: string };

function answer(body: StandInRequest): Answer {
  const last = body.messages.at(-1)!;
  if (last.role === 'tool') return { content: `Done. The tool said: ${last.content}`, finish: 'stop' };
  const images = imagePartsOf(last).length;
  const text = typeof last.content === 'string' ? last.content : Array.isArray(last.content) ? textPartsOf(last) : JSON.stringify(last.content);
  if (images) return { content: `You said: ${text} (I see ${images} image${images === 1 ? '' : 's'})`, finish: 'stop' };
  const city = Object.keys(CITY_ZONES).find((c) => text.toLowerCase().includes(c));
  if (/time zone/i.test(text) && city && body.tools?.some((t) => t.function?.name === 'chat_timezone')) {
    return {
      content: null,
      tool_calls: [{ id: `call_${city}`, type: 'function', function: { name: 'chat_timezone', arguments: JSON.stringify({ timeZone: CITY_ZONES[city] }) } }],
      finish: 'tool_calls',
    };
  }
  const echo = /echo (.+) through mcp/i.exec(text);
  const echoTool = body.tools?.map((t) => t.function?.name as string).find((name) => /^mcp_.+_echo$/.test(name ?? ''));
  if (echo && echoTool) {
    return { content: null, tool_calls: [{ id: 'call_mcp_echo', type: 'function', function: { name: echoTool, arguments: JSON.stringify({ message: echo[1] }) } }], finish: 'tool_calls' };
  }
  return { content: `You said: ${text}`, finish: 'stop' };
}

/** The answer cut to `max_tokens` chunks (one chunk counts as one completion token). */
function bounded(body: StandInRequest, a: Answer, size: number): Answer {
  if (body.max_tokens === undefined || !a.content || chunksOf(a.content, size).length <= body.max_tokens) return a;
  return { content: chunksOf(a.content, size).slice(0, Math.max(1, body.max_tokens)).join(''), finish: 'length' };
}

function textPartsOf(message: Record<string, any>): string {
  return (message.content as Array<Record<string, any>>).filter((p) => p.type === 'text').map((p) => p.text as string).join(' ');
}

function imagePartsOf(message: Record<string, any>): Array<{ mediaType: string; bytes: number }> {
  if (!Array.isArray(message.content)) return [];
  return (message.content as Array<Record<string, any>>)
    .filter((p) => p.type === 'image_url')
    .map((p) => {
      const match = /^data:([^;]+);base64,(.*)$/.exec(String(p.image_url?.url ?? ''));
      return { mediaType: match?.[1] ?? 'url', bytes: match ? Buffer.from(match[2]!, 'base64').length : 0 };
    });
}

function chunksOf(text: string, size: number): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts;
}

export async function startOpenAIStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const requests: StandIn['requests'] = [];
  const served = { inputTokens: 0, outputTokens: 0, calls: 0 };
  const pace = { chunkChars: options.chunkChars ?? 8, chunkDelayMs: options.chunkDelayMs ?? 0 };
  const failures: Array<number | 'hang' | 'break'> = [];
  const hanging = new Set<ServerResponse>();
  const turnHooks: Array<(body: StandInRequest) => Promise<void> | void> = [];

  const id = () => `chatcmpl-${Math.random().toString(36).slice(2)}`;

  function usageFor(body: StandInRequest, chunks: number) {
    const usage = { prompt_tokens: 10 + body.messages.length, completion_tokens: Math.max(1, chunks) };
    served.inputTokens += usage.prompt_tokens;
    served.outputTokens += usage.completion_tokens;
    served.calls += 1;
    return { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  }

  function whole(res: ServerResponse, body: StandInRequest, a: Answer): void {
    const chunks = a.content ? chunksOf(a.content, pace.chunkChars).length : 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: id(),
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: a.content, ...(a.tool_calls ? { tool_calls: a.tool_calls } : {}) }, finish_reason: a.finish }],
        usage: usageFor(body, chunks),
      }),
    );
  }

  async function streamed(res: ServerResponse, body: StandInRequest, a: Answer, cut = false): Promise<void> {
    const base = { id: id(), object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model };
    const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const parts = a.content ? chunksOf(a.content, pace.chunkChars) : [];
    for (const [i, part] of parts.entries()) {
      if (i > 0 && pace.chunkDelayMs) await new Promise((r) => setTimeout(r, pace.chunkDelayMs));
      if (res.destroyed) return;
      if (cut && i >= Math.ceil(parts.length / 2)) {
        res.destroy();
        return;
      }
      send({ ...base, choices: [{ index: 0, delta: { ...(i === 0 ? { role: 'assistant' } : {}), content: part }, finish_reason: null }] });
    }
    if (a.tool_calls) {
      send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', tool_calls: a.tool_calls.map((c, index) => ({ index, ...c })) }, finish_reason: null }] });
    }
    send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: a.finish }], usage: usageFor(body, parts.length) });
    res.end('data: [DONE]\n\n');
  }

  const images: SeenImage[] = [];
  const transcriptions: TranscriptionUpload[] = [];
  const transcript = { text: 'remind me to water the plants' };
  const transcriptionFailures: number[] = [];

  async function transcribe(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const form = await new Request('http://stand-in/', { method: 'POST', headers: { 'content-type': String(req.headers['content-type'] ?? '') }, body: new Uint8Array(body) }).formData();
    const file = form.get('file');
    if (!(file instanceof File)) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'file is required' } }));
      return;
    }
    transcriptions.push({ model: String(form.get('model')), fileName: file.name, mediaType: file.type, bytes: file.size });
    const failure = transcriptionFailures.shift();
    if (failure !== undefined) {
      res.writeHead(failure, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `stand-in failure ${failure}`, type: 'server_error' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: transcript.text }));
  }

  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url?.endsWith('/audio/transcriptions')) {
        void transcribe(req, Buffer.concat(parts), res).catch(() => res.destroy());
        return;
      }
      const raw = Buffer.concat(parts).toString('utf8');
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      const body = JSON.parse(raw) as StandInRequest;
      requests.push(body);
      const last = body.messages.at(-1);
      if (last) images.push(...imagePartsOf(last));
      const hook = body.stream ? turnHooks.shift() : undefined;
      if (hook) {
        void Promise.resolve(hook(body)).then(
          () => respond(body, res),
          () => res.destroy(),
        );
        return;
      }
      respond(body, res);
    });
  });

  function respond(body: StandInRequest, res: ServerResponse): void {
    const failure = body.stream ? failures.shift() : undefined;
    if (failure === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (failure === 'break') {
      void streamed(res, body, bounded(body, answer(body), pace.chunkChars), true).catch(() => res.destroy());
      return;
    }
    if (failure !== undefined) {
      res.writeHead(failure, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `stand-in failure ${failure}`, type: 'server_error' } }));
      return;
    }
    const a = bounded(body, answer(body), pace.chunkChars);
    if (body.stream) void streamed(res, body, a).catch(() => res.destroy());
    else whole(res, body, a);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    images,
    transcriptions,
    transcript,
    failTranscriptionsNext: (count, status = 500) => transcriptionFailures.push(...Array<number>(count).fill(status)),
    served,
    pace,
    failNext: (count, status = 500) => failures.push(...Array<number>(count).fill(status)),
    breakNext: (count) => failures.push(...Array<'break'>(count).fill('break')),
    hangNext: (count) => failures.push(...Array<'hang'>(count).fill('hang')),
    beforeNextTurn: (hook) => turnHooks.push(hook),
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
