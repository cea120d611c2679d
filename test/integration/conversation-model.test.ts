import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeModel } from '../../src/brain/model/probe.js';
import { getChatSettings } from '../../src/conversation/chats.js';
import { checkAndRecordHistory } from '../support/histories.js';
import { startOpenAIStandIn, type StandIn } from '../support/openai-stand-in.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';

const newChat = () => `model-${randomBytes(4).toString('hex')}`;

describe('the model brain against a local OpenAI-compatible stand-in', () => {
  let standIn: StandIn;
  let mycel: TestMycel;
  beforeAll(async () => {
    standIn = await startOpenAIStandIn();
    mycel = await startTestMycel({ env: { MYCEL_MODEL: 'openai-compatible:stand-in', MYCEL_MODEL_BASE_URL: standIn.baseUrl } });
  });
  afterAll(async () => {
    await mycel?.stop();
    await standIn?.close();
  });

  it('answers free text with the model, offering the registry tools as JSON Schema', async () => {
    const chat = newChat();
    const res = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'hello model' } });
    expect(res.body).toEqual({ reply: 'You said: hello model', turn: 1 });
    // Memory extraction also asks the model after each turn, so pick the turn's own request.
    const request = standIn.requests.find((r) => r.tools !== undefined && JSON.stringify(r.messages).includes('hello model'))!;
    expect(request).toBeDefined();
    expect(request.model).toBe('stand-in');
    expect(request.messages[0]).toMatchObject({ role: 'system' });
    expect(request.messages[0]!.content).toMatch(/untrusted data/);
    const timezone = request.tools!.find((t) => t.function.name === 'chat_timezone');
    expect(timezone!.function.parameters).toMatchObject({ type: 'object', required: ['timeZone'] });
  });

  it('runs the tools the model asks for as activities and feeds the results back as data', async () => {
    const chat = newChat();
    const before = standIn.requests.length;
    const res = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'please set my time zone to Tokyo' } });
    expect(res.body.reply).toMatch(/^Done\. The tool said: .*"status":"ok".*Asia\/Tokyo/);
    expect((await getChatSettings(mycel.proc.store, { channel: 'web', chatId: chat }, mycel.config)).timeZone).toBe('Asia/Tokyo');
    // (Other requests may interleave: memory extraction runs after each model turn.)
    const second = standIn.requests.slice(before).find((r) => r.messages.at(-1)!.role === 'tool')!;
    const toolMessage = second.messages.at(-1)!;
    expect(JSON.parse(toolMessage.content)).toEqual({ status: 'ok', data: { timeZone: 'Asia/Tokyo' } });
    expect(second.messages.at(-2)!.tool_calls[0].function.name).toBe('chat_timezone');
    const audit = await mycel.api(`/api/audit?chatId=${chat}`);
    expect(audit.body.map((r: { tool: string; decision: string }) => [r.tool, r.decision])).toEqual([['chat.timezone', 'allowed']]);
    await checkAndRecordHistory(mycel.proc.client.workflow.getHandle(`chat-web-${chat}`), 'conversation-model-tool-call');
  });

  it('still answers the slash commands with the offline commands', async () => {
    const chat = newChat();
    const res = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: '/start' } });
    expect(res.body.reply).toMatch(/I'm Mycel/);
    const asked = standIn.requests.some((r) => r.messages.some((m) => typeof m.content === 'string' && m.content.includes('/start')));
    expect(asked).toBe(false);
  });

  it('passes the doctor probe', async () => {
    expect(await probeModel({ model: { id: 'openai-compatible:stand-in', baseUrl: standIn.baseUrl, apiKey: undefined } })).toMatchObject({ ok: true });
  });
});

describe('the model brain when the model is unreachable', () => {
  it('retries the brain step, then replies clearly and records the turn', async () => {
    const mycel = await startTestMycel({ env: { MYCEL_MODEL: 'openai-compatible:gone', MYCEL_MODEL_BASE_URL: 'http://127.0.0.1:1/v1' } });
    try {
      const chat = newChat();
      const res = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'are you there?' } });
      expect(res.status).toBe(200);
      expect(res.body.turn).toBe(1);
      expect(res.body.reply).toMatch(/^Sorry, I could not think this through: the language model \(openai-compatible:gone at http:\/\/127\.0\.0\.1:1\/v1\) is unreachable/);
      const handle = mycel.proc.client.workflow.getHandle(`chat-web-${chat}`);
      const history = await handle.fetchHistory();
      const failed = history.events!.filter((e) => e.activityTaskFailedEventAttributes);
      expect(failed).toHaveLength(1);
      const started = history.events!.find((e) => e.activityTaskStartedEventAttributes);
      expect(started!.activityTaskStartedEventAttributes!.attempt).toBe(3);
      expect((await mycel.api(`/api/chats/${chat}/messages`)).body).toHaveLength(2);
      expect((await probeModel(mycel.config)).ok).toBe(false);
      await checkAndRecordHistory(handle, 'conversation-model-unreachable');
    } finally {
      await mycel.stop();
    }
  });
});
