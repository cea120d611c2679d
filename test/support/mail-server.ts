import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, appendFileSync, writeFileSync, chmodSync, chownSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import getPort from 'get-port';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { waitFor } from './wait.js';

/**
 * A real local mail system for the email channel's tests: Dovecot (IMAP, with IDLE) over a
 * maildir in a temporary folder, and an SMTP server (`smtp-server`) that hands every mail it
 * accepts to Dovecot's delivery agent (`dovecot-lda`), so a mail sent to any test user lands
 * in that user's mailbox and is readable over IMAP. Dovecot runs as its own process with
 * its own configuration (passwd-file users, no TLS, a free port), as the current user, or
 * as Debian's `dovecot`/`dovenull` users when the tests run as root (Dovecot refuses root
 * for mail processes). Install with `apt-get install dovecot-imapd`.
 */

export const DOVECOT_BIN = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'].find((p) => existsSync(p));
const LDA_BIN = ['/usr/lib/dovecot/dovecot-lda', '/usr/libexec/dovecot/dovecot-lda'].find((p) => existsSync(p));

/** Whether Dovecot is installed; email tests are skipped (and say so) without it. */
export const DOVECOT_AVAILABLE = Boolean(DOVECOT_BIN && LDA_BIN);
export const DOVECOT_SKIP_REASON = 'Dovecot is not installed (apt-get install dovecot-imapd): the email channel tests are SKIPPED';

const DOMAIN = 'example.test';
const PASSWORD = 'secret-pw';

/** A mail the SMTP server accepted, read back. */
export interface ReceivedMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  messageId: string;
  inReplyTo: string | undefined;
  references: string[];
  headers: Map<string, unknown>;
  raw: Buffer;
}

/** An SMTP answer to a recipient: 250 accepted, or the refusal asked for with `failNext`. */
export interface SmtpCall {
  to: string;
  status: number;
}

function runUser(): { user: string; group: string; uid: number; gid: number; loginUser: string } {
  if (process.getuid?.() !== 0) {
    const info = os.userInfo();
    const group = spawnSync('id', ['-gn']).stdout.toString().trim();
    return { user: info.username, group, uid: info.uid, gid: info.gid, loginUser: info.username };
  }
  const id = (flag: string, who: string) => Number(spawnSync('id', [flag, who]).stdout.toString().trim());
  return { user: 'dovecot', group: 'dovecot', uid: id('-u', 'dovecot'), gid: id('-g', 'dovecot'), loginUser: 'dovenull' };
}

export class MailStandIn {
  readonly received: ReceivedMail[] = [];
  readonly calls: SmtpCall[] = [];
  private readonly failures: Array<{ to: string; code: number }> = [];
  private readonly users = new Set<string>();
  private constructor(
    readonly dir: string,
    readonly imapPort: number,
    readonly smtpPort: number,
    private readonly dovecot: ChildProcess,
    private readonly smtp: SMTPServer,
    private readonly owner: { uid: number; gid: number },
  ) {}

  static async start(): Promise<MailStandIn> {
    if (!DOVECOT_AVAILABLE) throw new Error(DOVECOT_SKIP_REASON);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-mail-'));
    chmodSync(dir, 0o755);
    const who = runUser();
    for (const sub of ['run', 'state', 'mail']) mkdirSync(path.join(dir, sub));
    chownSync(path.join(dir, 'mail'), who.uid, who.gid);
    writeFileSync(path.join(dir, 'passwd'), '');
    const [imapPort, smtpPort] = [await getPort(), await getPort()];
    writeFileSync(path.join(dir, 'dovecot.conf'), dovecotConf(dir, imapPort, who));
    const dovecot = spawn(DOVECOT_BIN!, ['-F', '-c', path.join(dir, 'dovecot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    dovecot.stderr!.on('data', (d) => (stderr += String(d)));
    // Never left running after the test process, however it ends.
    const stopDovecot = () => dovecot.kill('SIGTERM');
    process.once('exit', stopDovecot);
    dovecot.once('exit', () => process.off('exit', stopDovecot));
    await waitFor(() => greets(imapPort), 15_000, `Dovecot to answer on port ${imapPort}${stderr ? ` (${stderr.trim()})` : ''}`);
    let stand: MailStandIn | undefined;
    const smtp = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (auth, _session, cb) => (auth.password === PASSWORD ? cb(null, { user: auth.username }) : cb(new Error('535 5.7.8 authentication failed'))),
      onRcptTo: (address, session, cb) => stand!.onRcptTo(address, session, cb),
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => void stand!.onData(Buffer.concat(chunks), session).then(() => cb(null), (err: Error) => cb(err)));
      },
    });
    await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
    stand = new MailStandIn(dir, imapPort, smtpPort, dovecot, smtp, who);
    return stand;
  }

  /** Adds a mailbox user; returns their address. */
  addUser(local: string): string {
    if (!this.users.has(local)) {
      this.users.add(local);
      const home = path.join(this.dir, 'mail', local);
      appendFileSync(path.join(this.dir, 'passwd'), `${local}:{PLAIN}${PASSWORD}:${this.owner.uid}:${this.owner.gid}::${home}::\n`);
    }
    return `${local}@${DOMAIN}`;
  }

  /** The variables that point Mycel's email channel at this mail system, reading `local`'s mailbox. */
  env(local: string, owners: string[]): Record<string, string> {
    const address = this.addUser(local);
    return {
      MYCEL_EMAIL_IMAP_URL: `imap://${local}:${PASSWORD}@127.0.0.1:${this.imapPort}/INBOX`,
      MYCEL_EMAIL_SMTP_URL: `smtp://${local}:${PASSWORD}@127.0.0.1:${this.smtpPort}`,
      MYCEL_EMAIL_FROM: address,
      MYCEL_OWNER_EMAILS: owners.join(','),
    };
  }

  /** Builds a mail as a mail program would (nodemailer), without sending it. */
  async compose(mail: { from: string; to: string; subject: string; text: string; inReplyTo?: string; references?: string[]; headers?: Record<string, string> }): Promise<Buffer> {
    const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    const info = await builder.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      ...(mail.inReplyTo ? { inReplyTo: `<${mail.inReplyTo}>` } : {}),
      ...(mail.references ? { references: mail.references.map((r) => `<${r}>`) } : {}),
      ...(mail.headers ? { headers: mail.headers } : {}),
    });
    return info.message as Buffer;
  }

  /** Submits a raw mail over SMTP (an empty `returnPath` is a bounce's null sender). */
  async submit(raw: Buffer, envelope: { from: string; to: string }): Promise<void> {
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: this.smtpPort, secure: false, ignoreTLS: true });
    await client.sendMail({ envelope: { from: envelope.from, to: envelope.to }, raw });
  }

  /** The SMTP server refuses the next `count` mails to `to` with this code (451: try again later). */
  failNext(to: string, code: number, count = 1): void {
    for (let i = 0; i < count; i += 1) this.failures.push({ to: to.toLowerCase(), code });
  }

  /** Mail accepted for `to`, from `from` when given, in order. */
  mailTo(to: string, from?: string): ReceivedMail[] {
    return this.received.filter((m) => m.to === to.toLowerCase() && (!from || m.from === from.toLowerCase()));
  }

  /** The messages in a user's INBOX, read over IMAP. */
  async readMailbox(local: string): Promise<Array<{ uid: number; subject: string; messageId: string; inReplyTo: string | undefined; seen: boolean }>> {
    const client = new ImapFlow({ host: '127.0.0.1', port: this.imapPort, secure: false, auth: { user: local, pass: PASSWORD }, logger: false });
    await client.connect();
    try {
      await client.mailboxOpen('INBOX');
      const all = await client.fetchAll('1:*', { uid: true, envelope: true, flags: true });
      return all.map((m) => ({ uid: m.uid, subject: m.envelope?.subject ?? '', messageId: (m.envelope?.messageId ?? '').replace(/^<|>$/g, ''), inReplyTo: m.envelope?.inReplyTo?.replace(/^<|>$/g, ''), seen: m.flags?.has('\\Seen') ?? false }));
    } finally {
      await client.logout();
    }
  }

  /** Marks a message of a user's INBOX seen, as a mail program does when it is read. */
  async markSeen(local: string, uid: number): Promise<void> {
    const client = new ImapFlow({ host: '127.0.0.1', port: this.imapPort, secure: false, auth: { user: local, pass: PASSWORD }, logger: false });
    await client.connect();
    try {
      await client.mailboxOpen('INBOX');
      await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
    } finally {
      await client.logout();
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.smtp.close(() => resolve()));
    this.dovecot.kill('SIGTERM');
    await new Promise((r) => (this.dovecot.exitCode !== null ? r(undefined) : this.dovecot.once('exit', r)));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    const to = address.address.toLowerCase();
    const index = this.failures.findIndex((f) => f.to === to);
    if (index >= 0) {
      const [failure] = this.failures.splice(index, 1);
      this.calls.push({ to, status: failure!.code });
      return cb(Object.assign(new Error(failure!.code < 500 ? '4.7.1 Too many messages, try again later' : '5.1.1 No such user'), { responseCode: failure!.code }));
    }
    if (!this.users.has(to.split('@')[0]!) || !to.endsWith(`@${DOMAIN}`)) return cb(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }));
    cb();
  }

  private async onData(raw: Buffer, session: SMTPServerSession): Promise<void> {
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    // As a final delivery adds it: the envelope sender ("<>" for a bounce).
    const delivered = Buffer.concat([Buffer.from(`Return-Path: <${mailFrom}>\r\n`), raw]);
    const parsed = await simpleParser(raw);
    for (const rcpt of session.envelope.rcptTo) {
      const to = rcpt.address.toLowerCase();
      await this.deliver(to.split('@')[0]!, delivered, mailFrom);
      this.calls.push({ to, status: 250 });
      const refs = parsed.references;
      this.received.push({
        from: (parsed.from?.value[0]?.address ?? '').toLowerCase(),
        to,
        subject: parsed.subject ?? '',
        text: (parsed.text ?? '').replace(/\r\n/g, '\n').trimEnd(),
        messageId: (parsed.messageId ?? '').replace(/^<|>$/g, ''),
        inReplyTo: parsed.inReplyTo?.replace(/^<|>$/g, ''),
        references: (typeof refs === 'string' ? [refs] : (refs ?? [])).map((r) => r.replace(/^<|>$/g, '')),
        headers: parsed.headers,
        raw,
      });
    }
  }

  /** Hands a mail to Dovecot's delivery agent for `local`'s INBOX. */
  deliver(local: string, raw: Buffer, from = ''): Promise<void> {
    return new Promise((resolve, reject) => {
      const lda = spawn(LDA_BIN!, ['-c', path.join(this.dir, 'dovecot.conf'), '-d', local, ...(from ? ['-f', from] : [])], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      lda.stderr!.on('data', (d) => (err += String(d)));
      lda.on('error', reject);
      lda.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`dovecot-lda exited ${code}: ${err.trim()}`))));
      lda.stdin!.end(raw);
    });
  }
}

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('data', (d) => {
      socket.destroy();
      resolve(String(d).startsWith('* OK'));
    });
    socket.once('error', () => resolve(false));
  });
}

function dovecotConf(dir: string, port: number, who: { user: string; group: string; loginUser: string }): string {
  return `# Written by the email tests: one Dovecot of its own, nothing shared with a system one.
instance_name = mycel-test-${port}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 1
default_internal_user = ${who.user}
default_internal_group = ${who.group}
default_login_user = ${who.loginUser}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%n ${dir}/passwd
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`;
}
