import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../../src/conversation/transcript.js';
import { loadConfig } from '../../src/config/config.js';
import { emailChecks } from '../../src/operations/doctor/email-checks.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { DOVECOT_AVAILABLE, DOVECOT_SKIP_REASON, MailStandIn } from '../support/mail-server.js';
import { waitFor } from '../support/wait.js';

if (!DOVECOT_AVAILABLE) console.warn(DOVECOT_SKIP_REASON);

/**
 * The email channel end to end against a real local mail system (Dovecot IMAP, smtp-server
 * delivering into it): what the shared contract suite does not show — threads, the reply in
 * the owner's own mailbox over IMAP, machine-written mail, a refusal for good.
 */
describe.skipIf(!DOVECOT_AVAILABLE)('the email channel, against Dovecot and a local SMTP server', () => {
  const tag = Math.floor(Math.random() * 1_000_000);
  let mail: MailStandIn;
  let mycel: TestMycel;
  let me: string;
  let owner: string;
  let ownerLocal: string;
  let stranger: string;

  beforeAll(async () => {
    mail = await MailStandIn.start();
    ownerLocal = `ada${tag}`;
    owner = mail.addUser(ownerLocal);
    stranger = mail.addUser(`eve${tag}`);
    const env = mail.env(`mycel${tag}`, [owner]);
    me = env.MYCEL_EMAIL_FROM!;
    mycel = await startTestMycel({ env });
  });
  afterAll(async () => {
    await mycel?.stop();
    await mail?.stop();
  });

  const idle = async () => {
    await waitFor(async () => (await mail.readMailbox(`mycel${tag}`)).every((m) => m.seen), 20_000, 'Mycel to take every mail');
    await mycel.email().dispatcher.idle();
  };

  it('answers an owner in the same thread, into their own mailbox, reading only the new words of their mail', async () => {
    const raw = await mail.compose({
      from: `Ada <${owner}>`,
      to: me,
      subject: 'plans',
      text: '/remember the boat leaves at nine\n\nOn Thu, 3 Dec 2026 at 09:00, Grace <grace@example.test> wrote:\n> shall we sail?\n\n-- \nAda',
      inReplyTo: 'earlier@example.test',
      references: ['root@example.test', 'earlier@example.test'],
    });
    await mail.submit(raw, { from: owner, to: me });
    const [reply] = await waitFor(() => (mail.mailTo(owner, me).length ? mail.mailTo(owner, me) : undefined), 30_000, 'the reply');
    const sent = mail.received.find((m) => m.to === me && m.subject === 'plans')!;
    expect(reply).toMatchObject({ subject: 'Re: plans', inReplyTo: sent.messageId, references: ['root@example.test', 'earlier@example.test', sent.messageId] });
    expect(reply!.text).toMatch(/boat leaves at nine/);
    expect(reply!.headers.get('auto-submitted')).toBe('auto-replied');
    const box = await waitFor(async () => {
      const found = (await mail.readMailbox(ownerLocal)).filter((m) => m.inReplyTo === sent.messageId);
      return found.length ? found : undefined;
    }, 10_000, 'the reply in the owner’s mailbox');
    expect(box.map((m) => m.subject)).toEqual(['Re: plans']);
    await idle();
    const lines = await listMessages(mycel.proc.store!, { channel: 'email', chatId: owner });
    expect(lines[0]).toMatchObject({ role: 'user', text: '/remember the boat leaves at nine' });
  });

  it('never answers machine-written mail: bounces, auto-replies and list mail, from owners or strangers', async () => {
    const before = mail.received.filter((m) => m.from === me).length;
    const autoReply = await mail.compose({ from: owner, to: me, subject: 'Out of office', text: 'I am away until Monday.', headers: { 'Auto-Submitted': 'auto-replied' } });
    await mail.submit(autoReply, { from: owner, to: me });
    const bounce = await mail.compose({ from: `MAILER-DAEMON@example.test`, to: me, subject: 'Undelivered Mail Returned to Sender', text: 'This is the mail system.' });
    await mail.submit(bounce, { from: '', to: me });
    const list = await mail.compose({ from: stranger, to: me, subject: 'Weekly news', text: 'hello subscribers', headers: { 'List-Id': '<news.example.test>', Precedence: 'list' } });
    await mail.submit(list, { from: stranger, to: me });
    await idle();
    await new Promise((r) => setTimeout(r, 500));
    expect(mail.received.filter((m) => m.from === me).length).toBe(before);
    const rows = await mycel.proc.store!.db.selectFrom('channel_inbox').select(['status', 'detail']).where('channel', '=', 'email').where('kind', '=', 'automated').execute();
    expect(rows.map((r) => r.status)).toEqual(['ignored', 'ignored', 'ignored']);
    expect((await listMessages(mycel.proc.store!, { channel: 'email', chatId: owner })).some((l) => l.text.includes('away until Monday'))).toBe(false);
  });

  it('mails a scheduled result as its own thread, once', async () => {
    await mail.submit(await mail.compose({ from: owner, to: me, subject: 'later', text: '/schedule 2s /sh echo scheduled-by-mail' }), { from: owner, to: me });
    const result = await waitFor(() => mail.mailTo(owner, me).find((m) => m.text.includes('scheduled-by-mail') && !m.text.includes('/sh')), 30_000, 'the scheduled result');
    expect(result.inReplyTo).toBeUndefined();
    expect(result.headers.get('auto-submitted')).toBe('auto-generated');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(mail.mailTo(owner, me).filter((m) => m.text === result.text)).toHaveLength(1);
  });

  it('records a refusal for good (550) as failed and does not retry it', async () => {
    const nobody = `nobody${tag}@example.test`;
    await mycel.proc.outbound.send({ channel: 'email', chatId: nobody, text: 'hello?', key: `test:email-550-${tag}` });
    await mycel.proc.outbound.send({ channel: 'email', chatId: nobody, text: 'hello?', key: `test:email-550-${tag}` });
    const row = await mycel.proc.store!.db.selectFrom('channel_outbox').select(['status', 'attempts', 'error']).where('channel', '=', 'email').where('key', '=', `test:email-550-${tag}`).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringMatching(/SMTP 550/) });
  });

  it('lets doctor check the mailbox and the SMTP server, and name what is wrong without the password', async () => {
    const env = mail.env(`mycel${tag}`, [owner]);
    const good = await emailChecks(loadConfig(env));
    expect(good.map((c) => [c.group, c.name, c.status])).toEqual([
      ['email', 'imap', 'pass'],
      ['email', 'smtp', 'pass'],
    ]);
    const wrong = (url: string) => url.replace('secret-pw', 'wrong-pw-123');
    const bad = await emailChecks(loadConfig({ ...env, MYCEL_EMAIL_IMAP_URL: wrong(env.MYCEL_EMAIL_IMAP_URL!), MYCEL_EMAIL_SMTP_URL: wrong(env.MYCEL_EMAIL_SMTP_URL!) }));
    expect(bad.map((c) => c.status)).toEqual(['fail', 'fail']);
    expect(bad[0]!.hint).toMatch(/MYCEL_EMAIL_IMAP_URL/);
    expect(bad[1]!.hint).toMatch(/MYCEL_EMAIL_SMTP_URL/);
    expect(JSON.stringify(bad)).not.toContain('wrong-pw-123');
    expect(await emailChecks(loadConfig({}))).toEqual([]);
  });
});
