import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type { MycelConfig } from '../../config/config.js';
import { imapServer, smtpServer } from '../../email/servers.js';
import { redactText } from '../../shared/redact.js';
import { runCheck, type CheckResult } from './report.js';

/** How long each mail server gets to answer. */
export const EMAIL_CHECK_TIMEOUT_MS = 10_000;

/** An error in words, without the password (the clients may quote the URL or the credentials). */
function describe(err: unknown, secret: string | undefined): string {
  const e = err as { message?: string; responseText?: string; response?: string; code?: string };
  const text = [e?.message ?? String(err), e?.responseText ?? e?.response, e?.code].filter(Boolean).join(' · ');
  return redactText(secret ? text.split(secret).join('***') : text);
}

/**
 * The email channel, when it is on: sign in to the IMAP server and open the mailbox Mycel
 * reads; connect and sign in to the SMTP server (nothing is sent). Neither password is shown.
 */
export async function emailChecks(config: MycelConfig): Promise<CheckResult[]> {
  const { enabled, imapUrl, smtpUrl } = config.email;
  if (!enabled || !imapUrl || !smtpUrl) return [];
  const imap = imapServer(imapUrl);
  const smtp = smtpServer(smtpUrl);
  return Promise.all([
    runCheck(
      'email',
      'imap',
      async () => {
        const client = new ImapFlow({ host: imap.host, port: imap.port, secure: imap.secure, auth: { user: imap.user, pass: imap.pass }, logger: false, connectionTimeout: EMAIL_CHECK_TIMEOUT_MS, greetingTimeout: EMAIL_CHECK_TIMEOUT_MS });
        client.on('error', () => undefined);
        try {
          await client.connect();
          const box = await client.mailboxOpen(imap.mailbox, { readOnly: true });
          return `${imap.user} at ${imap.host}:${imap.port}, ${imap.mailbox} holds ${box.exists} message(s)`;
        } catch (err) {
          throw new Error(describe(err, imap.pass), { cause: err });
        } finally {
          await client.logout().catch(() => client.close());
        }
      },
      `check MYCEL_EMAIL_IMAP_URL (host, port, user name with "@" written %40, password, mailbox) and that this host may reach ${imap.host}:${imap.port}`,
    ),
    runCheck(
      'email',
      'smtp',
      async () => {
        const transporter = nodemailer.createTransport({
          host: smtp.host,
          port: smtp.port,
          secure: smtp.secure,
          ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
          connectionTimeout: EMAIL_CHECK_TIMEOUT_MS,
          greetingTimeout: EMAIL_CHECK_TIMEOUT_MS,
          socketTimeout: EMAIL_CHECK_TIMEOUT_MS,
        });
        try {
          await transporter.verify();
          return `${smtp.host}:${smtp.port} accepts ${smtp.user ?? 'unauthenticated'} mail from ${config.email.from}`;
        } catch (err) {
          throw new Error(describe(err, smtp.pass), { cause: err });
        } finally {
          transporter.close();
        }
      },
      `check MYCEL_EMAIL_SMTP_URL (host, port, smtp:// or smtps://, user name and password) and that this host may reach ${smtp.host}:${smtp.port}`,
    ),
  ]);
}
