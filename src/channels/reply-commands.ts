import { createHash } from 'node:crypto';
import type { Channel } from '../shared/envelope.js';
import type { Store } from '../storage/database.js';
import type { ChannelCapabilities, InboundEvent } from './adapter.js';
import { BUTTON_ID_PREFIX, storeButtons } from './buttons.js';

/**
 * Buttons for channels that have none (email): each button of a message becomes a reply
 * command, a word from its label and one code per message ("APPROVE 7KQ2-M9XD", "DENY
 * 7KQ2-M9XD"). The actions are stored as buttons are (`channel_buttons`, id
 * `<code>.<WORD>`), so a reply whose first line is a command is pressed exactly like a button:
 * the same first-press-wins rule, the same owner check for approvals.
 */

/** Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L), as pairing codes use. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** Characters of a message's reply code (shown as two groups of four). */
export const REPLY_CODE_LENGTH = 8;

/** The reply code of the message sent under `messageKey` (stable: a retried send shows the same code). */
export function replyCommandCode(messageKey: string): string {
  const digest = createHash('sha256').update(`reply-command\u0000${messageKey}`).digest();
  return Array.from(digest.subarray(0, REPLY_CODE_LENGTH), (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
}

/** The command word of a button label: its letters, upper case ("Approve" → "APPROVE"). */
export function replyCommandWord(label: string): string {
  return label.toUpperCase().replace(/[^A-Z]/g, '') || 'CHOOSE';
}

const shownCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

export interface ReplyCommand {
  /** The line to reply with, for example `APPROVE 7KQ2-M9XD`. */
  line: string;
  /** The button's label. */
  label: string;
}

/** Stores the message's buttons as reply commands; returns the lines to show. */
export async function storeReplyCommands(
  store: Store,
  channel: Channel,
  capabilities: ChannelCapabilities,
  message: { chatId: string; key: string; buttons: Array<{ text: string; data: string }> },
): Promise<ReplyCommand[]> {
  const code = replyCommandCode(message.key);
  // Two labels with the same letters still get two commands (the later one numbered).
  const words = message.buttons.map((b, index, all) => {
    const word = replyCommandWord(b.text);
    return all.slice(0, index).some((earlier) => replyCommandWord(earlier.text) === word) ? `${word}${index + 1}` : word;
  });
  const stored = await storeButtons(store, channel, capabilities, message, (index) => `${code}.${words[index]}`);
  return stored.map((b, index) => ({ line: `${words[index]} ${shownCode(code)}`, label: b.text }));
}

/** The lines that close a message offering reply commands. */
export function replyCommandsText(commands: ReplyCommand[]): string {
  if (!commands.length) return '';
  const words = commands.map((c) => c.line.split(' ')[0]);
  return [`To answer, reply with one of these lines (${words.join(' or ')}):`, ...commands.map((c) => c.line)].join('\n');
}

const COMMAND_LINE = new RegExp(`^\\s*([A-Za-z][A-Za-z0-9]{0,31})\\s+([${CODE_ALPHABET}]{4})-?([${CODE_ALPHABET}]{4})[\\s.!]*$`, 'i');

/** The button id a reply's first line presses (`b:<code>.<WORD>`), or undefined when it is not a command. */
export function parseReplyCommand(text: string): string | undefined {
  const first = text.split('\n').find((line) => line.trim()) ?? '';
  const match = COMMAND_LINE.exec(first);
  if (!match) return undefined;
  return `${BUTTON_ID_PREFIX}${`${match[2]}${match[3]}`.toUpperCase()}.${match[1]!.toUpperCase()}`;
}

/** On a channel with reply commands, a turn that is one becomes a press; anything else is unchanged. */
export function readReplyCommand(capabilities: ChannelCapabilities, event: InboundEvent): InboundEvent {
  if (!capabilities.canReplyCommands || event.kind !== 'turn') return event;
  const buttonId = parseReplyCommand(event.text);
  return buttonId ? { kind: 'button', chatId: event.chatId, userId: event.userId, buttonId, userName: event.userName } : event;
}
