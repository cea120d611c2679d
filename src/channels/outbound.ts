import type { Channel } from '../shared/envelope.js';

/** A message Mycel sends on its own initiative or as a reply, to a channel that pushes. */
export interface OutboundMessage {
  channel: Channel;
  chatId: string;
  text: string;
  /**
   * Idempotency key owned by the caller (a turn's key, a promise's delivery id): a sender
   * records it as sent and does nothing on a second call with the same key.
   */
  key: string;
  /** Inline buttons (Telegram), each answering with its `data` as a durable signal. */
  buttons?: Array<{ text: string; data: string }>;
}

export interface OutboundSender {
  send(message: OutboundMessage): Promise<void>;
}

/**
 * Senders by channel. The web channel has none: the web app and API read the transcript
 * (and its live event stream). Telegram registers one where a bot token is configured.
 */
export class OutboundChannels {
  private readonly senders = new Map<Channel, OutboundSender>();

  register(channel: Channel, sender: OutboundSender): void {
    this.senders.set(channel, sender);
  }

  /** Sends where the channel has a sender; returns whether anything was sent. */
  async send(message: OutboundMessage): Promise<boolean> {
    const sender = this.senders.get(message.channel);
    if (!sender) return false;
    await sender.send(message);
    return true;
  }
}
