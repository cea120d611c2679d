import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject } from 'mailparser';
import { z } from 'zod';
import { MAX_MESSAGE_CHARS } from '../shared/envelope.js';
import { turnText } from './body.js';

/**
 * A received mail at the boundary: parsed once at ingress (mailparser) into what Mycel keeps
 * of it in the channel inbox, validated again when the inbox row is read. The raw message is
 * not kept.
 */

/** Longest event id; a longer Message-ID is replaced by its hash. */
const MAX_EVENT_ID_CHARS = 180;

export const storedMailSchema = z.object({
  /** The Message-ID without its angle brackets, when the mail has one. */
  messageId: z.string().optional(),
  /** The sender's address (From), lower case. */
  from: z.string(),
  fromName: z.string().optional(),
  subject: z.string(),
  /** The turn text: the new words of the plain text body (src/email/body.ts). */
  text: z.string(),
  /** Message ids this mail answers (References, then In-Reply-To), without angle brackets. */
  references: z.array(z.string()),
  /** Why this mail was written by a machine (bounce, auto-reply, list), if it was. */
  automated: z.string().optional(),
  /** Its Authentication-Results headers, as the receiving servers wrote them. */
  authResults: z.array(z.string()),
  /** The mailbox it came through, and its place there (UIDVALIDITY:UID). */
  mailbox: z.string(),
  uid: z.string(),
});
export type StoredMail = z.infer<typeof storedMailSchema>;

const bare = (id: string) => id.trim().replace(/^<|>$/g, '');

/** The inbox key of a mail: its Message-ID, else its place in the mailbox (`uid:<UIDVALIDITY>:<UID>`). */
export function mailEventId(mail: Pick<StoredMail, 'messageId' | 'uid'>): string {
  if (!mail.messageId) return `uid:${mail.uid}`;
  if (mail.messageId.length <= MAX_EVENT_ID_CHARS && /^[\x21-\x7e]+$/.test(mail.messageId)) return mail.messageId;
  return `mid-sha256:${createHash('sha256').update(mail.messageId).digest('hex')}`;
}

function firstAddress(value: AddressObject | AddressObject[] | undefined): { address: string; name?: string } | undefined {
  const first = (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) => a.value)[0];
  return first?.address ? { address: first.address.toLowerCase(), ...(first.name ? { name: first.name } : {}) } : undefined;
}

/** Raw header values by lower-case name (a header may occur more than once). */
function rawHeaders(lines: ReadonlyArray<{ key: string; line: string }>): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { key, line } of lines) {
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    map.set(key.toLowerCase(), [...(map.get(key.toLowerCase()) ?? []), value]);
  }
  return map;
}

/**
 * Why a mail was sent by a machine, or undefined for a person's mail. Mycel never answers
 * such mail (no reply, no pairing code), so two automatic responders cannot loop: RFC 3834
 * `Auto-Submitted`, `Precedence: bulk|junk|list|auto_reply`, mailing lists (`List-Id`,
 * `List-Unsubscribe`), bounces (empty return path, `multipart/report`, MAILER-DAEMON), and
 * the common vacation-responder headers.
 */
export function automatedReason(headers: Map<string, string[]>, from: string): string | undefined {
  const one = (name: string) => headers.get(name)?.[0]?.toLowerCase();
  const autoSubmitted = one('auto-submitted');
  if (autoSubmitted && !autoSubmitted.startsWith('no')) return `Auto-Submitted: ${autoSubmitted}`;
  const precedence = one('precedence');
  if (precedence && ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return `Precedence: ${precedence}`;
  if (headers.has('list-id') || headers.has('list-unsubscribe')) return 'a mailing list message';
  if (headers.get('return-path')?.some((v) => v.replace(/\s/g, '') === '<>')) return 'a bounce (empty return path)';
  if (one('content-type')?.startsWith('multipart/report')) return 'a delivery or read report';
  if (headers.has('x-autoreply') || headers.has('x-autorespond') || one('x-auto-response-suppress')?.includes('all')) return 'an auto-reply';
  if (/^(mailer-daemon|postmaster)@/.test(from)) return 'a bounce (from the mail system)';
  return undefined;
}

/** Reads a raw mail (as fetched from IMAP) into what the inbox keeps of it; undefined without a sender. */
export async function parseMail(source: Buffer | string, place: { mailbox: string; uid: string }): Promise<StoredMail | undefined> {
  const parsed = await simpleParser(source, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  const from = firstAddress(parsed.from);
  if (!from) return undefined;
  const headers = rawHeaders(parsed.headerLines);
  const references = [...(typeof parsed.references === 'string' ? [parsed.references] : (parsed.references ?? [])), ...(parsed.inReplyTo ? [parsed.inReplyTo] : [])]
    .flatMap((r) => r.split(/\s+/))
    .filter(Boolean)
    .map(bare);
  const automated = automatedReason(headers, from.address);
  return {
    ...(parsed.messageId ? { messageId: bare(parsed.messageId) } : {}),
    from: from.address,
    ...(from.name ? { fromName: from.name } : {}),
    subject: parsed.subject ?? '',
    text: turnText(parsed.text, parsed.subject).slice(0, MAX_MESSAGE_CHARS),
    references: [...new Set(references)],
    ...(automated ? { automated } : {}),
    authResults: headers.get('authentication-results') ?? [],
    mailbox: place.mailbox,
    uid: place.uid,
  };
}

/**
 * Whether the server named `authservId` vouches for the From address: its
 * Authentication-Results header says `dmarc=pass`, or `dkim=pass` for the From domain, or
 * `spf=pass` for a return path in the From domain. Headers of other servers are ignored (a
 * sender can write any header; only the receiving server's own is worth reading).
 */
export function authenticatedBy(mail: Pick<StoredMail, 'authResults' | 'from'>, authservId: string): boolean {
  const domain = mail.from.split('@')[1] ?? '';
  return mail.authResults.some((header) => {
    const [server, ...results] = header.split(';').map((part) => part.trim().toLowerCase());
    if (server?.split(/\s+/)[0] !== authservId) return false;
    return results.some(
      (r) =>
        /^dmarc=pass\b/.test(r) ||
        (/^dkim=pass\b/.test(r) && new RegExp(`header\\.d=${domain.replace(/\./g, '\\.')}\\b`).test(r)) ||
        (/^spf=pass\b/.test(r) && new RegExp(`smtp\\.mailfrom=(\\S*@)?${domain.replace(/\./g, '\\.')}\\b`).test(r)),
    );
  });
}
