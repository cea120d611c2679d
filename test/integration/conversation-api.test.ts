import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_CHARS } from '../../src/shared/envelope.js';
import { startTestMycel, testDialects, type TestMycel } from '../support/harness.js';

const newChat = () => `api-${randomBytes(4).toString('hex')}`;

/** Reads server-sent events until `until` says stop (or the time runs out). */
async function readEvents(
  url: string,
  init: { headers?: Record<string, string> },
  until: (events: Array<{ id?: string; event?: string; data: string }>) => boolean,
  timeoutMs = 15_000,
) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: Array<{ id?: string; event?: string; data: string }> = [];
  try {
    const res = await fetch(url, { headers: init.headers, signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event: { id?: string; event?: string; data: string } = { data: '' };
        for (const line of block.split('\n')) {
          if (line.startsWith('id:')) event.id = line.slice(3).trim();
          else if (line.startsWith('event:')) event.event = line.slice(6).trim();
          else if (line.startsWith('data:')) event.data += line.slice(5).trim();
        }
        if (event.data) events.push(event);
      }
    }
  } catch (err) {
    if (!(err instanceof Error && err.name === 'AbortError')) throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

describe.each(testDialects())('chat HTTP API on $name', (dialect) => {
  let mycel: TestMycel;
  beforeAll(async () => {
    mycel = await startTestMycel({ dialect });
  });
  afterAll(() => mycel?.stop());

  it('lists the chats with a transcript, the most recently active first', async () => {
    const [first, second] = [newChat(), newChat()];
    for (const [chat, text] of [[first, '/start'], [second, '/help'], [first, '/tools']] as const) {
      expect((await mycel.api(`/api/chats/${chat}/messages`, { body: { text } })).status).toBe(200);
    }
    const res = await mycel.api('/api/chats');
    expect(res.status).toBe(200);
    const ours = res.body.filter((c: { chatId: string }) => c.chatId === first || c.chatId === second);
    expect(ours.map((c: { chatId: string; messages: number }) => [c.chatId, c.messages])).toEqual([
      [first, 4],
      [second, 2],
    ]);
    expect(Date.parse(ours[0].lastMessageAt)).toBeGreaterThanOrEqual(Date.parse(ours[1].lastMessageAt));
    expect((await mycel.api('/api/chats?limit=0')).status).toBe(400);
  });

  it('holds a conversation with the offline brain and serves the transcript oldest first', async () => {
    const chat = newChat();
    const start = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: '/start' } });
    expect(start.status).toBe(200);
    expect(start.body).toEqual({ reply: expect.stringMatching(/Mycel/), turn: 1 });
    const help = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: '/help', messageId: 'h-1' } });
    expect(help.body.turn).toBe(2);
    expect(help.body.reply).toMatch(/\/timezone <IANA zone>/);
    const tz = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: '/timezone Europe/Berlin' } });
    expect(tz.body).toEqual({ reply: expect.stringMatching(/^Time zone set to Europe\/Berlin/), turn: 3 });
    const shown = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: '/timezone' } });
    expect(shown.body.reply).toMatch(/Your time zone is Europe\/Berlin/);

    const transcript = await mycel.api(`/api/chats/${chat}/messages`);
    expect(transcript.status).toBe(200);
    expect(transcript.body).toHaveLength(8);
    expect(transcript.body.slice(0, 2)).toEqual([
      { role: 'user', text: '/start', at: expect.any(String) },
      { role: 'assistant', text: start.body.reply, at: expect.any(String) },
    ]);
    expect(transcript.body.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
    const times = transcript.body.map((m: { at: string }) => Date.parse(m.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('returns the same reply and turn for a repeated messageId and starts no new turn (other text: 409)', async () => {
    const chat = newChat();
    const first = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'hello?', messageId: 'same-1' } });
    const changed = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'hello? (resent)', messageId: 'same-1' } });
    expect([changed.status, changed.body.turn]).toEqual([409, first.body.turn]);
    const again = await fetch(`${mycel.url}/api/chats/${chat}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello?', messageId: 'same-1' }),
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('x-mycel-duplicate')).toBe('true');
    expect(await again.json()).toEqual(first.body);
    const next = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'next', messageId: 'same-2' } });
    expect(next.body.turn).toBe(first.body.turn + 1);
    const transcript = await mycel.api(`/api/chats/${chat}/messages`);
    expect(transcript.body.map((m: { text: string }) => m.text).filter((t: string) => t.startsWith('hello?'))).toEqual(['hello?']);
  });

  it('refuses bad requests with 400 {error} and stores nothing', async () => {
    const chat = newChat();
    const post = (body: unknown, headers?: Record<string, string>) => mycel.api(`/api/chats/${chat}/messages`, { method: 'POST', body, headers });
    const cases: Array<[string, Awaited<ReturnType<typeof post>>, RegExp]> = [
      ['bad JSON', await post('{"text": "unterminated', { 'content-type': 'application/json' }), /JSON/i],
      ['no text', await post({ messageId: 'x' }), /text/],
      ['text not a string', await post({ text: 42 }), /text/],
      ['empty text', await post({ text: '' }), /text must not be empty/],
      ['blank text', await post({ text: '   \n ' }), /text must not be blank/],
      ['too long', await post({ text: 'x'.repeat(MAX_MESSAGE_CHARS + 1) }), new RegExp(`longer than ${MAX_MESSAGE_CHARS}`)],
      ['bad messageId', await post({ text: 'hi', messageId: 'has spaces' }), /messageId/],
    ];
    for (const [name, res, message] of cases) {
      expect(res.status, name).toBe(400);
      expect(Object.keys(res.body), name).toEqual(['error']);
      expect(res.body.error, name).toMatch(message);
    }
    const badChat = await mycel.api('/api/chats/bad%20chat/messages', { body: { text: 'hi' } });
    expect(badChat.status).toBe(400);
    expect(badChat.body.error).toMatch(/chat id/);
    const huge = await post({ text: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatch(/larger than/);

    expect((await mycel.api(`/api/chats/${chat}/messages`)).body).toEqual([]);
    await expect(mycel.proc.client.workflow.getHandle(`chat-web-${chat}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('streams new transcript lines as server-sent events and resumes from Last-Event-ID', async () => {
    const chat = newChat();
    await mycel.api(`/api/chats/${chat}/messages`, { body: { text: '/start' } });
    const url = `${mycel.url}/api/chats/${chat}/events`;
    const live = readEvents(url, {}, (events) => events.filter((e) => e.event === 'message').length >= 2);
    await new Promise((r) => setTimeout(r, 500));
    const sent = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'are you there?' } });
    const events = (await live).filter((e) => e.event === 'message');
    const lines = events.map((e) => JSON.parse(e.data));
    expect(lines.map((l) => [l.role, l.text])).toEqual([
      ['user', 'are you there?'],
      ['assistant', sent.body.reply],
    ]);
    expect(lines[1].turn).toBe(2);
    expect(events.map((e) => Number(e.id))).toEqual(lines.map((l) => l.id));

    // Resume after the first of the two lines: only the second comes again.
    const resumed = await readEvents(url, { headers: { 'last-event-id': events[0]!.id! } }, (evs) => evs.filter((e) => e.event === 'message').length >= 1, 5_000);
    expect(resumed.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data).text)).toEqual([sent.body.reply]);

    // ?history=N replays the last N lines first.
    const history = await readEvents(`${url}?history=3`, {}, (evs) => evs.filter((e) => e.event === 'message').length >= 3, 5_000);
    expect(history.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data).role)).toEqual(['assistant', 'user', 'assistant']);
  });
});
