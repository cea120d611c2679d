import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelCheck } from '../../src/operations/doctor/service-checks.js';
import { startOpenAIStandIn, type StandIn } from '../support/openai-stand-in.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { readEvents } from '../support/sse.js';

const newChat = () => `failover-${randomBytes(4).toString('hex')}`;

describe('model failover between two OpenAI-compatible stand-ins', () => {
  let first: StandIn;
  let second: StandIn;
  let mycel: TestMycel;
  beforeAll(async () => {
    first = await startOpenAIStandIn();
    second = await startOpenAIStandIn();
    mycel = await startTestMycel({
      env: {
        MYCEL_MODEL: 'openai-compatible:first',
        MYCEL_MODEL_BASE_URL: first.baseUrl,
        MYCEL_MODEL_FALLBACKS: 'openai-compatible:second',
        MYCEL_MODEL_FALLBACK_1_BASE_URL: second.baseUrl,
        MYCEL_MODEL_TIMEOUT_MS: '1500',
      },
    });
  });
  afterAll(async () => {
    await mycel?.stop();
    await first?.close();
    await second?.close();
  });

  const streamedTo = (s: StandIn) => s.requests.filter((r) => r.stream).length;

  it('answers from the second model when the first returns 500, streaming its reply', async () => {
    const chat = newChat();
    first.failNext(1, 500);
    const before = [streamedTo(first), streamedTo(second)];
    const res = await fetch(`${mycel.url}/api/chats/${chat}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ text: 'are you there, first?' }),
    });
    const events = await readEvents(res, () => undefined);
    expect(events.at(-1)).toEqual({ event: 'reply', data: { reply: 'You said: are you there, first?', turn: 1 }, id: undefined });
    expect([streamedTo(first) - before[0]!, streamedTo(second) - before[1]!]).toEqual([1, 1]);
    expect(second.requests.filter((r) => r.stream).at(-1)!.model).toBe('second');
    const usage = (await mycel.api('/api/usage')).body;
    const turnModels = usage.byModel.map((m: { model: string }) => m.model);
    expect(turnModels).toContain('openai-compatible:second');
    const metrics = (await mycel.api('/metrics')).body as string;
    expect(metrics).toMatch(/mycel_model_calls_total\{model="openai-compatible:second",origin="turn"\} 1/);
  });

  it('answers from the second model when the first hangs past MYCEL_MODEL_TIMEOUT_MS', async () => {
    const chat = newChat();
    first.hangNext(1);
    const before = streamedTo(second);
    const res = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'hello, slow one' } });
    expect(res.body).toEqual({ reply: 'You said: hello, slow one', turn: 1 });
    expect(streamedTo(second) - before).toBe(1);
  });

  it('has mycel doctor check each model', async () => {
    const checks = await modelCheck(mycel.config);
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['provider', 'pass'],
      ['fallback 1', 'pass'],
    ]);
  });
});
