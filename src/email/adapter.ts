import type { ChannelAdapter, ChannelCapabilities, InboundEvent } from '../channels/adapter.js';
import { MAX_BUTTON_LABEL_CHARS } from '../channels/limits.js';
import type { OutboundSender } from '../channels/outbound.js';
import { chatIdSchema } from '../shared/envelope.js';
import { EMAIL_MAX_MESSAGE_CHARS } from './limits.js';
import { authenticatedBy, storedMailSchema } from './message.js';

/** What email can do, as the shared channel machinery reads it. */
export const EMAIL_CAPABILITIES: ChannelCapabilities = {
  // A sent mail cannot be changed, and mail has no buttons: choices are reply commands.
  canEdit: false,
  // One mail per reply, sent when the turn ends.
  canStream: false,
  canButtons: false,
  canReplyCommands: true,
  canTyping: false,
  maxMessageChars: EMAIL_MAX_MESSAGE_CHARS,
  // Reply commands, not buttons: one line per choice.
  maxButtons: 5,
  maxButtonLabelChars: MAX_BUTTON_LABEL_CHARS,
};

export interface EmailAdapterOptions {
  /** The address Mycel sends from: the account of every inbox key, and never a sender to answer. */
  address: string;
  sender: OutboundSender;
  /** When set, mail counts only with a passing Authentication-Results header of this server. */
  authservId?: string | undefined;
}

/**
 * The email channel behind the shared adapter interface. IMAP ingress commits each mail to
 * `channel_inbox` (key: its Message-ID) before it marks it seen; the shared lane dispatcher
 * and handler take it from there; the sender mails through SMTP. A chat is the sender's
 * address: one chat per address, whatever the subject or thread.
 */
export function emailAdapter(options: EmailAdapterOptions): ChannelAdapter {
  return {
    channel: 'email',
    capabilities: EMAIL_CAPABILITIES,
    account: options.address,
    sender: options.sender,
    normalize: (raw) => normalizeMail(raw, options),
  };
}

/** Reads a stored mail into the shared inbound event. Machine-written mail is never answered. */
export function normalizeMail(raw: unknown, options: Pick<EmailAdapterOptions, 'address' | 'authservId'>): InboundEvent {
  const parsed = storedMailSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'ignore', reason: 'not a stored mail' };
  const mail = parsed.data;
  if (mail.automated) return { kind: 'ignore', reason: `machine-written mail (${mail.automated}): not answered` };
  if (mail.from === options.address) return { kind: 'ignore', reason: 'mail from Mycel’s own address' };
  if (!chatIdSchema.safeParse(mail.from).success) return { kind: 'ignore', reason: `the sender address ${mail.from.slice(0, 80)} cannot be a chat id` };
  if (options.authservId && !authenticatedBy(mail, options.authservId)) {
    // A forged From would otherwise earn a turn, or mail a pairing code to someone who never wrote.
    return { kind: 'ignore', reason: `${options.authservId} did not vouch for the sender (no DMARC, DKIM or SPF pass in Authentication-Results)` };
  }
  const who = { chatId: mail.from, userId: mail.from, ...(mail.fromName ? { userName: mail.fromName } : {}) };
  if (!mail.text.trim()) return { kind: 'ignore', reason: 'a mail without text or subject' };
  return { kind: 'turn', ...who, text: mail.text, sequence: null };
}
