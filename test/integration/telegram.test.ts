import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WorkflowNotFoundError } from '@temporalio/client';
import getPort from 'get-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../../src/conversation/transcript.js';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { TelegramStandIn } from '../support/telegram-server.js';

const run = promisify(execFile);

/**
 * Owners of the bot in these tests; anyone else is a stranger. A chat's workflow id is its
 * Telegram id, and the dev server is shared by every test file: fresh ids for each run.
 */
const BASE = 1_000_000 + Math.floor(Math.random() * 8_000_000) * 10;
const OWNER = BASE + 1;
const OWNER_2 = BASE + 2;
const OWNER_3 = BASE + 3;
const STRANGER = BASE + 9;
/** The webhook instance's owners (their chats' workflows must not be the polling instance's). */
const HOOK_OWNER = BASE + 4;
const HOOK_OWNER_2 = BASE + 5;
const REMIND_OWNER = BASE + 6;
const APPROVER = BASE + 7;
const SPLIT_OWNER = BASE + 8;

function telegramEnv(tg: TelegramStandIn, extra: Record<string, string> = {}): Record<string, string> {
  return { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, MYCEL_OWNER_TELEGRAM_IDS: [OWNER, OWNER_2, OWNER_3, HOOK_OWNER, HOOK_OWNER_2, REMIND_OWNER, APPROVER, SPLIT_OWNER].join(','), ...extra };
}

async function inbox(mycel: TestMycel, botId: number) {
  return mycel.proc.store.db.selectFrom('telegram_inbox').selectAll().where('bot_id', '=', String(botId)).orderBy('update_id').execute();
}

/** `mycel <args>` as a separate process against this test's database (the instance keeps running). */
async function cli(mycel: TestMycel, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), ...args], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, MYCEL_DATA_DIR: mycel.config.dataDir, MYCEL_DATABASE_URL: mycel.config.databaseUrl, MYCEL_OWNER_TELEGRAM_IDS: `${OWNER}`, MYCEL_LOG_LEVEL: 'warn' },
  });
  return stdout;
}

describe('the Telegram channel, long polling, against the stand-in Bot API', () => {
  let tg: TelegramStandIn;
  let mycel: TestMycel;
  /** Waits until every injected update was fetched, committed and handled. */
  const idle = async () => {
    await tg.waitFor(() => tg.pending().length === 0, 20_000, 'the poller to confirm every update');
    await mycel.telegram().dispatcher.idle();
  };

  beforeAll(async () => {
    tg = await TelegramStandIn.start();
    mycel = await startTestMycel({ env: telegramEnv(tg) });
  });
  afterAll(async () => {
    await mycel?.stop();
    await tg?.stop();
  });

  it('answers an owner’s commands (also /cmd@ThisBot) with a typing indicator, notes media, and ignores what is not for it', async () => {
    const owner = tg.user(OWNER, 'Ada', 'ada');
    tg.injectCommand(owner, 'start');
    const [hello] = await tg.waitForMessages(OWNER, 1);
    expect(hello!.text).toMatch(/Mycel/);
    expect(tg.chatActions).toContainEqual(expect.objectContaining({ chatId: OWNER, action: 'typing' }));

    tg.injectCommand(owner, 'help', { botname: true });
    tg.injectCommand(owner, 'help', { botname: 'SomeOtherBot' });
    tg.injectPhoto(owner);
    tg.injectSticker(owner);
    const edited = tg.injectMessage({ from: owner, text: 'typo' });
    tg.injectEdit(edited, 'fixed typo');
    tg.injectChannelPost('news');
    const replies = await tg.waitForMessages(OWNER, 5);
    await idle();

    expect(replies.map((m) => m.text!.split('\n')[0])).toEqual([
      expect.stringMatching(/Mycel/),
      'Here is what I understand:',
      expect.stringMatching(/can't look at photos/),
      expect.stringMatching(/Nice sticker/),
      expect.stringMatching(/without a language model/),
    ]);
    expect(tg.sentTo(OWNER)).toHaveLength(5);
    const transcript = await listMessages(mycel.proc.store, { channel: 'telegram', chatId: String(OWNER) });
    expect(transcript.filter((l) => l.role === 'user').map((l) => l.text)).toEqual(['/start', '/help', 'typo']);
    const rows = await inbox(mycel, tg.botId);
    expect(rows.map((r) => [r.kind, r.status])).toEqual([
      ['message', 'done'],
      ['message', 'done'],
      ['message', 'ignored'],
      ['message', 'answered'],
      ['message', 'answered'],
      ['message', 'done'],
      ['edited_message', 'ignored'],
    ]);
    // Channel posts are not even asked for (allowed_updates).
    expect(tg.pending()).toEqual([]);
  });

  it('gives a stranger one pairing message and nothing else reaches the brain or memory, until an owner approves the code', async () => {
    const eve = tg.user(STRANGER, 'Eve', 'eve');
    tg.injectMessage({ from: eve, text: 'hi' });
    tg.injectCommand(eve, 'remember', { args: 'my bank pin is 1234' });
    tg.injectCommand(eve, 'start');
    await tg.waitForMessages(STRANGER, 1);
    await idle();
    const sent = tg.sentTo(STRANGER);
    expect(sent).toHaveLength(1);
    const code = /pairing code: ([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(sent[0]!.text!)![1]!;
    expect(tg.chatActions.filter((a) => a.chatId === STRANGER)).toEqual([]);

    const store = mycel.proc.store;
    expect(await listMessages(store, { channel: 'telegram', chatId: String(STRANGER) })).toEqual([]);
    const facts = await store.db.selectFrom('memory_facts').selectAll().where('chat_id', '=', String(STRANGER)).execute();
    expect(facts).toEqual([]);
    await expect(mycel.proc.client.workflow.getHandle(`chat-telegram-${STRANGER}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const refused = (await inbox(mycel, tg.botId)).filter((r) => r.lane === `chat:${STRANGER}`);
    expect(refused.map((r) => [r.status, r.payload])).toEqual(Array(3).fill(['refused', '{}']));

    expect(await cli(mycel, 'pairing', 'list')).toMatch(new RegExp(`pending\\s+${STRANGER}\\s+Eve \\(@eve\\)\\s+${code}`));
    expect(await cli(mycel, 'pairing', 'approve', code.toLowerCase())).toMatch(/Approved Eve \(@eve\)/);
    tg.injectCommand(eve, 'start');
    const [, welcome] = await tg.waitForMessages(STRANGER, 2);
    expect(welcome!.text).toMatch(/Mycel/);

    expect(await cli(mycel, 'pairing', 'revoke', String(STRANGER))).toMatch(new RegExp(`Revoked Telegram user ${STRANGER}`));
    tg.injectMessage({ from: eve, text: 'still there?' });
    const [, , again] = await tg.waitForMessages(STRANGER, 3);
    await idle();
    expect(again!.text).toMatch(/pairing code: /);
    expect(again!.text).not.toContain(code);
    expect(tg.sentTo(STRANGER)).toHaveLength(3);
    const userLines = (await listMessages(store, { channel: 'telegram', chatId: String(STRANGER) })).filter((l) => l.role === 'user');
    expect(userLines.map((l) => l.text)).toEqual(['/start']);
  }, 180_000); // three runs of the real CLI

  it('sets a reminder from Telegram and delivers it on Telegram exactly once', async () => {
    tg.injectCommand(tg.user(REMIND_OWNER), 'remind', { args: '3s stretch your legs' });
    const [confirmation] = await tg.waitForMessages(REMIND_OWNER, 1);
    expect(confirmation!.text).toMatch(/stretch your legs/);
    const [, reminder] = await tg.waitForMessages(REMIND_OWNER, 2, { timeoutMs: 30_000 });
    expect(reminder!.text).toBe('⏰ stretch your legs');
    // Nothing more arrives: once.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(tg.sentTo(REMIND_OWNER).filter((m) => m.text!.startsWith('⏰'))).toHaveLength(1);
    const lines = await listMessages(mycel.proc.store, { channel: 'telegram', chatId: String(REMIND_OWNER) });
    expect(lines.filter((l) => l.kind === 'reminder').map((l) => l.text)).toEqual(['⏰ stretch your legs']);
  });

  it('waits out a 429 on the reply and delivers it exactly once', async () => {
    tg.failNext('sendMessage', { code: 429, retryAfter: 1 });
    tg.injectCommand(tg.user(OWNER_2), 'start');
    await tg.waitForMessages(OWNER_2, 1);
    await idle();
    const calls = tg.calls.filter((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === OWNER_2);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(tg.sentTo(OWNER_2)).toHaveLength(1);
  });

  it('delivers through the worker’s outbound sender once per key, splitting a long message cleanly', async () => {
    const outbound = mycel.proc.outbound;
    const long = Array.from({ length: 120 }, (_, i) => `Line ${i}: ${'the quick brown fox jumps over the lazy dog '.repeat(2).trim()}`).join('\n');
    expect(long.length).toBeGreaterThan(8192);
    expect(await outbound.send({ channel: 'telegram', chatId: String(OWNER_3), text: long, key: 'test:long-1' })).toBe(true);
    const parts = tg.sentTo(OWNER_3);
    expect(parts).toHaveLength(3);
    for (const p of parts) {
      expect(p.text!.length).toBeLessThanOrEqual(4096);
      expect(p.text).toMatch(/^Line \d+: the quick/);
      expect(p.text).toMatch(/lazy dog$/);
    }
    expect(parts.map((p) => p.text).join('\n')).toBe(long);
    // A retried delivery (same key) sends nothing more.
    await outbound.send({ channel: 'telegram', chatId: String(OWNER_3), text: long, key: 'test:long-1' });
    await outbound.send({ channel: 'telegram', chatId: String(OWNER_3), text: '⏰ stretch', key: 'promise:test-1' });
    await outbound.send({ channel: 'telegram', chatId: String(OWNER_3), text: '⏰ stretch', key: 'promise:test-1' });
    expect(tg.sentTo(OWNER_3).map((p) => p.text!.split(':')[0])).toEqual(['Line 0', expect.stringMatching(/^Line \d+$/), expect.stringMatching(/^Line \d+$/), '⏰ stretch']);
  });

  it('keeps the chat going when the user blocked the bot or the server refuses a method', async () => {
    const owner = tg.user(OWNER_3);
    tg.refuseMethod('sendChatAction');
    tg.blockChat(OWNER_3);
    const before = tg.sentTo(OWNER_3).length;
    tg.injectCommand(owner, 'start');
    await idle();
    expect(tg.sentTo(OWNER_3)).toHaveLength(before);
    const refusedSend = tg.calls.filter((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === OWNER_3 && c.status === 403);
    expect(refusedSend).toHaveLength(1);
    // The turn itself happened and is on record; the next message is handled as usual.
    const transcript = await listMessages(mycel.proc.store, { channel: 'telegram', chatId: String(OWNER_3) });
    expect(transcript.filter((l) => l.role === 'user').map((l) => l.text)).toEqual(['/start']);
    const rows = (await inbox(mycel, tg.botId)).filter((r) => r.lane === `chat:${OWNER_3}`);
    expect(rows.map((r) => r.status)).toEqual(['done']);
  });
});

describe('inline buttons', () => {
  let tg: TelegramStandIn;
  let mycel: TestMycel;

  beforeAll(async () => {
    tg = await TelegramStandIn.start();
    mycel = await startTestMycel({ env: telegramEnv(tg) });
  });
  afterAll(async () => {
    await mycel?.stop();
    await tg?.stop();
  });

  it('routes a press to a durable signal of the waiting workflow, once, and always answers the press', async () => {
    const client = mycel.proc.client;
    const workflowId = `buttons-${Date.now()}`;
    const handle = await client.workflow.start('baselineWorkflow', { taskQueue: mycel.config.temporal.taskQueue, workflowId });
    const { signalButtonData } = await import('../../src/telegram/callback-data.js');
    await mycel.proc.outbound.send({
      channel: 'telegram',
      chatId: String(OWNER),
      text: 'Shall I stop?',
      key: 'test:buttons-1',
      buttons: [
        { text: 'Stop', data: signalButtonData(workflowId, 'finish', '') },
        { text: 'Keep going', data: signalButtonData(workflowId, 'nothing', '') },
      ],
    });
    const [question] = await tg.waitForMessages(OWNER, 1);
    const [stop, keep] = question!.reply_markup!.inline_keyboard[0]!;
    // A stranger's press does nothing.
    tg.injectCallback(tg.user(STRANGER), question!, stop!.callback_data!);
    tg.injectCallback(tg.user(OWNER), question!, stop!.callback_data!);
    tg.injectCallback(tg.user(OWNER), question!, keep!.callback_data!);
    tg.injectCallback(tg.user(OWNER), question!, 'c:unknownkey12');
    await tg.waitFor(() => tg.callbackAnswers.length >= 4 || undefined, 20_000, 'four answered presses');
    expect(await handle.result()).toBe(0);
    expect(tg.callbackAnswers.map((a) => a.text)).toEqual(['Only the owner can use these buttons.', 'Done.', 'Already answered: Done.', 'This button has expired.']);
    expect(tg.markupEdits).toContainEqual(expect.objectContaining({ chatId: OWNER, messageId: question!.message_id }));
  });

  it('decides a tool approval with its Telegram button: the command runs once and the outcome is posted', async () => {
    const owner = tg.user(APPROVER);
    tg.injectCommand(owner, 'sh', { args: 'touch from-telegram.txt' });
    const [request, reply] = await tg.waitForMessages(APPROVER, 2);
    expect(request!.text).toMatch(/^Approval needed \((ap-[0-9a-f]+)\): shell/);
    expect(reply!.text).toMatch(/needs the owner's approval/);
    const approvalId = /\((ap-[0-9a-f]+)\)/.exec(request!.text!)![1]!;
    const [approve, deny] = request!.reply_markup!.inline_keyboard[0]!;
    expect([approve!.text, deny!.text]).toEqual(['Approve', 'Deny']);
    tg.injectCallback(owner, request!, approve!.callback_data!);
    tg.injectCallback(owner, request!, deny!.callback_data!);
    const [, , outcome] = await tg.waitForMessages(APPROVER, 3, { timeoutMs: 30_000 });
    expect(outcome!.text).toMatch(new RegExp(`^Approved ${approvalId} \\(shell\\)`));
    await tg.waitFor(() => tg.callbackAnswers.length >= 6 || undefined, 20_000, 'both presses answered');
    expect(tg.callbackAnswers.slice(-2).map((a) => a.text)).toEqual([`Approved ${approvalId}.`, `Already answered: Approved ${approvalId}.`]);
    const audit = await mycel.api('/api/audit?limit=20');
    const approved = audit.body.filter((r: { decision: string; tool: string }) => r.decision === 'approved' && r.tool === 'shell');
    expect(approved).toHaveLength(1);
    expect(approved[0].decidedBy).toBe(`telegram:${APPROVER}`);
  });
});

describe('the Telegram channel in webhook mode', () => {
  let tg: TelegramStandIn;
  let mycel: TestMycel;
  let hookUrl: string;
  const secret = 'hook-secret_123';

  beforeAll(async () => {
    tg = await TelegramStandIn.start({ webhookRetryMs: 100 });
    const port = await getPort();
    hookUrl = `http://127.0.0.1:${port}/telegram/webhook`;
    mycel = await startTestMycel({
      env: telegramEnv(tg, { TELEGRAM_MODE: 'webhook', TELEGRAM_WEBHOOK_URL: hookUrl, TELEGRAM_WEBHOOK_SECRET: secret, MYCEL_HTTP_PORT: String(port) }),
    });
  });
  afterAll(async () => {
    await mycel?.stop();
    await tg?.stop();
  });

  const post = (body: unknown, headers: Record<string, string>) =>
    fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('sets the webhook at start and answers an owner through it', async () => {
    const info = tg.calls.find((c) => c.method === 'setWebhook')!;
    expect(info.params).toMatchObject({ url: hookUrl, secret_token: secret, allowed_updates: ['message', 'edited_message', 'callback_query'] });
    tg.injectCommand(tg.user(HOOK_OWNER), 'start');
    const [reply] = await tg.waitForMessages(HOOK_OWNER, 1);
    expect(reply!.text).toMatch(/Mycel/);
    expect(tg.pending()).toEqual([]);
  });

  it('refuses a missing or wrong secret with 401 and records nothing', async () => {
    const update = { update_id: 1_900_000_001, message: { message_id: 1, date: 1, chat: { id: HOOK_OWNER_2, type: 'private' }, from: { id: HOOK_OWNER_2, is_bot: false, first_name: 'X' }, text: '/start' } };
    expect((await post(update, { 'x-telegram-bot-api-secret-token': 'wrong' })).status).toBe(401);
    expect((await post(update, {})).status).toBe(401);
    expect((await inbox(mycel, tg.botId)).map((r) => Number(r.update_id))).not.toContain(1_900_000_001);
    expect(tg.sentTo(HOOK_OWNER_2)).toEqual([]);
  });

  it('takes a redelivered update once, and refuses what is not an update with 400', async () => {
    const update = { update_id: 1_900_000_002, message: { message_id: 1, date: 1, chat: { id: HOOK_OWNER_2, type: 'private' }, from: { id: HOOK_OWNER_2, is_bot: false, first_name: 'X' }, text: '/start' } };
    const first = await post(update, { 'x-telegram-bot-api-secret-token': secret });
    expect([first.status, await first.json()]).toEqual([200, { ok: true }]);
    expect((await post(update, { 'x-telegram-bot-api-secret-token': secret })).status).toBe(200);
    expect((await post({ hello: 1 }, { 'x-telegram-bot-api-secret-token': secret })).status).toBe(400);
    await tg.waitForMessages(HOOK_OWNER_2, 1);
    await mycel.telegram().dispatcher.idle();
    expect(tg.sentTo(HOOK_OWNER_2)).toHaveLength(1);
    const row = (await inbox(mycel, tg.botId)).find((r) => Number(r.update_id) === 1_900_000_002)!;
    expect([row.status, Number(row.duplicates), row.source]).toEqual(['done', 1, 'webhook']);
  });
});

describe('a split deployment: `mycel worker` sends, `mycel gateway` receives', () => {
  it('answers on Telegram with the ingress in the gateway and the sender in the worker', async () => {
    const tg = await TelegramStandIn.start();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-tg-split-'));
    const shared = { env: telegramEnv(tg), dataDir, taskQueue: `test-split-${randomBytes(4).toString('hex')}` };
    const worker = await startTestMycel({ ...shared, parts: { embedded: false, worker: true, gateway: false } });
    const gateway = await startTestMycel({ ...shared, parts: { embedded: false, worker: false, gateway: true } });
    try {
      expect(worker.proc.telegram).toBeUndefined();
      expect(gateway.proc.telegram).toBeDefined();
      tg.injectCommand(tg.user(SPLIT_OWNER), 'start');
      const [reply] = await tg.waitForMessages(SPLIT_OWNER, 1);
      expect(reply!.text).toMatch(/Mycel/);
      expect(tg.chatActions).toContainEqual(expect.objectContaining({ chatId: SPLIT_OWNER, action: 'typing' }));
    } finally {
      await gateway.stop();
      await worker.stop();
      await tg.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
