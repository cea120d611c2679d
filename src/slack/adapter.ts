import type { ChannelAdapter, ChannelCapabilities, InboundEvent } from '../channels/adapter.js';
import { plainText, storedEventSchema } from './events.js';
import type { SlackSender } from './sender.js';
import { SLACK_MAX_ACTIONS, SLACK_MAX_BUTTON_TEXT_CHARS, SLACK_MAX_MESSAGE_CHARS } from './limits.js';

/** What Slack can do, as the shared channel machinery reads it. */
export const SLACK_CAPABILITIES: ChannelCapabilities = {
  // chat.update changes a sent message (the sender uses it to close a pressed button's message).
  canEdit: true,
  // Replies are sent whole when the turn ends (no live edits yet).
  canStream: false,
  canButtons: true,
  // The Web API has no typing indicator for bots.
  canTyping: false,
  maxMessageChars: SLACK_MAX_MESSAGE_CHARS,
  maxButtons: SLACK_MAX_ACTIONS,
  maxButtonLabelChars: SLACK_MAX_BUTTON_TEXT_CHARS,
};

/**
 * The inbox account of the Slack channel. Slack's `event_id` is unique across workspaces, so
 * one Mycel needs no account of its own to keep events apart: the key is `slack:events:<id>`.
 */
export const SLACK_ACCOUNT = 'events';

const FILE_NOTE = "I can only read text messages for now, not files or pictures. Please type what you need; /help lists what I can do.";

/**
 * The Slack channel behind the shared adapter interface. The Events API and interactivity
 * routes commit each event to `channel_inbox` (key: the event id, or the press's trigger id);
 * the shared lane dispatcher and handler take it from there; the sender posts through the Web
 * API.
 */
export function slackAdapter(options: { sender: SlackSender }): ChannelAdapter {
  return {
    channel: 'slack',
    capabilities: SLACK_CAPABILITIES,
    account: SLACK_ACCOUNT,
    sender: options.sender,
    normalize: normalizeSlackEvent,
    closePressed: (_chatId, pressed, outcome) => options.sender.closePressed(pressed, outcome),
  };
}

/**
 * Reads a stored Slack event into the shared inbound event. A direct message's chat is the
 * sender's user id; the allowed channel's chat is its channel id. A mention of the app at the
 * start of a channel message is not part of what the person asks.
 */
export function normalizeSlackEvent(raw: unknown): InboundEvent {
  const parsed = storedEventSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'ignore', reason: 'not a Slack event' };
  const stored = parsed.data;
  if (stored.type === 'button') {
    const pressed = stored.channelId && stored.messageTs ? { ref: `${stored.channelId}/${stored.messageTs}`, text: stored.messageText ?? '' } : undefined;
    return { kind: 'button', chatId: stored.chatId, userId: stored.userId, buttonId: stored.value, userName: stored.userName, pressed };
  }
  const { event } = stored;
  const who = { chatId: stored.chatId, userId: event.user ?? '' };
  if (!who.userId) return { kind: 'ignore', reason: 'a message without a user' };
  const text = plainText(event.text ?? '').replace(/^\s*<@[A-Z0-9]+>[\s:,]*/, '');
  if (event.subtype === 'file_share' && !text.trim()) return { kind: 'media', ...who, note: FILE_NOTE };
  // In the allowed channel, what is for the sender alone (a pairing code) goes to their direct message.
  const privateChatId = who.chatId === who.userId ? undefined : who.userId;
  return text.trim() ? { kind: 'turn', ...who, text, sequence: null, ...(privateChatId ? { privateChatId } : {}) } : { kind: 'ignore', reason: 'an empty message' };
}
