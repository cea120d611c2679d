import { ApplicationFailure } from '@temporalio/common';
import type { ChannelCapabilities } from '../channels/adapter.js';
import { storeButtons } from '../channels/buttons.js';
import type { OutboundMessage, OutboundSender } from '../channels/outbound.js';
import { ChannelOutbox, partKey, type PartResult } from '../channels/outbox.js';
import { splitText } from '../channels/split.js';
import type { Logger } from '../logging/logger.js';
import { MycelError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';
import { describeGraphError, GraphApiError, type OutgoingMessage, type WhatsAppClient } from './client.js';
import { WHATSAPP_MAX_INTERACTIVE_BODY_CHARS } from './limits.js';

export interface WhatsAppSenderDeps {
  client: WhatsAppClient;
  store: Store;
  logger: Logger;
  capabilities: ChannelCapabilities;
  /** Called with what became of each part (metrics). */
  onPart?(result: PartResult): void;
}

/**
 * Sends Mycel's messages to WhatsApp: replies, reminder deliveries, approval requests.
 * Each part goes through the shared outbox under its key, so a retried delivery never sends
 * a part twice. Texts over the channel's limit are split; buttons (at most three reply
 * buttons) ride on the last part as an interactive message, whose body is shorter, so the
 * text is cut to fit it. A refusal that retrying cannot fix (a 4xx other than throttling) is
 * recorded as failed and logged, never thrown, so it cannot break the conversation.
 */
export class WhatsAppSender implements OutboundSender {
  private readonly outbox: ChannelOutbox;

  constructor(private readonly deps: WhatsAppSenderDeps) {
    this.outbox = new ChannelOutbox(deps.store, 'whatsapp', deps.logger);
  }

  async send(message: OutboundMessage): Promise<void> {
    await this.sendParts(message);
  }

  /** Sends a message part by part; returns what became of each part. */
  async sendParts(message: OutboundMessage): Promise<PartResult[]> {
    if (message.channel !== 'whatsapp') {
      throw ApplicationFailure.nonRetryable(`the WhatsApp sender got a message for channel "${message.channel}"`, 'WrongChannel');
    }
    if (!/^\d{1,20}$/.test(message.chatId)) {
      throw ApplicationFailure.nonRetryable(`"${message.chatId}" is not a WhatsApp number (digits only)`, 'WhatsAppChatIdInvalid');
    }
    const buttons = message.buttons?.length ? await storeButtons(this.deps.store, 'whatsapp', this.deps.capabilities, { chatId: message.chatId, key: message.key, buttons: message.buttons }) : undefined;
    const parts = splitText(message.text, this.deps.capabilities.maxMessageChars);
    if (buttons && parts.length && parts.at(-1)!.length > WHATSAPP_MAX_INTERACTIVE_BODY_CHARS) {
      parts.push(...splitText(parts.pop()!, WHATSAPP_MAX_INTERACTIVE_BODY_CHARS));
    }
    if (!parts.length) {
      this.deps.logger.warn({ key: message.key, chatId: message.chatId }, 'not sending an empty message to WhatsApp');
      return [];
    }
    const results: PartResult[] = [];
    for (const [index, text] of parts.entries()) {
      const last = index === parts.length - 1;
      const body: OutgoingMessage =
        last && buttons
          ? { type: 'interactive', interactive: { type: 'button', body: { text }, action: { buttons: buttons.map((b) => ({ type: 'reply' as const, reply: { id: b.id, title: b.text } })) } } }
          : { type: 'text', text: { body: text, preview_url: false } };
      const result = await this.outbox.sendPart(
        partKey(message.key, index),
        message.chatId,
        () => this.deps.client.sendMessage(message.chatId, body),
        (err) => ({
          permanent: err instanceof GraphApiError && !err.transient && err.status !== 401 && err.status !== 403,
          answered: err instanceof GraphApiError,
          reason: describeGraphError(err),
        }),
        (err, reason) => new MycelError('WHATSAPP_SEND_FAILED', `Sending to WhatsApp number ${message.chatId} failed: ${reason}`, 'the send is retried; check WHATSAPP_ACCESS_TOKEN, the Graph API and the network', { cause: err }),
      );
      results.push(result);
      this.deps.onPart?.(result);
      if (result === 'failed') break;
    }
    return results;
  }
}
