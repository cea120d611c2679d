import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedReplyStreams } from '../../src/conversation/reply-streams/index.js';
import { GATEWAY_PARTS, WORKER_PARTS } from '../../src/runtime/processes.js';
import { startOpenAIStandIn, type StandIn } from '../support/openai-stand-in.js';
import { startTestMycel, testDialects, type TestMycel } from '../support/harness.js';
import { readEvents, type SeenEvent } from '../support/sse.js';

/**
 * A split deployment: the model call runs in a `mycel worker` process, the HTTP client is
 * served by a `mycel gateway` process; the reply's parts cross through the database.
 */
describe.each(testDialects())('streamed replies across a worker and a gateway process, parts through $name', (dialect) => {
  let model: StandIn;
  let worker: TestMycel;
  let gateway: TestMycel;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    model = await startOpenAIStandIn({ chunkChars: 4, chunkDelayMs: 20 });
    const db = await dialect.create();
    dispose = db.dispose;
    const shared = {
      databaseUrl: db.url,
      taskQueue: `test-split-stream-${randomBytes(4).toString('hex')}`,
      env: { MYCEL_MODEL: 'openai-compatible:stand-in', MYCEL_MODEL_BASE_URL: model.baseUrl },
    };
    worker = await startTestMycel({ ...shared, parts: WORKER_PARTS });
    gateway = await startTestMycel({ ...shared, parts: GATEWAY_PARTS });
  });
  afterAll(async () => {
    await gateway?.stop();
    await worker?.stop();
    await dispose?.();
    await model?.close();
  });

  it('shows an SSE client on the gateway the delta events before the reply, while the turn runs in the worker', async () => {
    expect(gateway.proc.replies).toBeInstanceOf(SharedReplyStreams);
    expect(gateway.proc.worker).toBeUndefined();
    const chat = `split-${randomBytes(4).toString('hex')}`;
    const text = 'say this back to me in many small parts from the other process';
    let transcriptAtFirstDelta: number | undefined;
    const res = await fetch(`${gateway.url}/api/chats/${chat}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ text, messageId: 'm1' }),
    });
    const events = await readEvents(res, async (e: SeenEvent) => {
      if (e.event === 'delta' && transcriptAtFirstDelta === undefined) transcriptAtFirstDelta = (await gateway.api(`/api/chats/${chat}/messages`)).body.length;
    });
    const reply = `You said: ${text}`;
    const kinds = events.map((e) => e.event);
    // Many parts, as the model wrote them (not the whole reply sent as one part at the end).
    expect(kinds.filter((k) => k === 'delta').length).toBeGreaterThan(3);
    expect(kinds.slice(0, -1).every((k) => k === 'delta')).toBe(true);
    expect(kinds.at(-1)).toBe('reply');
    expect(events.slice(0, -1).map((e) => e.data.text).join('')).toBe(reply);
    expect(events.at(-1)!.data).toEqual({ reply, turn: 1 });
    // The first part came while the turn was still being written: nothing was recorded yet.
    expect(transcriptAtFirstDelta).toBe(0);
    expect((await gateway.api(`/api/chats/${chat}/messages`)).body.map((l: { text: string }) => l.text)).toEqual([text, reply]);
  });
});
