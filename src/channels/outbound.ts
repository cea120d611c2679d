import type { ReplyStreamEvent } from '../conversation/reply-stream.js';
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

/**
 * A reply shown growing in a chat while it is written, ahead of its final message. Best
 * effort: it never throws, and after `close` resolves it sends nothing more, so the final
 * message (sent under the same key) is the last word.
 */
export interface LiveReply {
  /** The next event of the reply being written (a part, or a reset that starts it over). */
  apply(event: ReplyStreamEvent): void;
  /** Stops showing the reply; resolves once no request of it is in flight. */
  close(): Promise<void>;
}

export interface OutboundSender {
  send(message: OutboundMessage): Promise<void>;
  /**
   * Follows a reply whose final message will be sent under `key` (channels whose
   * capabilities say `canStream`).
   */
  live?(target: { chatId: string; key: string }): LiveReply;
}

/** The capability `live` needs (`ChannelCapabilities.canStream`, src/channels/adapter.ts). */
export interface StreamCapability {
  canStream: boolean;
}

/**
 * Senders by channel. The web channel has none: the web app and API read the transcript
 * (and its live event stream). Telegram registers one where a bot token is configured.
 */
export class OutboundChannels {
  private readonly senders = new Map<Channel, { sender: OutboundSender; capabilities: StreamCapability | undefined }>();

  register(channel: Channel, sender: OutboundSender, capabilities?: StreamCapability): void {
    this.senders.set(channel, { sender, capabilities });
  }

  /** Sends where the channel has a sender; returns whether anything was sent. */
  async send(message: OutboundMessage): Promise<boolean> {
    const entry = this.senders.get(message.channel);
    if (!entry) return false;
    await entry.sender.send(message);
    return true;
  }

  /**
   * A live view of a reply being written, for the final message sent under `key`; undefined
   * where the channel cannot stream (it gets the final message only).
   */
  live(target: { channel: Channel; chatId: string; key: string }): LiveReply | undefined {
    const entry = this.senders.get(target.channel);
    if (!entry?.capabilities?.canStream || !entry.sender.live) return undefined;
    return entry.sender.live({ chatId: target.chatId, key: target.key });
  }
}
