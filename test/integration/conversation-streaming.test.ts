import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webMessageKey } from '../../src/conversation/dedupe.js';
import { startOpenAIStandIn, type StandIn } from '../support/openai-stand-in.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { readEvents, type SeenEvent } from '../support/sse.js';

const newChat = () => `stream-${randomBytes(4).toString('hex')}`;

/** POSTs a message asking for the streamed answer; returns every event in order. */
async function streamTurn(mycel: TestMycel, chat: string, body: { text: string; messageId?: string }, onEvent: (e: SeenEvent) => void | Promise<void> = () => undefined) {
  const res = await fetch(`${mycel.url}/api/chats/${chat}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return readEvents(res, onEvent);
}

/** The text the deltas spell after the last reset. */
function spelled(events: SeenEvent[]): string {
  let text = '';
  for (const e of events) {
    if (e.event === 'reset') text = '';
    if (e.event === 'delta') text += e.data.text;
  }
  return text;
}

describe('streamed replies from a model (stand-in streaming in slow chunks)', () => {
  let standIn: StandIn;
  let mycel: TestMycel;
  beforeAll(async () => {
    standIn = await startOpenAIStandIn({ chunkChars: 4, chunkDelayMs: 30 });
    mycel = await startTestMycel({ env: { MYCEL_MODEL: 'openai-compatible:stand-in', MYCEL_MODEL_BASE_URL: standIn.baseUrl } });
  });
  afterAll(async () => {
    await mycel?.stop();
    await standIn?.close();
  });

  it('sends the parts as delta events while the reply is written, then one reply event, and records it once', async () => {
    const chat = newChat();
    const text = 'tell me something long enough to come in many parts';
    let transcriptAtFirstDelta: number | undefined;
    const events = await streamTurn(mycel, chat, { text, messageId: 'm1' }, async (e) => {
      if (e.event === 'delta' && transcriptAtFirstDelta === undefined) {
        transcriptAtFirstDelta = (await mycel.api(`/api/chats/${chat}/messages`)).body.length;
      }
    });
    const reply = `You said: ${text}`;
    // Exactly: deltas, then one reply with the plain answer's JSON.
    expect(events.map((e) => e.event)).toEqual([...Array(Math.ceil(reply.length / 4)).fill('delta'), 'reply']);
    for (const e of events.slice(0, -1)) expect(Object.keys(e.data)).toEqual(['text']);
    expect(events.at(-1)!.data).toEqual({ reply, turn: 1 });
    expect(spelled(events)).toBe(reply);
    // The first part came while the turn was still being written: nothing was recorded yet.
    expect(transcriptAtFirstDelta).toBe(0);
    const lines = (await mycel.api(`/api/chats/${chat}/messages`)).body;
    expect(lines.map((l: { role: string; text: string }) => [l.role, l.text])).toEqual([
      ['user', text],
      ['assistant', reply],
    ]);
    // The plain answer of the same turn is unchanged.
    const plain = await mycel.api(`/api/chats/${chat}/messages`, { body: { text, messageId: 'm1' } });
    expect(plain.body).toEqual({ reply, turn: 1 });
  });

  it('answers a repeated messageId with the recorded reply as one delta, starting no turn', async () => {
    const chat = newChat();
    const first = await streamTurn(mycel, chat, { text: 'once only', messageId: 'r1' });
    const streamedRequests = standIn.requests.filter((r) => r.stream).length;
    const again = await streamTurn(mycel, chat, { text: 'once only', messageId: 'r1' });
    expect(again.map((e) => e.event)).toEqual(['delta', 'reply']);
    expect(again[0]!.data).toEqual({ text: 'You said: once only' });
    expect(again[1]!.data).toEqual(first.at(-1)!.data);
    expect(standIn.requests.filter((r) => r.stream).length).toBe(streamedRequests);
    expect((await mycel.api(`/api/chats/${chat}/messages`)).body).toHaveLength(2);
  });

  it('carries the same deltas on the chat\'s event stream, before the transcript line', async () => {
    const chat = newChat();
    const controller = new AbortController();
    const res = await fetch(`${mycel.url}/api/chats/${chat}/events`, { signal: controller.signal });
    const seen: SeenEvent[] = [];
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    const reading = readEvents(
      res,
      (e) => {
        if (e.event === 'ready') ready();
        seen.push(e);
      },
      (e) => e.event === 'message' && e.data.role === 'assistant',
    );
    await isReady;
    const reply = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'follow me live', messageId: 'e1' } });
    await reading;
    controller.abort();
    const deltas = seen.filter((e) => e.event === 'delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.every((e) => e.data.key === webMessageKey(chat, 'e1'))).toBe(true);
    expect(deltas.map((e) => e.data.text).join('')).toBe(reply.body.reply);
    const firstDelta = seen.findIndex((e) => e.event === 'delta');
    const assistantLine = seen.findIndex((e) => e.event === 'message' && e.data.role === 'assistant');
    expect(firstDelta).toBeLessThan(assistantLine);
  });

  it('restarts the stream cleanly when the model call is retried (a reset event), and records the reply once', async () => {
    const chat = newChat();
    standIn.breakNext(1);
    const text = 'this answer breaks halfway the first time';
    const events = await streamTurn(mycel, chat, { text, messageId: 'b1' });
    const reply = `You said: ${text}`;
    const kinds = events.map((e) => e.event);
    const reset = kinds.indexOf('reset');
    expect(reset).toBeGreaterThan(0);
    // Some parts of the broken attempt came first; after the reset, the whole reply again.
    expect(kinds.slice(0, reset).every((k) => k === 'delta')).toBe(true);
    expect(kinds.at(-1)).toBe('reply');
    expect(spelled(events)).toBe(reply);
    expect(events.at(-1)!.data).toEqual({ reply, turn: 1 });
    expect((await mycel.api(`/api/chats/${chat}/messages`)).body.map((l: { text: string }) => l.text)).toEqual([text, reply]);
  });
});

describe('streamed replies from the offline brain', () => {
  let mycel: TestMycel;
  beforeAll(async () => {
    mycel = await startTestMycel();
  });
  afterAll(async () => {
    await mycel?.stop();
  });

  it('answers at once, as one delta and the reply', async () => {
    const chat = newChat();
    const events = await streamTurn(mycel, chat, { text: '/start' });
    expect(events.map((e) => e.event)).toEqual(['delta', 'reply']);
    expect(events[0]!.data.text).toBe(events[1]!.data.reply);
    expect(events[1]!.data.turn).toBe(1);
    expect(events[1]!.data.reply).toMatch(/I'm Mycel/);
  });
});
