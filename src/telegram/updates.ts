import { z } from 'zod';
import type { Attachment } from '../media/attachments.js';
import { ENVELOPE_VERSION, envelopeSchema, type Envelope } from '../shared/envelope.js';

/**
 * The parts of a Telegram update that Mycel reads, validated at the boundary. Unknown
 * fields pass through (Telegram adds fields over time); a missing or mistyped field that
 * Mycel needs makes the update malformed, and it is logged and skipped.
 */
const userSchema = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean(),
  first_name: z.string(),
  username: z.string().optional(),
});

const chatSchema = z.looseObject({
  id: z.number().int(),
  type: z.enum(['private', 'group', 'supergroup', 'channel']),
});

const messageSchema = z.looseObject({
  message_id: z.number().int().nonnegative(),
  date: z.number().int(),
  chat: chatSchema,
  from: userSchema.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  photo: z.array(z.unknown()).optional(),
  sticker: z.looseObject({ emoji: z.string().optional() }).optional(),
  voice: z.unknown().optional(),
  audio: z.unknown().optional(),
  video: z.unknown().optional(),
  video_note: z.unknown().optional(),
  document: z.unknown().optional(),
  animation: z.unknown().optional(),
  location: z.unknown().optional(),
  contact: z.unknown().optional(),
  poll: z.unknown().optional(),
});

const callbackQuerySchema = z.looseObject({
  id: z.string().min(1),
  from: userSchema,
  message: z.looseObject({ message_id: z.number().int(), chat: chatSchema }).optional(),
  data: z.string().optional(),
});

export const updateSchema = z.looseObject({
  update_id: z.number().int().nonnegative(),
  message: messageSchema.optional(),
  edited_message: messageSchema.optional(),
  channel_post: messageSchema.optional(),
  edited_channel_post: messageSchema.optional(),
  callback_query: callbackQuerySchema.optional(),
});

export type TelegramUpdate = z.infer<typeof updateSchema>;
export type TelegramMessage = z.infer<typeof messageSchema>;
export type TelegramUser = z.infer<typeof userSchema>;
export type TelegramCallbackQuery = z.infer<typeof callbackQuerySchema>;

/** The kinds of media answered with a short note instead of a turn. */
const MEDIA_FIELDS = ['photo', 'sticker', 'voice', 'audio', 'video', 'video_note', 'document', 'animation', 'location', 'contact', 'poll'] as const;
export type MediaKind = (typeof MEDIA_FIELDS)[number];

/** What an update asks of Mycel. */
export type ClassifiedUpdate =
  | { kind: 'turn'; message: TelegramMessage; from: TelegramUser; text: string }
  | { kind: 'media'; message: TelegramMessage; from: TelegramUser; media: MediaKind }
  | { kind: 'callback'; query: TelegramCallbackQuery }
  | { kind: 'ignore'; reason: string };

/** The first key of an update other than `update_id`: `message`, `callback_query`, … */
export function updateType(update: Record<string, unknown>): string {
  return Object.keys(update).find((k) => k !== 'update_id') ?? 'empty';
}

const COMMAND_WITH_NAME = /^\/([A-Za-z0-9_]{1,64})@([A-Za-z0-9_]{1,64})(?=\s|$)/;

/**
 * Decides what an update is for. Commands addressed to another bot (`/help@OtherBot`) are
 * ignored; `/help@ThisBot` becomes `/help`. A photo or document with a caption is a turn
 * with the caption as its text; media without a caption get a note. Edits, channel posts,
 * service messages and messages from bots are ignored on purpose.
 */
export function classifyUpdate(update: TelegramUpdate, botUsername: string | undefined): ClassifiedUpdate {
  if (update.callback_query) return { kind: 'callback', query: update.callback_query };
  if (update.edited_message || update.edited_channel_post) {
    return { kind: 'ignore', reason: 'an edit: the original message already had its turn' };
  }
  if (update.channel_post) return { kind: 'ignore', reason: 'a channel post: channels are not conversations' };
  const message = update.message;
  if (!message) return { kind: 'ignore', reason: `update type "${updateType(update)}" is not handled` };
  const from = message.from;
  if (!from || from.is_bot) return { kind: 'ignore', reason: 'not sent by a person' };

  const raw = message.text ?? message.caption;
  if (raw !== undefined && raw.trim()) {
    const named = COMMAND_WITH_NAME.exec(raw);
    if (named) {
      if (!botUsername || named[2]!.toLowerCase() !== botUsername.toLowerCase()) {
        return { kind: 'ignore', reason: `a command for another bot (@${named[2]})` };
      }
      return { kind: 'turn', message, from, text: `/${named[1]}${raw.slice(named[0].length)}` };
    }
    return { kind: 'turn', message, from, text: raw };
  }
  const media = MEDIA_FIELDS.find((field) => message[field] !== undefined);
  if (media) return { kind: 'media', message, from, media };
  return { kind: 'ignore', reason: 'a service message without text' };
}

/** The ingress idempotency key of a Telegram update (**contract** form `<channel>:<bot>:<update_id>`). */
export function telegramUpdateKey(botId: string, updateId: number): string {
  return `telegram:${botId}:${updateId}`;
}

/**
 * The design's envelope for a message turn: update id as the idempotency key, the
 * message id as the per-chat sequence, the Telegram chat id as the chat id. `requestId`
 * differs per delivery attempt (ingress tells a repeat from the first delivery by it).
 */
export function toEnvelope(
  botId: string,
  updateId: number,
  turn: { message: TelegramMessage; from: TelegramUser; text: string },
  receivedAt: Date,
  requestId: string,
  attachments?: Attachment[],
): Envelope {
  return envelopeSchema.parse({
    v: ENVELOPE_VERSION,
    channel: 'telegram',
    chatId: String(turn.message.chat.id),
    userId: String(turn.from.id),
    updateId: telegramUpdateKey(botId, updateId),
    sequence: turn.message.message_id,
    requestId,
    text: turn.text,
    receivedAt: receivedAt.toISOString(),
    ...(attachments?.length ? { attachments } : {}),
  });
}

/** The note sent for media Mycel cannot read (no turn is started). */
export function mediaNote(media: MediaKind): string {
  switch (media) {
    case 'sticker':
      return 'Nice sticker! I only understand text, though. Send /help to see what I can do.';
    case 'photo':
      return "I can't look at photos yet. Tell me in words what you need (or add a caption), and send /help to see what I can do.";
    case 'voice':
    case 'audio':
    case 'video_note':
      return "I can't listen to recordings yet. Please type your message; /help lists what I can do.";
    default:
      return "I can only read text messages for now. Please type what you need; /help lists what I can do.";
  }
}
