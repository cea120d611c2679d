/**
 * The mail servers of MYCEL_EMAIL_IMAP_URL and MYCEL_EMAIL_SMTP_URL, as the clients take
 * them. `imaps:`/`smtps:` connect with TLS; plain `imap:`/`smtp:` upgrade with STARTTLS
 * when the server offers it. User name and password are URL-encoded in the URL.
 */

export interface ImapServer {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  /** The mailbox read (the URL's path; INBOX when it has none). */
  mailbox: string;
}

export interface SmtpServer {
  host: string;
  port: number;
  secure: boolean;
  user: string | undefined;
  pass: string | undefined;
}

const decode = (s: string) => decodeURIComponent(s);
/** A host as the socket takes it (an IPv6 URL host comes in brackets). */
const bareHost = (host: string) => host.replace(/^\[|\]$/g, '');

export function imapServer(url: string): ImapServer {
  const u = new URL(url);
  const secure = u.protocol === 'imaps:';
  return {
    host: bareHost(u.hostname),
    port: u.port ? Number(u.port) : secure ? 993 : 143,
    secure,
    user: decode(u.username),
    pass: decode(u.password),
    mailbox: decode(u.pathname.replace(/^\/+/, '')) || 'INBOX',
  };
}

export function smtpServer(url: string): SmtpServer {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  return {
    host: bareHost(u.hostname),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    user: u.username ? decode(u.username) : undefined,
    pass: u.password ? decode(u.password) : undefined,
  };
}
