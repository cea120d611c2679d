import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient, type ChatLine } from './chat-client.js';

/** A server that answers the chat routes with fixed event streams written with CRLF line ends. */
async function serve(routes: Record<string, string>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = req.url!.split('?')[0]!;
    const body = routes[`${req.method} ${path}`];
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // Written in two pieces split inside an event, as a network may deliver it.
    res.write(body.slice(0, 17));
    setTimeout(() => res.end(body.slice(17)), 20);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const crlf = (events: string[]) => events.map((e) => `${e.replace(/\n/g, '\r\n')}\r\n\r\n`).join('');

describe('the chat client reads server-sent events', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('shows each part of a streamed reply, starts over on reset, and returns the reply', async () => {
    const started = await serve({
      'POST /api/chats/c/messages': crlf([
        'event: delta\ndata: {"text":"Hel"}',
        'event: reset\ndata: {}',
        'event: delta\ndata: {"text":"Hello, "}',
        'event: delta\ndata: {"text":"world."}',
        'event: reply\ndata: {"reply":"Hello, world.","turn":3}',
      ]),
    });
    server = started.server;
    const seen: string[] = [];
    const result = await new ChatClient({ baseUrl: started.url, chatId: 'c' }).send('hi', 'm1', { delta: (t) => seen.push(t), reset: () => seen.push('<reset>') });
    expect(result).toEqual({ reply: 'Hello, world.', turn: 3 });
    expect(seen).toEqual(['Hel', '<reset>', 'Hello, ', 'world.']);
  });

  it('follows transcript lines on a CRLF event stream', async () => {
    const started = await serve({
      'GET /api/chats/c/events': crlf([
        'event: ready\nretry: 1000\ndata: {"after":4,"replayed":0}',
        'id: 5\nevent: message\ndata: {"id":5,"role":"assistant","text":"⏰ tea","at":"2026-01-01T00:00:00.000Z","kind":"reminder"}',
      ]),
    });
    server = started.server;
    const lines: ChatLine[] = [];
    const stop = new AbortController();
    const following = new ChatClient({ baseUrl: started.url, chatId: 'c' }).follow((line) => {
      lines.push(line);
      stop.abort();
    }, stop.signal);
    await following;
    expect(lines.map((l) => l.text)).toEqual(['⏰ tea']);
  });
});

describe('the chat client reads refusals', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  /** A server that answers every request with `status` and a JSON body. */
  async function refusing(status: number, body: unknown, type = 'application/json'): Promise<string> {
    server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('shows the server\'s error and hint, for a plain answer and for a streamed one', async () => {
    const plain = await refusing(409, { error: 'that messageId was used for other text', hint: 'send it with a new id', turn: 2 });
    await expect(new ChatClient({ baseUrl: plain, chatId: 'c' }).send('hi', 'm1')).rejects.toMatchObject({ code: 'CHAT_REFUSED', message: 'that messageId was used for other text', hint: 'send it with a new id' });
    server!.close();

    const streamed = await refusing(200, 'event: error\r\ndata: {"error":"database unavailable: nothing was changed","hint":"retry in 5 s","status":503}\r\n\r\n', 'text/event-stream');
    await expect(new ChatClient({ baseUrl: streamed, chatId: 'c' }).send('hi', 'm1')).rejects.toMatchObject({ code: 'CHAT_REFUSED', hint: 'retry in 5 s' });
    server!.close();

    const token = await refusing(401, { error: 'missing or wrong bearer token' });
    await expect(new ChatClient({ baseUrl: token, chatId: 'c' }).history(5)).rejects.toMatchObject({ code: 'UNAUTHORIZED', hint: expect.stringContaining('MYCEL_API_TOKEN') });
  });
});
