import { ApplicationFailure } from '@temporalio/common';
import type { ChannelCapabilities, PressedMessage } from '../channels/adapter.js';
import { storeButtons } from '../channels/buttons.js';
import type { OutboundMessage, OutboundSender } from '../channels/outbound.js';
import { ChannelOutbox, partKey, type PartResult } from '../channels/outbox.js';
import { splitText } from '../channels/split.js';
import type { Logger } from '../logging/logger.js';
import { MycelError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';
import { describeSlackError, SlackApiError, type SlackBlock, type SlackClient, type SlackMessage } from './client.js';
import { escapeText } from './events.js';
import { SLACK_MAX_SECTION_CHARS } from './limits.js';

export interface SlackSenderDeps {
  client: SlackClient;
  store: Store;
  logger: Logger;
  capabilities: ChannelCapabilities;
  /** Called with what became of each part (metrics). */
  onPart?(result: PartResult): void;
}

/** A Slack chat id: a user (`U…`/`W…`, their direct message with the app) or a channel (`C…`/`G…`). */
const SLACK_CHAT_ID = /^[UWCG][A-Z0-9]{2,31}$/;

/** Cuts `text` into parts whose escaped form fits `max` (escaping `&` makes a text longer). */
function splitEscaped(text: string, max: number): string[] {
  const parts: string[] = [];
  for (const part of splitText(text, max)) {
    if (escapeText(part).length <= max) parts.push(part);
    else parts.push(...splitEscaped(part, Math.max(2, Math.floor(max / 2))));
  }
  return parts;
}

/**
 * Sends Mycel's messages to Slack: replies, reminder deliveries, approval requests. Each part
 * goes through the shared outbox under its key, so a retried delivery never sends a part
 * twice. Texts over the channel's limit are split; buttons ride on the last part as a Block
 * Kit `actions` block under a section, whose text is shorter, so that part is cut to fit. A
 * refusal that retrying cannot fix (`channel_not_found`, `invalid_blocks`, …) is recorded as
 * failed and logged, never thrown, so it cannot break the conversation.
 */
export class SlackSender implements OutboundSender {
  private readonly outbox: ChannelOutbox;

  constructor(private readonly deps: SlackSenderDeps) {
    this.outbox = new ChannelOutbox(deps.store, 'slack', deps.logger);
  }

  async send(message: OutboundMessage): Promise<void> {
    await this.sendParts(message);
  }

  /** Sends a message part by part; returns what became of each part. */
  async sendParts(message: OutboundMessage): Promise<PartResult[]> {
    if (message.channel !== 'slack') {
      throw ApplicationFailure.nonRetryable(`the Slack sender got a message for channel "${message.channel}"`, 'WrongChannel');
    }
    if (!SLACK_CHAT_ID.test(message.chatId)) {
      throw ApplicationFailure.nonRetryable(`"${message.chatId}" is not a Slack user or channel id`, 'SlackChatIdInvalid');
    }
    const buttons = message.buttons?.length ? await storeButtons(this.deps.store, 'slack', this.deps.capabilities, { chatId: message.chatId, key: message.key, buttons: message.buttons }) : undefined;
    const parts = splitEscaped(message.text, this.deps.capabilities.maxMessageChars);
    if (buttons && parts.length) parts.push(...splitEscaped(parts.pop()!, SLACK_MAX_SECTION_CHARS));
    if (!parts.length) {
      this.deps.logger.warn({ key: message.key, chatId: message.chatId }, 'not sending an empty message to Slack');
      return [];
    }
    const results: PartResult[] = [];
    for (const [index, text] of parts.entries()) {
      const escaped = escapeText(text);
      const body: SlackMessage =
        index === parts.length - 1 && buttons
          ? { text: escaped, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escaped, verbatim: true } }, actionsBlock(buttons)] }
          : { text: escaped };
      const result = await this.outbox.sendPart(
        partKey(message.key, index),
        message.chatId,
        async () => {
          const sent = await this.deps.client.postMessage(message.chatId, body);
          return `${sent.channel}/${sent.ts}`;
        },
        (err) => ({
          permanent: err instanceof SlackApiError && !err.transient,
          answered: err instanceof SlackApiError,
          reason: describeSlackError(err),
        }),
        (err, reason) => new MycelError('SLACK_SEND_FAILED', `Sending to Slack chat ${message.chatId} failed: ${reason}`, 'the send is retried; check SLACK_BOT_TOKEN, the Slack Web API and the network', { cause: err }),
      );
      results.push(result);
      this.deps.onPart?.(result);
      if (result === 'failed') break;
    }
    return results;
  }

  /**
   * Closes a message whose button was pressed (`chat.update`): its text stays, the buttons give
   * way to the outcome. Updating twice to the same content is harmless, so no record is kept.
   */
  async closePressed(pressed: PressedMessage, outcome: string): Promise<void> {
    const [channel, ts] = pressed.ref.split('/');
    if (!channel || !ts) return;
    const text = pressed.text.trim() ? pressed.text.slice(0, SLACK_MAX_SECTION_CHARS) : escapeText(outcome);
    await this.deps.client.updateMessage(channel, ts, {
      text,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text, verbatim: true } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `✓ ${escapeText(outcome)}` }] },
      ],
    });
  }
}

/** One row of buttons; each carries its stored id as its value (and, unique per message, as its action id). */
function actionsBlock(buttons: Array<{ id: string; text: string }>): SlackBlock {
  return {
    type: 'actions',
    block_id: 'mycel-buttons',
    elements: buttons.map((b) => ({ type: 'button' as const, action_id: b.id, text: { type: 'plain_text' as const, text: b.text }, value: b.id })),
  };
}
