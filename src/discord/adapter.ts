import { z } from 'zod';
import type { ChannelAdapter, ChannelCapabilities, InboundEvent } from '../channels/adapter.js';
import { MAX_BUTTON_LABEL_CHARS } from '../channels/limits.js';
import type { OutboundSender } from '../channels/outbound.js';
import { DISCORD_CHANNEL_CHAT_PREFIX, DISCORD_MAX_BUTTONS, DISCORD_MAX_MESSAGE_CHARS } from './limits.js';

/** What Discord can do, as the shared channel machinery reads it. */
export const DISCORD_CAPABILITIES: ChannelCapabilities = {
  canEdit: true,
  canStream: false,
  canButtons: true,
  canTyping: true,
  maxMessageChars: DISCORD_MAX_MESSAGE_CHARS,
  maxButtons: DISCORD_MAX_BUTTONS,
  maxButtonLabelChars: MAX_BUTTON_LABEL_CHARS,
};

const snowflake = z.string().regex(/^\d{1,25}$/);
const person = z.object({ id: snowflake, username: z.string().optional(), bot: z.boolean().optional() });

/**
 * An inbound Discord event as the gateway stores it in the channel inbox: the few fields of
 * a MESSAGE_CREATE or a button's INTERACTION_CREATE that Mycel reads, never the whole payload.
 */
export const storedDiscordEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), id: snowflake, channelId: snowflake, guildId: snowflake.nullable(), author: person, content: z.string(), attachments: z.number().int().min(0) }),
  z.object({ type: z.literal('button'), id: snowflake, channelId: snowflake, guildId: snowflake.nullable(), user: person, customId: z.string().max(100) }),
]);
export type StoredDiscordEvent = z.infer<typeof storedDiscordEventSchema>;

/** The Mycel chat of a Discord channel: a direct message is its user's chat; the allowed server channel is `channel-<id>`. */
export function discordChatId(event: { guildId: string | null; channelId: string }, userId: string): string {
  return event.guildId ? `${DISCORD_CHANNEL_CHAT_PREFIX}${event.channelId}` : userId;
}

/**
 * The Discord channel behind the shared adapter interface. The gateway connection commits
 * each message and button press to `channel_inbox` (key: the message or interaction id); the
 * shared lane dispatcher and handler take it from there; the sender posts through REST.
 */
export function discordAdapter(options: { botId: string; sender: OutboundSender }): ChannelAdapter {
  return {
    channel: 'discord',
    capabilities: DISCORD_CAPABILITIES,
    account: options.botId,
    sender: options.sender,
    normalize: normalizeDiscordEvent,
  };
}

/** Reads a stored Discord event into the shared inbound event. */
export function normalizeDiscordEvent(raw: unknown): InboundEvent {
  const parsed = storedDiscordEventSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'ignore', reason: 'not a Discord event' };
  const event = parsed.data;
  if (event.type === 'button') {
    return { kind: 'button', chatId: discordChatId(event, event.user.id), userId: event.user.id, buttonId: event.customId, userName: event.user.username };
  }
  if (event.author.bot) return { kind: 'ignore', reason: 'a message from a bot' };
  const who = { chatId: discordChatId(event, event.author.id), userId: event.author.id, userName: event.author.username };
  if (event.content.trim()) return { kind: 'turn', ...who, text: event.content, sequence: null };
  if (event.attachments > 0) return { kind: 'media', ...who, note: "I can only read text messages on Discord for now. Please type what you need; /help lists what I can do." };
  return { kind: 'ignore', reason: 'an empty message' };
}
