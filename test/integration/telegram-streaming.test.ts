import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../../src/conversation/transcript.js';
import { GATEWAY_PARTS, WORKER_PARTS } from '../../src/runtime/processes.js';
import { startOpenAIStandIn, type StandIn } from '../support/openai-stand-in.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { TelegramStandIn } from '../support/telegram-server.js';

/** Fresh Telegram ids per run: the Temporal dev server (and its chat workflows) is shared. */
const BASE = 3_000_000 + Math.floor(Math.random() * 8_000_000) * 10;
const DRAFTS = BASE + 1;
const EDITS = BASE + 2;
const RETRIED = BASE + 3;

/** Long enough that the stand-in model takes a few seconds to write the reply. */
const question = (n: number) => `please answer slowly, in many small parts, so that the reply can be seen growing on Telegram (${n})`;

describe('Telegram shows a model reply growing (model stand-in streaming in slow chunks)', () => {
  let tg: TelegramStandIn;
  let model: StandIn;
  let mycel: TestMycel;

  beforeAll(async () => {
    tg = await TelegramStandIn.start();
    model = await startOpenAIStandIn({ chunkChars: 4, chunkDelayMs: 50 });
    mycel = await startTestMycel({
      env: {
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_API_ROOT: tg.apiRoot,
        MYCEL_OWNER_TELEGRAM_IDS: [DRAFTS, EDITS, RETRIED].join(','),
        MYCEL_MODEL: 'openai-compatible:stand-in',
        MYCEL_MODEL_BASE_URL: model.baseUrl,
      },
    });
  });
  afterAll(async () => {
    await mycel?.stop();
    await tg?.stop();
    await model?.close();
  });

  /** Sends a message and waits until the chat's one message holds the whole reply. */
  async function turn(chatId: number, text: string): Promise<string> {
    const reply = `You said: ${text}`;
    tg.injectMessage({ from: tg.user(chatId), text });
    await tg.waitFor(() => tg.sentTo(chatId).some((m) => m.text === reply), 30_000, 'the whole reply');
    await mycel.telegram().dispatcher.idle();
    const lines = await listMessages(mycel.store, { channel: 'telegram', chatId: String(chatId) });
    expect(lines.filter((l) => l.role === 'assistant').map((l) => l.text)).toEqual([reply]);
    return reply;
  }
  const sendCalls = (chatId: number) => tg.calls.filter((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === chatId);

  it('streams drafts (sendMessageDraft) with growing partial texts, then sends one final message', async () => {
    const reply = await turn(DRAFTS, question(1));
    const drafts = tg.drafts.filter((d) => d.chatId === DRAFTS);
    expect(drafts.length).toBeGreaterThan(0);
    // Growing partial texts of the reply (the first one well short of it).
    expect(drafts[0]!.text.length).toBeLessThan(reply.length);
    for (const [i, d] of drafts.entries()) {
      expect(reply.startsWith(d.text)).toBe(true);
      if (i > 0) expect(d.text.length).toBeGreaterThan(drafts[i - 1]!.text.length);
    }
    const [final] = tg.sentTo(DRAFTS);
    expect(tg.sentTo(DRAFTS)).toHaveLength(1);
    expect(sendCalls(DRAFTS)).toHaveLength(1);
    // Every draft came before the final message, and none after it.
    expect(drafts.every((d) => d.at <= final!.acceptedAt)).toBe(true);
    expect(tg.textEdits.filter((e) => e.chatId === DRAFTS)).toEqual([]);
  });

  it('without sendMessageDraft (404), edits one placeholder message and ends with the whole reply in it', async () => {
    tg.refuseMethod('sendMessageDraft');
    const reply = await turn(EDITS, question(2));
    expect(tg.sentTo(EDITS)).toHaveLength(1);
    const [placeholder] = sendCalls(EDITS);
    expect(sendCalls(EDITS)).toHaveLength(1);
    const first = String(placeholder!.params.text);
    expect(reply.startsWith(first) && first.length < reply.length).toBe(true);
    const edits = tg.textEdits.filter((e) => e.chatId === EDITS);
    expect(edits.every((e) => e.messageId === tg.sentTo(EDITS)[0]!.message_id)).toBe(true);
    // Partial texts, then the final text once, as the last edit.
    expect(edits.at(-1)!.text).toBe(reply);
    expect(edits.filter((e) => e.text === reply)).toHaveLength(1);
    expect(edits.slice(0, -1).every((e) => reply.startsWith(e.text) && e.text.length < reply.length)).toBe(true);
  });

  it('restarts the partial text when the model call is retried, and still ends with one message holding the reply', async () => {
    model.breakNext(1);
    const text = question(3);
    const reply = await turn(RETRIED, text);
    expect(tg.sentTo(RETRIED).map((m) => m.text)).toEqual([reply]);
    const shown = [...sendCalls(RETRIED).map((c) => String(c.params.text)), ...tg.textEdits.filter((e) => e.chatId === RETRIED).map((e) => e.text)];
    // Partial texts were shown before the final one, and the final one is the last.
    expect(shown.length).toBeGreaterThan(1);
    expect(shown.every((t) => reply.startsWith(t))).toBe(true);
    expect(shown.at(-1)).toBe(reply);
    expect(shown.filter((t) => t === reply)).toHaveLength(1);
  });
});

describe('a split deployment: the live view runs in `mycel worker`, the ingress in `mycel gateway`', () => {
  it('shows the reply growing and ends with one final message', async () => {
    const tg = await TelegramStandIn.start();
    const model = await startOpenAIStandIn({ chunkChars: 4, chunkDelayMs: 50 });
    const chatId = BASE + 4;
    const shared = {
      taskQueue: `test-tg-split-stream-${chatId}`,
      env: { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, MYCEL_OWNER_TELEGRAM_IDS: String(chatId), MYCEL_MODEL: 'openai-compatible:stand-in', MYCEL_MODEL_BASE_URL: model.baseUrl },
    };
    const worker = await startTestMycel({ ...shared, parts: WORKER_PARTS });
    const gateway = await startTestMycel({ ...shared, databaseUrl: worker.config.databaseUrl, parts: GATEWAY_PARTS });
    try {
      const text = question(4);
      const reply = `You said: ${text}`;
      tg.injectMessage({ from: tg.user(chatId), text });
      await tg.waitFor(() => tg.sentTo(chatId).some((m) => m.text === reply), 30_000, 'the whole reply');
      const drafts = tg.drafts.filter((d) => d.chatId === chatId);
      expect(drafts.length).toBeGreaterThan(0);
      expect(drafts.every((d) => reply.startsWith(d.text) && d.at <= tg.sentTo(chatId)[0]!.acceptedAt)).toBe(true);
      expect(tg.sentTo(chatId).map((m) => m.text)).toEqual([reply]);
    } finally {
      await gateway.stop();
      await worker.stop();
      await tg.stop();
      await model.close();
    }
  });
});
