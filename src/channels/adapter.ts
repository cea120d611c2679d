import type { OutboundSender } from './outbound.js';
import type { Channel } from '../shared/envelope.js';

/**
 * One channel adapter interface, every channel shaped alike (Telegram, WhatsApp, …). What a
 * channel can and cannot do is said by its capability flags, never by `if (channel === …)`
 * in the callers: the shared machinery (inbox, lanes, outbox, owners and pairing, buttons)
 * reads the flags. See docs/channels.md for the guide to writing a new adapter.
 */
export interface ChannelCapabilities {
  /** The channel lets Mycel change a message it sent (Telegram: yes; WhatsApp: no). */
  canEdit: boolean;
  /**
   * The channel shows a reply growing while it is written (Telegram: drafts, or edits of one
   * message); its sender then offers `live` (src/channels/outbound.ts). Without it the chat
   * gets the final message only.
   */
  canStream: boolean;
  /** The channel shows buttons under a message whose press comes back as an event. */
  canButtons: boolean;
  /** The channel shows a "typing…" indicator while a turn runs. */
  canTyping: boolean;
  /** Longest text of one message; longer texts are split at paragraph, line or word boundaries. */
  maxMessageChars: number;
  /** Most buttons one message may carry (0 when `canButtons` is false). */
  maxButtons: number;
  /** Longest label of one button. */
  maxButtonLabelChars: number;
}

/**
 * What one inbound event asks of Mycel, the same for every channel. A turn written in a shared
 * chat (a Slack channel) may name the sender's own chat (`privateChatId`), where what is for
 * them alone, such as a pairing code, goes instead.
 */
export type InboundEvent =
  | { kind: 'turn'; chatId: string; userId: string; text: string; sequence: number | null; userName?: string | undefined; privateChatId?: string | undefined }
  | { kind: 'media'; chatId: string; userId: string; note: string; userName?: string | undefined }
  | { kind: 'button'; chatId: string; userId: string; buttonId: string; userName?: string | undefined; pressed?: PressedMessage | undefined }
  | { kind: 'ignore'; reason: string };

/** The message whose button was pressed, as the channel identifies it (for channels that can edit). */
export interface PressedMessage {
  /** The channel's own reference of the message (Slack: `<conversation id>/<ts>`). */
  ref: string;
  /** Its text as the channel gave it back. */
  text: string;
}

/**
 * An adapter: its name, its capabilities, how it reads one stored inbound event, and how it
 * sends. Ingress (webhook route or poller) commits raw events to the channel's inbox before
 * it acknowledges them; the lane dispatcher hands them one at a time per chat to the shared
 * handler, which calls `normalize`.
 */
export interface ChannelAdapter {
  readonly channel: Channel;
  readonly capabilities: ChannelCapabilities;
  /**
   * The account the adapter speaks for (bot id, phone number id): part of every ingress
   * idempotency key, `<channel>:<account>:<event id>`.
   */
  readonly account: string;
  /** Reads one stored raw event (already validated at ingress) into what it asks. */
  normalize(raw: unknown): InboundEvent;
  /** Sends Mycel's messages on this channel, once per key, within its limits. */
  readonly sender: OutboundSender;
  /**
   * Channels that can edit (`canEdit`) may close a message whose button was pressed: its
   * buttons give way to the outcome, so that nobody presses them again. Best effort.
   */
  closePressed?(chatId: string, pressed: PressedMessage, outcome: string): Promise<void>;
}

/** The ingress idempotency key of an inbound event (**contract** form `<channel>:<account>:<id>`). */
export function inboundKey(channel: Channel, account: string, eventId: string | number): string {
  return `${channel}:${account}:${eventId}`;
}
