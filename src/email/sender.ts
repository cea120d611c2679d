import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { ChannelCapabilities } from '../channels/adapter.js';
import type { OutboundMessage, OutboundSender } from '../channels/outbound.js';
import { ChannelOutbox, partKey, type PartResult } from '../channels/outbox.js';
import { replyCommandsText, storeReplyCommands } from '../channels/reply-commands.js';
import { splitText } from '../channels/split.js';
import type { Logger } from '../logging/logger.js';
import { chatIdSchema } from '../shared/envelope.js';
import { MycelError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';
import { bareSubject } from './body.js';
import { EMAIL_MAX_REFERENCES, EMAIL_MAX_SUBJECT_CHARS } from './limits.js';
import { storedMailSchema } from './message.js';

/** One mail as the SMTP client takes it. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  messageId: string;
  inReplyTo?: string | undefined;
  references?: string[] | undefined;
  /** RFC 3834: `auto-replied` for answers, `auto-generated` for the rest. */
  autoSubmitted: 'auto-replied' | 'auto-generated';
}

/** Sends one mail; resolves when the SMTP server accepted it. Built by the component on nodemailer. */
export type MailTransport = (mail: OutgoingMail) => Promise<void>;

export interface EmailSenderDeps {
  transport: MailTransport;
  store: Store;
  logger: Logger;
  /** The address Mycel sends from; also the inbox account whose mail replies answer. */
  from: string;
  capabilities: ChannelCapabilities;
  onPart?(result: PartResult): void;
}

/** The mail a message answers, when it answers one. */
interface Thread {
  messageId: string | undefined;
  subject: string;
  references: string[];
}

/** Suffixes the handler and the conversation add to an inbound key (`#reply`, `:answer`, `:note`). */
const KEY_SUFFIX = /(#reply|:answer|:note)$/;

/**
 * Sends Mycel's messages as mail: replies, reminders, approval requests, scheduled results.
 * A reply to a mail keeps its thread (`In-Reply-To`, `References`, `Re: ` subject); other
 * messages start a thread, their first line as the subject. Every part goes through the
 * shared outbox under its key, and its `Message-ID` is derived from that key, so a retried
 * send never sends twice, and a send repeated after a crash (between the server's 250 and
 * the record) carries the same Message-ID, which receiving systems may fold into one.
 * Buttons become reply commands under the text. An SMTP 5xx (other than for
 * authentication) is a refusal for good: recorded as failed, logged, never thrown.
 */
export class EmailSender implements OutboundSender {
  private readonly outbox: ChannelOutbox;
  private readonly domain: string;

  constructor(private readonly deps: EmailSenderDeps) {
    this.outbox = new ChannelOutbox(deps.store, 'email', deps.logger);
    this.domain = deps.from.split('@')[1] ?? 'mycel.invalid';
  }

  async send(message: OutboundMessage): Promise<void> {
    await this.sendParts(message);
  }

  /** The Message-ID of the part sent under `key` (stable across retries). */
  messageIdFor(key: string): string {
    return `mycel.${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${this.domain}`;
  }

  async sendParts(message: OutboundMessage): Promise<PartResult[]> {
    if (message.channel !== 'email') throw ApplicationFailure.nonRetryable(`the email sender got a message for channel "${message.channel}"`, 'WrongChannel');
    if (!chatIdSchema.safeParse(message.chatId).success || !message.chatId.includes('@')) {
      throw ApplicationFailure.nonRetryable(`"${message.chatId}" is not an email address`, 'EmailChatIdInvalid');
    }
    const commands = message.buttons?.length ? await storeReplyCommands(this.deps.store, 'email', this.deps.capabilities, { chatId: message.chatId, key: message.key, buttons: message.buttons }) : [];
    const text = commands.length ? `${message.text.trimEnd()}\n\n${replyCommandsText(commands)}` : message.text;
    const parts = splitText(text, this.deps.capabilities.maxMessageChars);
    if (!parts.length) {
      this.deps.logger.warn({ key: message.key, chatId: message.chatId }, 'not sending an empty mail');
      return [];
    }
    const thread = await this.threadOf(message.key);
    const subject = thread ? `Re: ${bareSubject(thread.subject) || 'your message'}` : subjectOf(message.text);
    const references = thread ? [...thread.references, ...(thread.messageId ? [thread.messageId] : [])] : [];
    const results: PartResult[] = [];
    for (const [index, body] of parts.entries()) {
      const key = partKey(message.key, index);
      const mail: OutgoingMail = {
        from: this.deps.from,
        to: message.chatId,
        subject: parts.length > 1 ? `${subject} (${index + 1}/${parts.length})` : subject,
        text: body,
        messageId: this.messageIdFor(key),
        ...(thread?.messageId ? { inReplyTo: thread.messageId } : {}),
        ...(references.length ? { references: boundedReferences(references) } : {}),
        autoSubmitted: thread ? 'auto-replied' : 'auto-generated',
      };
      const result = await this.outbox.sendPart(
        key,
        message.chatId,
        async () => {
          await this.deps.transport(mail);
          return mail.messageId;
        },
        (err) => {
          const code = smtpCode(err);
          return { permanent: code !== undefined && code >= 500 && !isAuthFailure(err), answered: code !== undefined, reason: describeSmtpError(err) };
        },
        (err, reason) => new MycelError('EMAIL_SEND_FAILED', `Mailing ${message.chatId} failed: ${reason}`, 'the send is retried; check MYCEL_EMAIL_SMTP_URL and the mail server', { cause: err }),
      );
      results.push(result);
      this.deps.onPart?.(result);
      if (result === 'failed') break;
    }
    return results;
  }

  /** The stored mail a key answers: keys of replies start with the inbound key of the mail. */
  private async threadOf(key: string): Promise<Thread | undefined> {
    const prefix = `email:${this.deps.from}:`;
    if (!key.startsWith(prefix)) return undefined;
    const eventId = key.slice(prefix.length).replace(KEY_SUFFIX, '');
    const row = await this.deps.store.db.selectFrom('channel_inbox').select('payload').where('channel', '=', 'email').where('account', '=', this.deps.from).where('event_id', '=', eventId).executeTakeFirst();
    if (!row) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(row.payload);
    } catch {
      return undefined;
    }
    const mail = storedMailSchema.safeParse(json);
    // A stranger's mail is blanked once refused: the pairing mail then starts its own thread.
    return mail.success ? { messageId: mail.data.messageId, subject: mail.data.subject, references: mail.data.references } : undefined;
  }
}

/** The subject of a mail that starts a thread: the text's first line, shortened. */
export function subjectOf(text: string): string {
  const first = text.split('\n').find((l) => l.trim())?.trim() ?? 'Mycel';
  return first.length > EMAIL_MAX_SUBJECT_CHARS ? `${first.slice(0, EMAIL_MAX_SUBJECT_CHARS - 1).trimEnd()}…` : first;
}

/** The first reference (the thread's root) and the most recent ones. */
function boundedReferences(ids: string[]): string[] {
  const unique = [...new Set(ids)];
  return unique.length <= EMAIL_MAX_REFERENCES ? unique : [unique[0]!, ...unique.slice(-(EMAIL_MAX_REFERENCES - 1))];
}

function smtpCode(err: unknown): number | undefined {
  const code = (err as { responseCode?: unknown } | undefined)?.responseCode;
  return typeof code === 'number' ? code : undefined;
}

function isAuthFailure(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === 'EAUTH';
}

/** A send error in words, never with the password. */
export function describeSmtpError(err: unknown): string {
  const code = smtpCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code !== undefined ? `SMTP ${code}: ${message}` : message;
}
