import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { Metrics } from '../metrics/metrics.js';
import type { Store } from '../storage/database.js';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { TelegramStandIn } from '../../test/support/telegram-server.js';
import { createTelegramClient } from './client.js';
import type { LiveReplyLimits } from './limits.js';
import { TELEGRAM_MAX_MESSAGE_CHARS } from './limits.js';
import { TelegramSender } from './sender.js';

/** Quick pace for tests: the same rules as in production, in milliseconds instead of seconds. */
const QUICK: LiveReplyLimits = { intervalMs: 30, firstDelayMs: 20, firstMinChars: 4, minGrowthChars: 3, closeWaitMs: 1_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Feeds a reply in parts with a pause after each, as a model streams it. */
async function write(live: { apply(e: { type: 'delta'; text: string } | { type: 'reset' }): void }, parts: string[], pauseMs = 15): Promise<void> {
  for (const text of parts) {
    live.apply({ type: 'delta', text });
    await sleep(pauseMs);
  }
}

const PARTS = ['The answer ', 'grows ', 'part ', 'by part ', 'until ', 'it is ', 'whole.'];
const WHOLE = PARTS.join('');

describe.each(testDialects())('a Telegram reply shown growing, records on $name', (dialect) => {
  let tg: TelegramStandIn;
  let store: Store;
  let dispose: () => Promise<void>;
  let sender: TelegramSender;
  let chat = 5000;

  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
    tg = await TelegramStandIn.start();
  });
  afterAll(async () => {
    await tg.stop();
    await dispose();
  });
  beforeEach(() => {
    const metrics = new Metrics({ defaultMetrics: false });
    sender = new TelegramSender({ client: createTelegramClient({ token: tg.token, apiRoot: tg.apiRoot, metrics }), store, logger: silentLogger(), metrics, liveLimits: QUICK });
    chat += 1;
  });
  const key = () => `telegram:1:${chat}#reply`;
  const final = (text: string) => sender.sendParts({ channel: 'telegram', chatId: String(chat), text, key: key() });

  it('streams drafts where the server offers them, then sends one final message', async () => {
    const live = sender.live({ chatId: String(chat), key: key() });
    await write(live, PARTS);
    await live.close();
    const drafts = tg.drafts.filter((d) => d.chatId === chat);
    expect(drafts.length).toBeGreaterThan(1);
    // Growing partial texts of one draft, none of them the whole reply's last form yet or beyond it.
    expect(new Set(drafts.map((d) => d.draftId)).size).toBe(1);
    for (const [i, d] of drafts.entries()) {
      expect(WHOLE.startsWith(d.text)).toBe(true);
      if (i > 0) expect(d.text.length).toBeGreaterThan(drafts[i - 1]!.text.length);
    }
    expect(tg.sentTo(chat)).toEqual([]);
    expect(await final(WHOLE)).toEqual(['sent']);
    const lastDraftAt = drafts.at(-1)!.at;
    expect(tg.sentTo(chat).map((m) => m.text)).toEqual([WHOLE]);
    expect(tg.sentTo(chat)[0]!.acceptedAt).toBeGreaterThanOrEqual(lastDraftAt);
    expect(tg.drafts.filter((d) => d.chatId === chat)).toHaveLength(drafts.length);
  });

  it('shows nothing for a reply that is written faster than the first delay', async () => {
    const live = sender.live({ chatId: String(chat), key: key() });
    live.apply({ type: 'delta', text: WHOLE });
    await live.close();
    await sleep(QUICK.firstDelayMs * 2);
    expect(tg.drafts.filter((d) => d.chatId === chat)).toEqual([]);
    expect(tg.sentTo(chat)).toEqual([]);
  });

  it('stops showing the reply after three failed updates in a row, and the final message still comes', async () => {
    tg.failNext('sendMessageDraft', { code: 400, description: 'Bad Request: scripted' }, 3);
    const before = tg.calls.filter((c) => c.method === 'sendMessageDraft').length;
    const live = sender.live({ chatId: String(chat), key: key() });
    await write(live, [...PARTS, ...PARTS, ...PARTS]);
    await live.close();
    expect(tg.calls.filter((c) => c.method === 'sendMessageDraft').length - before).toBe(3);
    expect(await final(WHOLE)).toEqual(['sent']);
    expect(tg.sentTo(chat).map((m) => m.text)).toEqual([WHOLE]);
  });

  it('never posts a second placeholder when an earlier step may have posted one (it stopped before recording it)', async () => {
    const group = -(chat * 10 + 1);
    const groupKey = `telegram:1:${group}#reply`;
    const now = new Date().toISOString();
    await store.db.insertInto('telegram_outbox').values({ key: `${groupKey}#live`, chat_id: String(group), status: 'sending', message_id: null, attempts: 1, error: null, created_at: now, updated_at: now }).execute();
    const live = sender.live({ chatId: String(group), key: groupKey });
    await write(live, PARTS);
    await live.close();
    expect(tg.sentTo(group)).toEqual([]);
    expect(await sender.sendParts({ channel: 'telegram', chatId: String(group), text: WHOLE, key: groupKey })).toEqual(['sent']);
    expect(tg.sentTo(group).map((m) => m.text)).toEqual([WHOLE]);
    expect(tg.textEdits.filter((e) => e.chatId === group)).toEqual([]);
  });

  it('in a group (no drafts there) edits one placeholder, and the final text replaces it once, also when delivered again', async () => {
    const group = -(chat * 10);
    const groupKey = `telegram:1:${group}#reply`;
    const live = sender.live({ chatId: String(group), key: groupKey });
    await write(live, PARTS);
    await live.close();
    const [placeholder] = tg.sentTo(group);
    expect(tg.sentTo(group)).toHaveLength(1);
    const edits = tg.textEdits.filter((e) => e.chatId === group);
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.every((e) => e.messageId === placeholder!.message_id && WHOLE.startsWith(e.text))).toBe(true);
    const send = () => sender.sendParts({ channel: 'telegram', chatId: String(group), text: WHOLE, key: groupKey });
    expect(await send()).toEqual(['sent']);
    expect(await send()).toEqual(['already_sent']);
    expect(tg.sentTo(group).map((m) => m.text)).toEqual([WHOLE]);
    const after = tg.textEdits.filter((e) => e.chatId === group);
    // One more edit, the final text, and nothing after it.
    expect(after).toHaveLength(edits.length + (edits.at(-1)!.text === WHOLE ? 0 : 1));
    expect(after.at(-1)!.text).toBe(WHOLE);
  });

  it('falls back to a placeholder and edits when the server answers sendMessageDraft with 404, restarts on a reset, and splits a long final reply', async () => {
    const other = await TelegramStandIn.start();
    other.refuseMethod('sendMessageDraft');
    const metrics = new Metrics({ defaultMetrics: false });
    const local = new TelegramSender({ client: createTelegramClient({ token: other.token, apiRoot: other.apiRoot, metrics }), store, logger: silentLogger(), metrics, liveLimits: QUICK });
    try {
      const first = local.live({ chatId: String(chat), key: key() });
      await write(first, ['A first attempt ', 'that breaks ', 'halfway']);
      first.apply({ type: 'reset' });
      await first.close();
      expect(other.calls.filter((c) => c.method === 'sendMessageDraft').map((c) => c.status)).toEqual([404]);
      expect(other.sentTo(chat)).toHaveLength(1);
      // The retried step (a new live view of the same reply) goes on in the same placeholder.
      const second = local.live({ chatId: String(chat), key: key() });
      await write(second, PARTS);
      await second.close();
      expect(other.sentTo(chat)).toHaveLength(1);
      const edits = other.textEdits.filter((e) => e.chatId === chat);
      expect(edits.some((e) => WHOLE.startsWith(e.text))).toBe(true);
      // Drafts stay off for this server: one 404, no more draft calls.
      expect(other.calls.filter((c) => c.method === 'sendMessageDraft')).toHaveLength(1);

      const long = `${'word '.repeat(TELEGRAM_MAX_MESSAGE_CHARS / 5)}\n\nand the end.`;
      expect(await local.sendParts({ channel: 'telegram', chatId: String(chat), text: long, key: key() })).toEqual(['sent', 'sent']);
      const messages = other.sentTo(chat);
      expect(messages).toHaveLength(2);
      expect(messages.map((m) => m.text!.length).every((n) => n <= TELEGRAM_MAX_MESSAGE_CHARS)).toBe(true);
      expect(messages.map((m) => m.text).join('\n\n').replace(/\s+/g, ' ').trim()).toBe(long.replace(/\s+/g, ' ').trim());
    } finally {
      await other.stop();
    }
  });
});
