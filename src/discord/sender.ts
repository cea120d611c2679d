import { ApplicationFailure } from '@temporalio/common';
import { ButtonStyle, ComponentType, type RESTPostAPIChannelMessageJSONBody } from 'discord-api-types/v10';
import type { ChannelCapabilities } from '../channels/adapter.js';
import { storeButtons } from '../channels/buttons.js';
import type { OutboundMessage, OutboundSender } from '../channels/outbound.js';
import { ChannelOutbox, partKey, type PartResult } from '../channels/outbox.js';
import { splitText } from '../channels/split.js';
import type { Logger } from '../logging/logger.js';
import { MycelError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';
import { DISCORD_CHANNEL_CHAT_PREFIX } from './limits.js';
import { describeDiscordError, discordAnswered, isPermanentDiscordError, type DiscordRest } from './rest.js';

export interface DiscordSenderDeps {
  rest: DiscordRest;
  store: Store;
  logger: Logger;
  capabilities: ChannelCapabilities;
  /** Called with what became of each part (metrics). */
  onPart?(result: PartResult): void;
}

const CHAT_ID = new RegExp(`^(\\d{1,25}|${DISCORD_CHANNEL_CHAT_PREFIX}\\d{1,25})$`);

/**
 * Sends Mycel's messages to Discord: replies, reminder deliveries, scheduled results and
 * approval requests. Each part goes through the shared outbox under its key, so a retried
 * delivery never posts a part twice; texts over 2,000 characters are split; buttons ride on
 * the last part as one action row. Mentions are never resolved (`allowed_mentions` empty):
 * a reply that quotes `@everyone` pings nobody. A refusal retrying cannot fix is recorded
 * as failed and logged, never thrown, so it cannot break the conversation.
 */
export class DiscordSender implements OutboundSender {
  private readonly outbox: ChannelOutbox;

  constructor(private readonly deps: DiscordSenderDeps) {
    this.outbox = new ChannelOutbox(deps.store, 'discord', deps.logger);
  }

  async send(message: OutboundMessage): Promise<void> {
    await this.sendParts(message);
  }

  /** Sends a message part by part; returns what became of each part. */
  async sendParts(message: OutboundMessage): Promise<PartResult[]> {
    if (message.channel !== 'discord') {
      throw ApplicationFailure.nonRetryable(`the Discord sender got a message for channel "${message.channel}"`, 'WrongChannel');
    }
    if (!CHAT_ID.test(message.chatId)) {
      throw ApplicationFailure.nonRetryable(`"${message.chatId}" is not a Discord chat (a user id, or channel-<id>)`, 'DiscordChatIdInvalid');
    }
    const buttons = message.buttons?.length ? await storeButtons(this.deps.store, 'discord', this.deps.capabilities, { chatId: message.chatId, key: message.key, buttons: message.buttons }) : undefined;
    const parts = splitText(message.text, this.deps.capabilities.maxMessageChars);
    if (!parts.length) {
      this.deps.logger.warn({ key: message.key, chatId: message.chatId }, 'not sending an empty message to Discord');
      return [];
    }
    const results: PartResult[] = [];
    for (const [index, text] of parts.entries()) {
      const last = index === parts.length - 1;
      const body: RESTPostAPIChannelMessageJSONBody = {
        content: text,
        allowed_mentions: { parse: [] },
        ...(last && buttons
          ? {
              components: [
                {
                  type: ComponentType.ActionRow,
                  components: buttons.map((b) => ({ type: ComponentType.Button, style: /^deny|^no$/i.test(b.text) ? ButtonStyle.Danger : ButtonStyle.Primary, label: b.text, custom_id: b.id })),
                },
              ],
            }
          : {}),
      };
      const result = await this.outbox.sendPart(
        partKey(message.key, index),
        message.chatId,
        () => this.deps.rest.postMessage(message.chatId, body),
        (err) => ({ permanent: isPermanentDiscordError(err), answered: discordAnswered(err), reason: describeDiscordError(err) }),
        (err, reason) => new MycelError('DISCORD_SEND_FAILED', `Sending to Discord chat ${message.chatId} failed: ${reason}`, 'the send is retried; check DISCORD_BOT_TOKEN, Discord and the network', { cause: err }),
      );
      results.push(result);
      this.deps.onPart?.(result);
      if (result === 'failed') break;
    }
    return results;
  }
}
