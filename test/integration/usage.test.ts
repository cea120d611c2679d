import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStandIn, type StandIn } from '../support/openai-stand-in.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

const newChat = () => `usage-${randomBytes(4).toString('hex')}`;

describe('model usage against the stand-in\'s own counts', () => {
  let standIn: StandIn;
  let mycel: TestMycel;
  beforeAll(async () => {
    standIn = await startOpenAIStandIn({ chunkChars: 6 });
    mycel = await startTestMycel({ env: { MYCEL_MODEL: 'openai-compatible:stand-in', MYCEL_MODEL_BASE_URL: standIn.baseUrl } });
  });
  afterAll(async () => {
    await mycel?.stop();
    await standIn?.close();
  });

  it('counts every model call (turns and memory extraction) with the provider\'s figures, in the contract shape', async () => {
    const chat = newChat();
    await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'first question for the model' } });
    await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'a second, somewhat longer question for the model' } });
    // Memory extraction runs after each turn (and retries: the stand-in does not answer JSON).
    // Settled: the same count twice, a second apart, and the stand-in's own.
    let previous = -1;
    const report = await waitFor(async () => {
      const res = await mycel.api('/api/usage');
      const turnsDone = standIn.requests.filter((r) => r.stream).length === 2;
      const settled = res.body.totals.calls === previous;
      previous = res.body.totals.calls;
      if (!settled) await new Promise((r) => setTimeout(r, 1000));
      return turnsDone && settled && res.body.totals.calls === standIn.served.calls && res.body.totals.calls > 2 ? res.body : undefined;
    }, 40_000, 'usage to catch up with the stand-in');
    expect(Object.keys(report).sort()).toEqual(['byChat', 'byModel', 'byOrigin', 'days', 'totals']);
    expect(report.totals).toEqual(standIn.served);
    const today = new Date().toISOString().slice(0, 10);
    expect(report.days).toEqual([{ date: today, ...standIn.served }]);
    expect(report.byChat).toEqual([{ channel: 'web', chatId: chat, ...standIn.served }]);
    expect(report.byOrigin.map((o: { origin: string }) => o.origin)).toEqual(['memory', 'turn']);
    const turn = report.byOrigin.find((o: { origin: string }) => o.origin === 'turn');
    expect(turn.calls).toBe(2);
    expect(report.byModel).toEqual([{ model: 'openai-compatible:stand-in', ...standIn.served }]);

    const metrics = (await mycel.api('/metrics')).body as string;
    expect(metrics).toMatch(new RegExp(`mycel_model_tokens_total\\{model="openai-compatible:stand-in",origin="turn",direction="input"\\} ${turn.inputTokens}`));
    expect(metrics).toMatch(/mycel_model_calls_total\{model="openai-compatible:stand-in",origin="turn"\} 2/);

    const command = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: '/usage' } });
    expect(command.body.reply).toMatch(/^Model usage \(openai-compatible:stand-in\):\nAll time: /);
    expect(command.body.reply).toContain(`${today}: ${report.days[0].inputTokens.toLocaleString('en-US')} in`);
  });
});

describe('the daily token limit', () => {
  let standIn: StandIn;
  let mycel: TestMycel;
  beforeAll(async () => {
    standIn = await startOpenAIStandIn();
    mycel = await startTestMycel({ env: { MYCEL_MODEL: 'openai-compatible:stand-in', MYCEL_MODEL_BASE_URL: standIn.baseUrl, MYCEL_MODEL_DAILY_TOKEN_LIMIT: '5' } });
  });
  afterAll(async () => {
    await mycel?.stop();
    await standIn?.close();
  });

  it('stops background model work once reached and says so in the chat, while replies and commands go on', async () => {
    const chat = newChat();
    const first = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'something worth remembering about me' } });
    expect(first.body.reply).toBe('You said: something worth remembering about me');
    const notice = await waitFor(async () => {
      const lines = (await mycel.api(`/api/chats/${chat}/messages`)).body as Array<{ text: string; kind?: string }>;
      return lines.find((l) => l.kind === 'notice');
    }, 20_000, 'the daily limit notice');
    expect(notice.text).toMatch(/model token limit \(5 tokens, MYCEL_MODEL_DAILY_TOKEN_LIMIT\) is reached/);
    // No extraction request reached the model (extraction does not stream; turns do).
    expect(standIn.requests.filter((r) => !r.stream)).toHaveLength(0);
    const usage = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: '/usage' } });
    expect(usage.body.reply).toMatch(/Today: \d+ of 5 tokens/);
    const second = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'still there?' } });
    expect(second.body.reply).toBe('You said: still there?');
    // Told once a day, not once per turn.
    await new Promise((r) => setTimeout(r, 500));
    const lines = (await mycel.api(`/api/chats/${chat}/messages`)).body as Array<{ kind?: string }>;
    expect(lines.filter((l) => l.kind === 'notice')).toHaveLength(1);
    expect(await mycel.api('/metrics').then((r) => r.body as string)).toMatch(/mycel_model_work_skipped_total\{origin="memory"\} 2/);
  });
});
