import type { ChannelAdapter, ChannelCapabilities, InboundEvent } from '../channels/adapter.js';
import { MAX_BUTTON_LABEL_CHARS } from '../channels/limits.js';
import { TELEGRAM_MAX_MESSAGE_CHARS } from './limits.js';
import type { TelegramSender } from './sender.js';
import { classifyUpdate, mediaNote, updateSchema } from './updates.js';

/** What Telegram can do, as the shared channel machinery reads it. */
export const TELEGRAM_CAPABILITIES: ChannelCapabilities = {
  canEdit: true,
  canStream: true,
  canButtons: true,
  canTyping: true,
  maxMessageChars: TELEGRAM_MAX_MESSAGE_CHARS,
  // One row of inline buttons; Telegram allows up to 100 in a keyboard.
  maxButtons: 8,
  maxButtonLabelChars: MAX_BUTTON_LABEL_CHARS,
};

/**
 * The Telegram channel behind the shared adapter interface. Ingress (long polling or the
 * webhook) commits updates to `telegram_inbox`; the shared lane dispatcher hands them to the
 * Telegram handler; the sender delivers through the Bot API once per key.
 */
export function telegramAdapter(options: { botId: string; botUsername: string | undefined; sender: TelegramSender }): ChannelAdapter {
  return {
    channel: 'telegram',
    capabilities: TELEGRAM_CAPABILITIES,
    account: options.botId,
    sender: options.sender,
    normalize: (raw) => normalizeTelegramUpdate(raw, options.botUsername),
  };
}

/** Reads a Telegram update into the shared inbound event. */
export function normalizeTelegramUpdate(raw: unknown, botUsername: string | undefined): InboundEvent {
  const parsed = updateSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'ignore', reason: 'not a Telegram update' };
  const update = classifyUpdate(parsed.data, botUsername);
  switch (update.kind) {
    case 'ignore':
      return update;
    case 'callback':
      return {
        kind: 'button',
        chatId: String(update.query.message?.chat.id ?? update.query.from.id),
        userId: String(update.query.from.id),
        buttonId: update.query.data ?? '',
      };
    case 'media':
      return { kind: 'media', chatId: String(update.message.chat.id), userId: String(update.from.id), note: mediaNote(update.media) };
    case 'turn':
      return { kind: 'turn', chatId: String(update.message.chat.id), userId: String(update.from.id), text: update.text, sequence: update.message.message_id, userName: update.from.username };
  }
}
