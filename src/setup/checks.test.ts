import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramStandIn } from '../../test/support/telegram-server.js';
import { checkBotToken, waitForFirstMessage } from './checks.js';

describe('the set-up checks against the Bot API', () => {
  let tg: TelegramStandIn;
  beforeAll(async () => {
    tg = await TelegramStandIn.start({ username: 'AdaBot', firstName: 'Ada' });
  });
  afterAll(async () => tg?.stop());

  it('names the bot for a good token and refuses a bad one without showing it', async () => {
    expect(await checkBotToken(tg.apiRoot, tg.token)).toMatchObject({ username: 'AdaBot', firstName: 'Ada' });
    await expect(checkBotToken(tg.apiRoot, '42:secret-part')).rejects.toMatchObject({ code: 'SETUP_CHECK_FAILED', message: expect.stringMatching(/rejected/) });
    await expect(checkBotToken(tg.apiRoot, 'not a token')).rejects.toThrow(/not a bot token/);
    const err = (await checkBotToken('http://127.0.0.1:9', tg.token).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/Cannot reach the Telegram Bot API/);
    expect(err.message).not.toContain(tg.token);
  });

  it('passes over old messages and bots, takes the next sender, and confirms the update', async () => {
    tg.injectMessage({ from: tg.user(1, 'Old'), extra: { date: Math.floor(Date.now() / 1000) - 3600 }, text: 'old' });
    tg.injectMessage({ from: { ...tg.user(2, 'Robot'), is_bot: true }, text: 'beep' });
    const waiting = waitForFirstMessage(tg.apiRoot, tg.token, { waitMs: 20_000 });
    setTimeout(() => tg.injectMessage({ from: tg.user(3, 'Ada', 'ada'), text: 'hi' }), 300);
    expect(await waiting).toMatchObject({ id: 3, firstName: 'Ada', username: 'ada', text: 'hi' });
    expect(tg.pending()).toEqual([]);
  });

  it('gives up after the wait without a message', async () => {
    expect(await waitForFirstMessage(tg.apiRoot, tg.token, { waitMs: 100 })).toBeUndefined();
  });
});
