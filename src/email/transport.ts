import nodemailer from 'nodemailer';
import { EMAIL_SMTP_TIMEOUT_MS } from './limits.js';
import type { MailTransport } from './sender.js';
import type { SmtpServer } from './servers.js';

/**
 * The SMTP side of the email channel, on nodemailer: one connection per mail (Mycel sends
 * little), STARTTLS when the server offers it (`smtps:` for TLS from the start). The
 * Message-ID is Mycel's own (derived from the outbox key), never nodemailer's.
 */
export function smtpTransport(server: SmtpServer): MailTransport & { close(): void } {
  const transporter = nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.secure,
    ...(server.user ? { auth: { user: server.user, pass: server.pass ?? '' } } : {}),
    connectionTimeout: EMAIL_SMTP_TIMEOUT_MS,
    greetingTimeout: EMAIL_SMTP_TIMEOUT_MS,
    socketTimeout: EMAIL_SMTP_TIMEOUT_MS,
  });
  const send: MailTransport = async (mail) => {
    await transporter.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId: `<${mail.messageId}>`,
      ...(mail.inReplyTo ? { inReplyTo: `<${mail.inReplyTo}>` } : {}),
      ...(mail.references?.length ? { references: mail.references.map((r) => `<${r}>`) } : {}),
      headers: { 'Auto-Submitted': mail.autoSubmitted },
    });
  };
  return Object.assign(send, { close: () => transporter.close() });
}
