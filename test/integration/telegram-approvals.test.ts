import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalButtonData } from '../../src/telegram/callback-data.js';
import { ONLY_OWNERS_DECIDE } from '../../src/telegram/handler.js';
import { approvePairing } from '../../src/telegram/pairing.js';
import { getApproval } from '../../src/tools/approvals-store.js';
import { ownToolRuntime, startTestMycel, type TestMycel } from '../support/harness.js';
import { TelegramStandIn, type SentMessage } from '../support/telegram-server.js';

/**
 * Only owners decide approvals (**contract**), against the stand-in Bot API: a paired guest
 * who asks for an `ask` command gets no buttons and cannot decide, the owners get the
 * request with its buttons, and the token holder (API) can still decide.
 */

const BASE = 3_000_000 + Math.floor(Math.random() * 8_000_000) * 10;
const OWNER = BASE + 1;
const OWNER_2 = BASE + 2;
const GUEST = BASE + 5;

describe('approvals asked for by a paired guest on Telegram', () => {
  let tg: TelegramStandIn;
  let mycel: TestMycel;
  let sandbox: string;
  const idle = async () => {
    await tg.waitFor(() => tg.pending().length === 0, 20_000, 'every update confirmed');
    await mycel.telegram().dispatcher.idle();
  };

  beforeAll(async () => {
    tg = await TelegramStandIn.start();
    mycel = await startTestMycel({ env: { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, MYCEL_OWNER_TELEGRAM_IDS: `${OWNER},${OWNER_2}` } });
    sandbox = ownToolRuntime(mycel.activityDeps).policy.get().sandboxPath;
    // The guest writes, gets a pairing code, and an owner approves it (`mycel pairing approve`).
    const guest = tg.user(GUEST, 'Guest');
    tg.injectMessage({ from: guest, text: 'hi' });
    const [pairing] = await tg.waitForMessages(GUEST, 1);
    const code = /pairing code: ([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(pairing!.text!)![1]!;
    await approvePairing(mycel.proc.store, code, 'test');
  });
  afterAll(async () => {
    await mycel?.stop();
    await tg?.stop();
  });

  /** The guest sends `/sh touch <file>`; returns the approval id and the guest's new messages. */
  async function guestAsks(file: string): Promise<{ id: string; toGuest: SentMessage[]; toOwners: SentMessage[] }> {
    const since = tg.sent.length;
    tg.injectCommand(tg.user(GUEST, 'Guest'), 'sh', { args: `touch ${file}` });
    const toGuest = await tg.waitForMessages(GUEST, 2, { since });
    const toOwner = await tg.waitForMessages(OWNER, 1, { since });
    const toOwner2 = await tg.waitForMessages(OWNER_2, 1, { since });
    await idle();
    const id = /Approval needed \((ap-[0-9a-f]+)\)/.exec(toOwner[0]!.text!)![1]!;
    return { id, toGuest, toOwners: [toOwner[0]!, toOwner2[0]!] };
  }

  it('sends the request with its buttons to the owners only, and tells the guest it waits for the owner', async () => {
    const { id, toGuest, toOwners } = await guestAsks('guest-asks.txt');
    for (const m of toGuest) expect(m.reply_markup, m.text).toBeUndefined();
    expect(toGuest.map((m) => m.text).join('\n')).toMatch(/waits for the owner's decision/);
    expect(toGuest.map((m) => m.text).join('\n')).toMatch(/needs the owner's approval/);
    for (const m of toOwners) {
      expect(m.text).toMatch(new RegExp(`^Approval needed \\(${id}\\): shell .*touch guest-asks\\.txt[\\s\\S]*Asked in telegram chat ${GUEST}`));
      expect(m.reply_markup!.inline_keyboard[0]!.map((b) => b.text)).toEqual(['Approve', 'Deny']);
    }
    expect((await getApproval(mycel.proc.store, id))!.status).toBe('pending');
  });

  it('refuses the guest\'s press of an approval button (one in their own chat, or the owner\'s) and changes nothing; the owner\'s press decides', async () => {
    const { id, toOwners } = await guestAsks('guest-pressed.txt');
    // The exploit: approval buttons in the guest's own chat (as sent before), pressed by the guest.
    const since = tg.sent.length;
    await mycel.proc.outbound.send({
      channel: 'telegram',
      chatId: String(GUEST),
      text: `Approval needed (${id})`,
      key: `test:legacy-buttons:${id}`,
      buttons: [{ text: 'Approve', data: approvalButtonData(id, 'approve') }],
    });
    const [legacy] = await tg.waitForMessages(GUEST, 1, { since });
    const answered = tg.callbackAnswers.length;
    tg.injectCallback(tg.user(GUEST, 'Guest'), legacy!, legacy!.reply_markup!.inline_keyboard[0]![0]!.callback_data!);
    // And the owner's button, should the guest ever get hold of its data.
    const ownerApprove = toOwners[0]!.reply_markup!.inline_keyboard[0]![0]!;
    tg.injectCallback(tg.user(GUEST, 'Guest'), toOwners[0]!, ownerApprove.callback_data!);
    await tg.waitFor(() => tg.callbackAnswers.length >= answered + 2 || undefined, 20_000, 'both presses answered');
    await idle();
    expect(tg.callbackAnswers.slice(answered).map((a) => a.text)).toEqual([ONLY_OWNERS_DECIDE, ONLY_OWNERS_DECIDE]);
    const still = await getApproval(mycel.proc.store, id);
    expect([still!.status, still!.decidedBy]).toEqual(['pending', null]);
    expect(existsSync(path.join(sandbox, 'guest-pressed.txt'))).toBe(false);

    // The owner's press of the same button still works: it decides, the command runs, the guest hears the outcome.
    tg.injectCallback(tg.user(OWNER), toOwners[0]!, ownerApprove.callback_data!);
    await tg.waitFor(() => tg.callbackAnswers.length >= answered + 3 || undefined, 20_000, 'the owner\'s press answered');
    expect(tg.callbackAnswers.at(-1)!.text).toBe(`Approved ${id}.`);
    const outcome = await tg.waitFor(() => tg.sentTo(GUEST, since).find((m) => m.text!.startsWith(`Approved ${id} (shell)`)), 30_000, 'the outcome in the guest\'s chat');
    expect(outcome.text).toMatch(/Approved/);
    expect((await getApproval(mycel.proc.store, id))!.decidedBy).toBe(`telegram:${OWNER}`);
    expect(existsSync(path.join(sandbox, 'guest-pressed.txt'))).toBe(true);
  });

  it('lets the token holder decide through the API', async () => {
    const { id } = await guestAsks('guest-denied.txt');
    const res = await mycel.api(`/api/approvals/${id}`, { body: { decision: 'deny' } });
    expect([res.status, res.body.status]).toEqual([200, 'denied']);
    await tg.waitFor(() => tg.sentTo(GUEST).find((m) => m.text!.startsWith(`Denied ${id}`)), 30_000, 'the denial in the guest\'s chat');
    expect(existsSync(path.join(sandbox, 'guest-denied.txt'))).toBe(false);
  });
});

describe('approvals asked for by an owner on Telegram', () => {
  it('go to the asking owner\'s chat with buttons (once) and to the other owners', async () => {
    const tg = await TelegramStandIn.start();
    const mycel = await startTestMycel({ env: { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, MYCEL_OWNER_TELEGRAM_IDS: `${OWNER},${OWNER_2}` } });
    try {
      tg.injectCommand(tg.user(OWNER), 'sh', { args: 'touch owner-asks.txt' });
      const toOwner = await tg.waitForMessages(OWNER, 2);
      const [toOther] = await tg.waitForMessages(OWNER_2, 1);
      const request = toOwner.find((m) => m.reply_markup)!;
      expect(request.text).toMatch(/^Approval needed \(ap-[0-9a-f]+\): shell/);
      expect(request.text).not.toMatch(/Asked in/);
      expect(toOwner.filter((m) => m.reply_markup)).toHaveLength(1);
      expect(toOther!.text).toMatch(new RegExp(`Asked in telegram chat ${OWNER}`));
      expect(toOther!.reply_markup).toBeDefined();
    } finally {
      await mycel.stop();
      await tg.stop();
    }
  });
});
