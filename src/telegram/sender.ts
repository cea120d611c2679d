import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { GrammyError } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import { sql } from 'kysely';
import type { LiveReply, OutboundMessage, OutboundSender } from '../channels/outbound.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { MycelError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';
import { CALLBACK_KEY_PREFIX, parseButtonData } from './callback-data.js';
import { describeApiError, isPermanentApiError, telegramAnswered, type TelegramClient } from './client.js';
import { LIVE_REPLY_LIMITS, MAX_BUTTON_DATA_CHARS, TYPING_REFRESH_MS, type LiveReplyLimits } from './limits.js';
import { isNotModified, placeholderState, TelegramLiveReply, type LiveSupport } from './live-reply.js';
import { splitMessage } from './split.js';

export interface TelegramSenderDeps {
  client: TelegramClient;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  /** Pace of replies shown growing (tests make it quicker). */
  liveLimits?: LiveReplyLimits;
}

/** What became of one message part. */
export type PartResult = 'sent' | 'already_sent' | 'failed';

/** The idempotency key of part `index` (0-based) of a message sent under `key`. */
export function partKey(key: string, index: number): string {
  return index === 0 ? key : `${key}#${index + 1}`;
}

/** The short, stable key that stands for a button's action in its callback data. */
export function buttonId(messageKey: string, index: number, data: string): string {
  return createHash('sha256').update(`${messageKey}\u0000${index}\u0000${data}`).digest('base64url').slice(0, 12);
}

function telegramChatId(chatId: string): number {
  const id = Number(chatId);
  if (!/^-?\d+$/.test(chatId) || !Number.isSafeInteger(id)) {
    throw ApplicationFailure.nonRetryable(`"${chatId}" is not a Telegram chat id`, 'TelegramChatIdInvalid');
  }
  return id;
}

/**
 * Sends Mycel's messages to Telegram: replies, reminder deliveries, approval requests.
 *
 * Exactly-once as far as the Bot API allows. It has no idempotency key, so each message
 * part is recorded under its key in `telegram_outbox`: `sending` before the request,
 * `sent` (with Telegram's message id) after it. A retry reads the record first and skips a
 * part already sent. The one window left: the process dies (or the answer is lost) after
 * Telegram accepted a part and before `sent` is committed; the record then still says
 * `sending`, and the retry sends that part again (logged as a possible duplicate).
 *
 * Text is sent as plain text (no parse mode), so nothing needs escaping and no formatting
 * can make Telegram refuse it; texts over 4096 characters are split at paragraph, line or
 * word boundaries. Refusals that retrying cannot fix (a blocked user, a chat that does not
 * exist, a method the server does not offer) are logged, recorded as `failed` and not
 * thrown, so they never break the conversation; anything else (429 past the wait limit,
 * 5xx, network) is thrown for the calling activity to retry.
 */
export class TelegramSender implements OutboundSender {
  private typingUnsupported = false;

  /** Drafts are tried until the server answers 404 (then placeholders and edits). */
  private readonly liveSupport: LiveSupport = { drafts: true };

  constructor(private readonly deps: TelegramSenderDeps) {}

  /** Shows a reply growing until its final message is sent under `key` (see live-reply.ts). */
  live(target: { chatId: string; key: string }, limits: LiveReplyLimits = this.deps.liveLimits ?? LIVE_REPLY_LIMITS): LiveReply {
    const chatId = Number(target.chatId);
    if (!/^-?\d+$/.test(target.chatId) || !Number.isSafeInteger(chatId)) return { apply: () => undefined, close: async () => undefined };
    return new TelegramLiveReply({ ...this.deps, support: this.liveSupport }, chatId, target.key, limits);
  }

  async send(message: OutboundMessage): Promise<void> {
    await this.sendParts(message);
  }

  /** Sends a message part by part; returns what became of each part. */
  async sendParts(message: OutboundMessage): Promise<PartResult[]> {
    if (message.channel !== 'telegram') {
      throw ApplicationFailure.nonRetryable(`the Telegram sender got a message for channel "${message.channel}"`, 'WrongChannel');
    }
    const chatId = telegramChatId(message.chatId);
    const parts = splitMessage(message.text);
    if (!parts.length) {
      this.deps.logger.warn({ key: message.key, chatId: message.chatId }, 'not sending an empty message to Telegram');
      return [];
    }
    const markup = message.buttons?.length ? await this.storeButtons(message) : undefined;
    // A reply shown growing in a placeholder message ends in it: its first part replaces the text.
    const placeholder = markup ? 'none' : await placeholderState(this.deps.store, message.key);
    const results: PartResult[] = [];
    for (const [index, text] of parts.entries()) {
      const replace = index === 0 && typeof placeholder === 'number' ? placeholder : undefined;
      const result = await this.sendPart(partKey(message.key, index), chatId, text, index === parts.length - 1 ? markup : undefined, replace);
      results.push(result);
      // A refusal for good (blocked, chat gone) would refuse the rest as well.
      if (result === 'failed') break;
    }
    return results;
  }

  private async sendPart(key: string, chatId: number, text: string, markup: InlineKeyboardMarkup | undefined, replace?: number): Promise<PartResult> {
    const { store, client, logger, metrics } = this.deps;
    const log = logger.child({ key, chatId: String(chatId) });
    const existing = await store.db.selectFrom('telegram_outbox').select(['status']).where('key', '=', key).executeTakeFirst();
    if (existing?.status === 'sent') {
      metrics.telegramMessages.inc({ result: 'already_sent' });
      return 'already_sent';
    }
    if (existing?.status === 'failed') return 'failed';
    if (existing?.status === 'sending') {
      log.warn('an earlier attempt may already have sent this message part (it stopped before recording the answer); sending it again');
    }
    const now = new Date().toISOString();
    await store.db
      .insertInto('telegram_outbox')
      .values({ key, chat_id: String(chatId), status: 'sending', message_id: null, attempts: 1, error: null, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ status: 'sending', attempts: sql`telegram_outbox.attempts + 1`, updated_at: now }))
      .execute();
    try {
      const messageId = (replace !== undefined && (await this.replaceText(chatId, replace, text))) || (await client.api.sendMessage(chatId, text, markup ? { reply_markup: markup } : {})).message_id;
      await this.record(key, { status: 'sent', message_id: messageId, error: null });
      metrics.telegramMessages.inc({ result: 'sent' });
      return 'sent';
    } catch (err) {
      const reason = describeApiError(err);
      if (isPermanentApiError(err)) {
        await this.record(key, { status: 'failed', error: reason });
        metrics.telegramMessages.inc({ result: 'failed' });
        log.warn(`Telegram refused the message for good, not retrying: ${reason}`);
        return 'failed';
      }
      // Telegram answered with an error: it certainly did not post the message.
      if (telegramAnswered(err)) await this.record(key, { status: 'pending', error: reason });
      throw new MycelError('TELEGRAM_SEND_FAILED', `Sending to Telegram chat ${chatId} failed: ${reason}`, 'the send is retried; check the Bot API and the network', { cause: err });
    }
  }

  /**
   * Puts the final text into the placeholder message; returns its id, or undefined when the
   * placeholder is gone (deleted by the user, too old to edit) and a new message must be sent.
   * An edit is idempotent: a retry that finds the text already there succeeds.
   */
  private async replaceText(chatId: number, messageId: number, text: string): Promise<number | undefined> {
    try {
      await this.deps.client.api.editMessageText(chatId, messageId, text);
      return messageId;
    } catch (err) {
      if (isNotModified(err)) return messageId;
      if (err instanceof GrammyError && err.error_code === 400) {
        this.deps.logger.info({ chatId: String(chatId) }, `the placeholder of a reply could not be edited (${describeApiError(err)}); sending the reply as a new message`);
        return undefined;
      }
      throw err;
    }
  }

  private async record(key: string, values: { status: 'pending' | 'sent' | 'failed'; message_id?: number; error: string | null }): Promise<void> {
    await this.deps.store.db
      .updateTable('telegram_outbox')
      .set({ ...values, updated_at: new Date().toISOString() })
      .where('key', '=', key)
      .execute();
  }

  /** Stores what each button does and returns the keyboard with short callback keys. */
  private async storeButtons(message: OutboundMessage): Promise<InlineKeyboardMarkup> {
    const row = [];
    for (const [index, button] of (message.buttons ?? []).entries()) {
      if (!button.text.trim()) throw ApplicationFailure.nonRetryable('an inline button needs a text', 'TelegramButtonInvalid');
      if (button.data.length > MAX_BUTTON_DATA_CHARS || !parseButtonData(button.data)) {
        throw ApplicationFailure.nonRetryable(
          `inline button data "${button.data.slice(0, 80)}" is not one of the documented forms (approval:<id>:approve|deny, sig:<workflowId>:<signal>:<payload>)`,
          'TelegramButtonInvalid',
        );
      }
      const id = buttonId(message.key, index, button.data);
      await this.deps.store.db
        .insertInto('telegram_buttons')
        .values({ id, chat_id: message.chatId, message_key: message.key, data: button.data, created_at: new Date().toISOString(), used_at: null, used_by_update: null, result: null })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      row.push({ text: button.text, callback_data: `${CALLBACK_KEY_PREFIX}${id}` });
    }
    return { inline_keyboard: [row] };
  }

  /** Shows "typing…" once. Best effort: a server without sendChatAction turns it off for good. */
  async typing(chatId: string): Promise<void> {
    if (this.typingUnsupported) return;
    try {
      await this.deps.client.api.sendChatAction(telegramChatId(chatId), 'typing');
    } catch (err) {
      if (err instanceof GrammyError && err.error_code === 404) {
        this.typingUnsupported = true;
        this.deps.logger.warn(`the Bot API server does not offer sendChatAction (${describeApiError(err)}); no typing indicator from now on`);
      } else {
        this.deps.logger.debug({ chatId }, `typing indicator not shown: ${describeApiError(err)}`);
      }
    }
  }

  /** Shows "typing…" in a chat until the returned function is called (renewed every few seconds). */
  startTyping(chatId: string): () => void {
    void this.typing(chatId);
    const timer = setInterval(() => void this.typing(chatId), TYPING_REFRESH_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Answers a button press (stops the client's spinner). Best effort. */
  async answerCallback(queryId: string, text: string): Promise<void> {
    try {
      await this.deps.client.api.answerCallbackQuery(queryId, { text: text.slice(0, 200) });
    } catch (err) {
      this.deps.logger.debug(`answerCallbackQuery failed: ${describeApiError(err)}`);
    }
  }

  /** Takes the buttons off a message once one was used. Best effort. */
  async removeButtons(chatId: number, messageId: number): Promise<void> {
    try {
      await this.deps.client.api.editMessageReplyMarkup(chatId, messageId, { reply_markup: { inline_keyboard: [] } });
    } catch (err) {
      this.deps.logger.debug(`could not remove the buttons: ${describeApiError(err)}`);
    }
  }
}
