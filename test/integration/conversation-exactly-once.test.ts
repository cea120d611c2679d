import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure, Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ChatClient, type ChatLine } from '../../src/cli/chat-client.js';
import { submitTurn, TurnLanes } from '../../src/conversation/ingress.js';

/** In-process ingress state of this test's Mycel, and of the second gateway (its own process). */
const lanes = new TurnLanes();
const otherLanes = new TurnLanes();
import { webMessageKey } from '../../src/conversation/dedupe.js';
import { ENVELOPE_VERSION, type Envelope } from '../../src/shared/envelope.js';
import { countersQuery, turnUpdate, type ConversationCounters } from '../../src/workflows/definitions.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';

const newChat = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

function envelope(chatId: string, id: string, text = `message ${id}`, sequence: number | null = null): Envelope {
  return { v: ENVELOPE_VERSION, channel: 'web', chatId, userId: 'tester', updateId: webMessageKey(chatId, id), sequence, requestId: `r-${id}-${randomBytes(2).toString('hex')}`, text, receivedAt: new Date().toISOString() };
}

async function counters(mycel: TestMycel, chatId: string): Promise<ConversationCounters> {
  return mycel.proc.client.workflow.getHandle(`chat-web-${chatId}`).query(countersQuery);
}

/** Polls until `check` passes (signals and metrics settle asynchronously). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('exactly-once turns', () => {
  let mycel: TestMycel;
  let other: { client: Client; connection: Connection };
  beforeAll(async () => {
    mycel = await startTestMycel({ env: { MYCEL_CONVERSATION_TURNS_PER_RUN: '3' } });
    // A second, independent client: what a second gateway process would be.
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    other = { connection, client: new Client({ connection }) };
  });
  afterAll(async () => {
    await other?.connection.close();
    await mycel?.stop();
  });

  const taskQueue = () => mycel.config.temporal.taskQueue;
  const post = (chatId: string, text: string, messageId: string) => mycel.api(`/api/chats/${chatId}/messages`, { body: { text, messageId } });

  it('drops sequential repeats: same reply and turn, no new turn, counted in metrics and the query', async () => {
    const chat = newChat('seq');
    const before = metric((await mycel.api('/metrics')).body, 'mycel_duplicates_dropped_total', 'channel="web"');
    const first = await post(chat, '/start', 'a1');
    const second = await post(chat, '/start', 'a1');
    const third = await post(chat, '/start', 'a1');
    const changed = await post(chat, 'changed text, same id', 'a1');
    expect(second.body).toEqual(first.body);
    expect(third.body).toEqual(first.body);
    expect([changed.status, changed.body.turn]).toEqual([409, first.body.turn]);
    const state = await eventually(() => counters(mycel, chat), (c) => c.duplicatesDropped === 2);
    expect(state).toMatchObject({ turns: 1, duplicatesDropped: 2 });
    expect((await mycel.api(`/api/chats/${chat}/messages`)).body).toHaveLength(2);
    const after = metric((await mycel.api('/metrics')).body, 'mycel_duplicates_dropped_total', 'channel="web"');
    expect(after - before).toBe(2);
    expect((await mycel.api('/metrics')).body).toMatch(/mycel_turns_total\{channel="web",outcome="ok"\} \d+/);
    expect((await mycel.api('/metrics')).body).toMatch(/mycel_turn_duration_seconds_count\{channel="web"\} \d+/);
  });

  it('drops concurrent repeats through one gateway: every request gets the one reply', async () => {
    const chat = newChat('conc');
    const replies = await Promise.all(Array.from({ length: 8 }, () => post(chat, 'hello at once', 'b1')));
    expect(new Set(replies.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(replies[0]!.body.turn).toBe(1);
    expect((await counters(mycel, chat)).turns).toBe(1);
    expect((await mycel.api(`/api/chats/${chat}/messages`)).body).toHaveLength(2);
  });

  it('drops concurrent repeats from two gateways that reach the workflow at the same time', async () => {
    const chat = newChat('race');
    await post(chat, 'warm up', 'c0');
    const e = envelope(chat, 'c1', 'who wins?');
    // No store: skip the durable record, so both reach Temporal and the workflow.
    const [a, b] = await Promise.all([
      submitTurn(mycel.proc.client, { taskQueue: taskQueue(), lanes }, e),
      submitTurn(other.client, { taskQueue: taskQueue(), lanes: otherLanes }, { ...e, requestId: 'another-request' }),
    ]);
    expect(a.reply).toBe(b.reply);
    expect(a.turn).toBe(2);
    expect(b.turn).toBe(2);
    // Temporal collapsed the two onto one Update: the delivery that did not make the turn knows it.
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
    expect((await counters(mycel, chat)).turns).toBe(2);
    expect((await mycel.api(`/api/chats/${chat}/messages`)).body).toHaveLength(4);
  });

  it('keeps repeats out across Continue-As-New (durable record and carried keys)', async () => {
    const chat = newChat('can');
    const handle = mycel.proc.client.workflow.getHandle(`chat-web-${chat}`);
    const firsts = [];
    for (let i = 1; i <= 7; i += 1) firsts.push((await post(chat, `/start ${i}`, `d${i}`)).body);
    expect(firsts.map((r) => r.turn)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const state = await counters(mycel, chat);
    expect(state.runs).toBeGreaterThanOrEqual(3);
    expect(state.turns).toBe(7);

    // Through the API (durable record) …
    for (let i = 1; i <= 7; i += 1) expect((await post(chat, `/start ${i}`, `d${i}`)).body).toEqual(firsts[i - 1]);
    // … and straight to the workflow (no store): the keys carried across runs catch them.
    for (let i = 1; i <= 7; i += 1) {
      const repeat = await submitTurn(mycel.proc.client, { taskQueue: taskQueue(), lanes }, envelope(chat, `d${i}`));
      expect(repeat).toMatchObject({ reply: firsts[i - 1].reply, turn: i, duplicate: true });
    }
    // Concurrent repeats of a new message right at a Continue-As-New boundary.
    const e = envelope(chat, 'd8', 'at the boundary');
    const [a, b] = await Promise.all([
      submitTurn(mycel.proc.client, { taskQueue: taskQueue(), lanes }, e),
      submitTurn(other.client, { taskQueue: taskQueue(), lanes: otherLanes }, e),
    ]);
    expect([a.turn, b.turn]).toEqual([8, 8]);
    const end = await eventually(() => counters(mycel, chat), (c) => c.turns === 8 && c.duplicatesDropped >= 14);
    expect(end.turns).toBe(8);
    expect(end.duplicatesDropped).toBeGreaterThanOrEqual(14);
    expect((await mycel.api(`/api/chats/${chat}/messages`)).body).toHaveLength(16);
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
  });

  it('answers in arrival order, one turn at a time, and counts out-of-order sequence numbers', async () => {
    const chat = newChat('order');
    const before = metric((await mycel.api('/metrics')).body, 'mycel_out_of_order_arrivals_total', 'channel="web"');
    const opts = { taskQueue: taskQueue(), store: mycel.proc.store, metrics: mycel.proc.metrics, lanes };
    const sequences = [10, 11, 13, 12, 14];
    const results = [];
    for (const [i, seq] of sequences.entries()) results.push(await submitTurn(mycel.proc.client, opts, envelope(chat, `o${i}`, `/start ${seq}`, seq)));
    expect(results.map((r) => r.outOfOrder)).toEqual([false, false, false, true, false]);
    expect(await counters(mycel, chat)).toMatchObject({ outOfOrder: 1, expectedSequence: 15, turns: 5 });
    const after = metric((await mycel.api('/metrics')).body, 'mycel_out_of_order_arrivals_total', 'channel="web"');
    expect(after - before).toBe(1);

    // Many messages at once: turns follow the order they were sent in.
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => submitTurn(mycel.proc.client, opts, envelope(chat, `burst${i}`, `burst ${i}`))));
    expect(burst.map((r) => r.turn)).toEqual(Array.from({ length: 10 }, (_, i) => 6 + i));
    const lines = (await mycel.api(`/api/chats/${chat}/messages`)).body as Array<{ role: string; text: string }>;
    const users = lines.filter((l) => l.role === 'user').map((l) => l.text);
    expect(users.slice(5)).toEqual(Array.from({ length: 10 }, (_, i) => `burst ${i}`));
    expect(lines.map((l) => l.role)).toEqual(Array.from({ length: 30 }, (_, i) => (i % 2 ? 'assistant' : 'user')));
  });

  it('rejects an invalid envelope in the Update validator, before it is accepted', async () => {
    const chat = newChat('invalid');
    await post(chat, 'hello', 'v0');
    const handle = mycel.proc.client.workflow.getHandle(`chat-web-${chat}`);
    const bad = { ...envelope(chat, 'v1'), text: '' };
    // A refusal is typed, so ingress maps it by type (400), never by its message.
    const reason = (err: unknown) =>
      err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure ? `${err.cause.type} ${err.cause.nonRetryable} ${err.cause.message}` : String(err);
    expect(reason(await handle.executeUpdate(turnUpdate, { args: [bad, {}], updateId: 'web:api:v1' }).catch((e: unknown) => e))).toMatch(/^InvalidTurn true invalid envelope: text/);
    const wrongChat = envelope('somebody-else', 'v2');
    // The old form, by the Update's name, still reaches the same handler.
    expect(reason(await handle.executeUpdate('turn', { args: [wrongChat], updateId: 'web:api:v2' }).catch((e: unknown) => e))).toMatch(/^InvalidTurn true envelope for web:somebody-else sent to the conversation of web:/);
    const history = await handle.fetchHistory();
    const accepted = history.events!.filter((ev) => ev.workflowExecutionUpdateAcceptedEventAttributes).length;
    expect(accepted).toBe(1);
    expect((await counters(mycel, chat)).turns).toBe(1);
  });
});

describe('exactly-once across a worker restart', () => {
  it('returns the first reply after the worker restarts, and answers a message sent while it was down once', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-restart-'));
    const taskQueue = `restart-${randomBytes(4).toString('hex')}`;
    const chat = newChat('restart');
    const shared = { dataDir, taskQueue };
    try {
      let mycel = await startTestMycel(shared);
      const first = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: '/start', messageId: 'r1' } });
      expect(first.body.turn).toBe(1);
      await mycel.stop();

      // Only a gateway now: the message waits durably for a worker.
      const gateway = await startTestMycel({ ...shared, parts: { embedded: false, worker: false, gateway: true } });
      const pending = gateway.api(`/api/chats/${chat}/messages`, { body: { text: 'sent while the worker is down', messageId: 'r2' } });
      await new Promise((r) => setTimeout(r, 1500));
      mycel = await startTestMycel({ ...shared, parts: { embedded: false, worker: true, gateway: false } });
      const answered = await pending;
      expect(answered.status).toBe(200);
      expect(answered.body.turn).toBe(2);

      // Repeats after the restart, through the gateway (durable record) and straight to the
      // workflow the new worker replayed (no store).
      expect((await gateway.api(`/api/chats/${chat}/messages`, { body: { text: '/start', messageId: 'r1' } })).body).toEqual(first.body);
      expect((await gateway.api(`/api/chats/${chat}/messages`, { body: { text: 'sent while the worker is down', messageId: 'r2' } })).body).toEqual(answered.body);
      const direct = await submitTurn(gateway.proc.client, { taskQueue, lanes: new TurnLanes() }, envelope(chat, 'r1', '/start'));
      expect(direct).toMatchObject({ reply: first.body.reply, turn: 1, duplicate: true });
      // The gateway's event stream sees lines the worker (another process part) writes.
      const seen: ChatLine[] = [];
      const stopEvents = new AbortController();
      let onReady!: () => void;
      const ready = new Promise<void>((r) => (onReady = r));
      const following = new ChatClient({ baseUrl: gateway.url, chatId: chat }).follow((line) => seen.push(line), stopEvents.signal, { onReady });
      await ready;
      const next = await gateway.api(`/api/chats/${chat}/messages`, { body: { text: 'and now?', messageId: 'r3' } });
      expect(next.body.turn).toBe(3);
      await eventually(async () => seen.length, (n) => n >= 2);
      stopEvents.abort();
      await following;
      expect(seen.map((l) => [l.role, l.text, l.turn])).toEqual([
        ['user', 'and now?', 3],
        ['assistant', next.body.reply, 3],
      ]);
      expect((await gateway.api(`/api/chats/${chat}/messages`)).body).toHaveLength(6);
      await gateway.stop();
      await mycel.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
