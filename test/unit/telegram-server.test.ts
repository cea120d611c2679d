import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api, GrammyError } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TelegramStandIn } from '../support/telegram-server.js';

/** The stand-in Bot API must behave like the real one where Mycel depends on it. */
let tg: TelegramStandIn;
let api: Api;

beforeEach(async () => {
  tg = await TelegramStandIn.start();
  api = new Api(tg.token, { apiRoot: tg.apiRoot });
});
afterEach(() => tg.stop());

async function apiError(p: Promise<unknown>): Promise<GrammyError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(GrammyError);
  return err as GrammyError;
}

describe('the stand-in Bot API', () => {
  it('answers getMe, and 401 for a wrong token, 404 for an unknown method', async () => {
    expect(await api.getMe()).toMatchObject({ id: tg.botId, is_bot: true, username: 'MycelTestBot' });
    const wrong = new Api('999:wrong-token', { apiRoot: tg.apiRoot });
    expect((await apiError(wrong.getMe())).error_code).toBe(401);
    const unknown = await apiError(api.raw.getMyStarBalance());
    expect([unknown.error_code, unknown.description]).toEqual([404, 'Not Found']);
  });

  it('confirms updates below the offset and long-polls for new ones', async () => {
    const alice = tg.user(11, 'Alice');
    tg.injectMessage({ from: alice, text: 'one' });
    tg.injectMessage({ from: alice, text: 'two' });
    const first = await api.getUpdates({ timeout: 0 });
    expect(first.map((u) => u.message?.text)).toEqual(['one', 'two']);
    // Not confirmed yet: the same updates again.
    expect((await api.getUpdates({ timeout: 0 })).length).toBe(2);
    const offset = first[1]!.update_id + 1;
    expect(await api.getUpdates({ offset, timeout: 0 })).toEqual([]);
    expect(tg.confirmedUpTo).toBe(offset - 1);

    const started = Date.now();
    const waiting = api.getUpdates({ offset, timeout: 5 });
    setTimeout(() => tg.injectMessage({ from: alice, text: 'three' }), 150);
    const third = await waiting;
    expect(third.map((u) => u.message?.text)).toEqual(['three']);
    expect(third[0]!.message!.message_id).toBe(3);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('ends an older long poll with 409 when a newer one arrives', async () => {
    const older = apiError(api.getUpdates({ timeout: 5 }));
    await new Promise((r) => setTimeout(r, 50));
    const newer = api.getUpdates({ timeout: 0 });
    expect((await older).error_code).toBe(409);
    await newer;
  });

  it('enforces the 4096-character limit, and refuses unescaped MarkdownV2 and broken HTML', async () => {
    expect((await apiError(api.sendMessage(5, 'x'.repeat(4097)))).description).toBe('Bad Request: message is too long');
    expect((await api.sendMessage(5, 'x'.repeat(4096))).text).toHaveLength(4096);
    expect((await apiError(api.sendMessage(5, ''))).description).toBe('Bad Request: message text is empty');
    const md = await apiError(api.sendMessage(5, 'Done. 1+1=2', { parse_mode: 'MarkdownV2' }));
    expect(md.description).toBe("Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'");
    expect((await api.sendMessage(5, '*Done\\.* 1\\+1\\=2', { parse_mode: 'MarkdownV2' })).text).toBe('Done. 1+1=2');
    expect((await apiError(api.sendMessage(5, '<b>bold', { parse_mode: 'HTML' }))).description).toMatch(/can't parse entities: Can't find end tag corresponding to start tag "b"/);
    expect((await apiError(api.sendMessage(5, 'a <x> b', { parse_mode: 'HTML' }))).description).toMatch(/Unsupported start tag "x"/);
    expect((await api.sendMessage(5, '<b>1 &lt; 2</b>', { parse_mode: 'HTML' })).text).toBe('1 < 2');
    expect(tg.sentTo(5).map((m) => m.text)).toEqual(['x'.repeat(4096), 'Done. 1+1=2', '1 < 2']);
  });

  it('refuses callback data over 64 bytes, and edits and answers buttons', async () => {
    const big = await apiError(api.sendMessage(5, 'pick', { reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'x'.repeat(65) }]] } }));
    expect(big.description).toBe('Bad Request: BUTTON_DATA_INVALID');
    const sent = await api.sendMessage(5, 'pick', { reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] } });
    tg.injectCallback(tg.user(5), tg.sent.at(-1)!, 'a');
    const [press] = await api.getUpdates({ timeout: 0 });
    expect(press!.callback_query!.data).toBe('a');
    expect(await api.answerCallbackQuery(press!.callback_query!.id, { text: 'ok' })).toBe(true);
    expect((await apiError(api.answerCallbackQuery(press!.callback_query!.id))).error_code).toBe(400);
    await api.editMessageReplyMarkup(5, sent.message_id, { reply_markup: { inline_keyboard: [] } });
    expect((await apiError(api.editMessageReplyMarkup(5, sent.message_id, { reply_markup: { inline_keyboard: [] } }))).description).toMatch(/message is not modified/);
  });

  it('shows drafts in private chats only, edits the text of a message, and refuses drafts with 404 when told to', async () => {
    expect(await api.sendMessageDraft(5, 7, 'thinking')).toBe(true);
    expect((await apiError(api.sendMessageDraft(-100, 7, 'in a group'))).error_code).toBe(400);
    expect((await apiError(api.sendMessageDraft(5, 0, 'no id'))).error_code).toBe(400);
    expect(tg.drafts.map((d) => [d.chatId, d.draftId, d.text])).toEqual([[5, 7, 'thinking']]);
    const sent = await api.sendMessage(5, 'first');
    await api.editMessageText(5, sent.message_id, 'first, then more');
    expect((await apiError(api.editMessageText(5, sent.message_id, 'first, then more'))).description).toMatch(/message is not modified/);
    expect((await apiError(api.editMessageText(5, 999, 'gone'))).description).toBe('Bad Request: message to edit not found');
    expect(tg.sentTo(5).map((m) => m.text)).toEqual(['first, then more']);
    expect(tg.textEdits.map((e) => e.text)).toEqual(['first, then more']);
    tg.refuseMethod('sendMessageDraft');
    expect((await apiError(api.sendMessageDraft(5, 7, 'again'))).error_code).toBe(404);
  });

  it('scripts 429s with retry_after, refuses methods with 404, and 403s a blocked user', async () => {
    tg.failNext('sendMessage', { code: 429, retryAfter: 3 });
    const limited = await apiError(api.sendMessage(5, 'hi'));
    expect([limited.error_code, limited.parameters.retry_after]).toEqual([429, 3]);
    await api.sendMessage(5, 'hi');
    tg.refuseMethod('sendChatAction');
    expect((await apiError(api.sendChatAction(5, 'typing'))).error_code).toBe(404);
    tg.blockChat(6);
    expect((await apiError(api.sendMessage(6, 'hi'))).description).toBe('Forbidden: bot was blocked by the user');
  });

  it('delivers to a webhook with the secret header, retries until 2xx, and refuses getUpdates meanwhile', async () => {
    const received: Array<{ secret: string | undefined; id: number }> = [];
    let failFirst = true;
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ secret: req.headers['x-telegram-bot-api-secret-token'] as string | undefined, id: (JSON.parse(body) as { update_id: number }).update_id });
        res.writeHead(failFirst ? 500 : 200).end('{}');
        failFirst = false;
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      const standIn = await TelegramStandIn.start({ webhookRetryMs: 50 });
      const hookApi = new Api(standIn.token, { apiRoot: standIn.apiRoot });
      await hookApi.setWebhook(`http://127.0.0.1:${(hook.address() as AddressInfo).port}/telegram/webhook`, { secret_token: 's3cret' });
      const update = standIn.injectMessage({ from: standIn.user(1), text: 'hello' });
      await standIn.waitFor(() => standIn.pending().length === 0, 5000, 'webhook delivery');
      expect(received).toEqual([
        { secret: 's3cret', id: update.update_id },
        { secret: 's3cret', id: update.update_id },
      ]);
      expect((await apiError(hookApi.getUpdates())).error_code).toBe(409);
      expect((await hookApi.getWebhookInfo()).last_error_message).toMatch(/500/);
      await standIn.stop();
    } finally {
      hook.close();
    }
  });
});
