import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { Metrics } from '../metrics/metrics.js';
import type { Store } from '../storage/database.js';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { TelegramStandIn } from '../../test/support/telegram-server.js';
import { approvalButtonData, signalButtonData } from './callback-data.js';
import { createTelegramClient } from './client.js';
import { TELEGRAM_MAX_MESSAGE_CHARS } from './limits.js';
import { TelegramSender } from './sender.js';

describe.each(testDialects())('TelegramSender against the stand-in Bot API, records on $name', (dialect) => {
  let tg: TelegramStandIn;
  let store: Store;
  let dispose: () => Promise<void>;
  let sender: TelegramSender;
  let metrics: Metrics;
  let chat = 1000;

  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
    // Telegram's flood control, a little more lenient than the sender's limiter.
    tg = await TelegramStandIn.start({ floodControl: { perChatMs: 900, globalPerSecond: 30, retryAfter: 1 } });
  });
  afterAll(async () => {
    await tg.stop();
    await dispose();
  });
  beforeEach(() => {
    metrics = new Metrics({ defaultMetrics: false });
    sender = new TelegramSender({ client: createTelegramClient({ token: tg.token, apiRoot: tg.apiRoot, metrics }), store, logger: silentLogger(), metrics });
    chat += 1;
  });

  const send = (text: string, key: string, extra: object = {}) => sender.sendParts({ channel: 'telegram', chatId: String(chat), text, key, ...extra });
  const status = async (key: string) => {
    const row = await store.db.selectFrom('telegram_outbox').select(['status', 'attempts']).where('key', '=', key).executeTakeFirst();
    return row ? { status: row.status, attempts: Number(row.attempts) } : null;
  };

  it('splits a long message at paragraph breaks, within the limit and the per-chat rate, without a 429', async () => {
    const paragraphs = Array.from({ length: 30 }, (_, i) => `Paragraph ${i}: ${'lorem ipsum dolor sit amet '.repeat(11).trim()}`);
    const text = paragraphs.join('\n\n');
    expect(text.length).toBeGreaterThan(2 * TELEGRAM_MAX_MESSAGE_CHARS);
    expect(await send(text, 'long-1')).toEqual(['sent', 'sent', 'sent']);
    const got = tg.sentTo(chat);
    expect(got).toHaveLength(3);
    for (const m of got) {
      expect(m.text!.length).toBeLessThanOrEqual(TELEGRAM_MAX_MESSAGE_CHARS);
      expect(m.text).toMatch(/^Paragraph \d+:/);
      expect(m.parse_mode).toBeUndefined();
    }
    expect(got.map((m) => m.text).join('\n\n')).toBe(text);
    expect(got[1]!.acceptedAt - got[0]!.acceptedAt).toBeGreaterThanOrEqual(950);
    expect(tg.calls.filter((c) => c.status === 429)).toHaveLength(0);
    expect(await status('long-1#3')).toEqual({ status: 'sent', attempts: 1 });
  });

  it('sends formatting characters verbatim as plain text (nothing for Telegram to misparse)', async () => {
    const text = 'Costs *1.5* _units_ [see](x) <b>now</b> & `code` 1+1=2!';
    await send(text, 'fmt-1');
    expect(tg.sentTo(chat).map((m) => m.text)).toEqual([text]);
  });

  it('does nothing on a second send under the same key', async () => {
    await send('once', 'idem-1');
    expect(await send('once', 'idem-1')).toEqual(['already_sent']);
    expect(tg.sentTo(chat)).toHaveLength(1);
  });

  it('sends again when an earlier attempt stopped between the request and its record (the documented window)', async () => {
    const now = new Date().toISOString();
    await store.db.insertInto('telegram_outbox').values({ key: 'window-1', chat_id: String(chat), status: 'sending', message_id: null, attempts: 1, error: null, created_at: now, updated_at: now }).execute();
    expect(await send('maybe twice', 'window-1')).toEqual(['sent']);
    expect(await status('window-1')).toEqual({ status: 'sent', attempts: 2 });
  });

  it('waits out a 429 for its retry_after and sends once', async () => {
    tg.failNext('sendMessage', { code: 429, retryAfter: 1 });
    const started = Date.now();
    expect(await send('after the wait', 'rl-1')).toEqual(['sent']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const calls = tg.calls.filter((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === chat);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(tg.sentTo(chat)).toHaveLength(1);
  });

  it('throws (for the activity to retry later) when retry_after is past the wait limit, then sends on the retry', async () => {
    tg.failNext('sendMessage', { code: 429, retryAfter: 120 });
    await expect(send('later', 'rl-2')).rejects.toThrow(/429 Too Many Requests/);
    expect(await status('rl-2')).toEqual({ status: 'pending', attempts: 1 });
    expect(await send('later', 'rl-2')).toEqual(['sent']);
    expect(tg.sentTo(chat)).toHaveLength(1);
  });

  it('logs and records a blocked user without throwing, and does not try again', async () => {
    tg.blockChat(chat);
    expect(await send('hello?', 'blocked-1')).toEqual(['failed']);
    expect(await send('hello?', 'blocked-1')).toEqual(['failed']);
    expect(await status('blocked-1')).toEqual({ status: 'failed', attempts: 1 });
    expect(tg.calls.filter((c) => Number(c.params.chat_id) === chat)).toHaveLength(1);
  });

  it('turns the typing indicator off for good when the server refuses sendChatAction', async () => {
    tg.refuseMethod('sendChatAction');
    await sender.typing(String(chat));
    await sender.typing(String(chat));
    expect(tg.calls.filter((c) => c.method === 'sendChatAction' && Number(c.params.chat_id) === chat)).toHaveLength(1);
    expect(await send('still fine', 'typing-1')).toEqual(['sent']);
  });

  it('stores button actions and puts short keys on the buttons', async () => {
    const long = signalButtonData(`memory-question-${'x'.repeat(60)}`, 'answer', 'keep the newer fact');
    await send('Which one?', 'buttons-1', { buttons: [{ text: 'Newer', data: long }, { text: 'Approve', data: approvalButtonData('ap-1', 'approve') }] });
    const [message] = tg.sentTo(chat);
    const keys = message!.reply_markup!.inline_keyboard[0]!.map((b) => b.callback_data!);
    for (const k of keys) expect(k).toMatch(/^c:[A-Za-z0-9_-]{12}$/);
    const stored = await store.db.selectFrom('telegram_buttons').select(['id', 'data']).where('message_key', '=', 'buttons-1').orderBy('data').execute();
    expect(stored.map((b) => b.data).sort()).toEqual([long, 'approval:ap-1:approve'].sort());
    await expect(send('bad', 'buttons-2', { buttons: [{ text: 'X', data: 'rm -rf' }] })).rejects.toThrow(/not one of the documented forms/);
  });
});
