import { z } from 'zod';
import { attachmentSchema, MAX_ATTACHMENTS } from '../media/attachments.js';

/**
 * The envelope every inbound message travels in, from ingress (HTTP, Telegram, terminal)
 * to the conversation workflow. Versioned and validated at every boundary. Workflow-safe.
 */
export const ENVELOPE_VERSION = 1;

/** Longest message text accepted from any channel (characters). */
export const MAX_MESSAGE_CHARS = 8_000;

/**
 * Where a message came from. The HTTP API, the web app and `mycel chat` share `web`; each
 * channel adapter has its own; other agents reaching Mycel as an MCP server talk in `mcp` chats.
 */
export const channelSchema = z.enum(['web', 'telegram', 'whatsapp', 'discord', 'slack', 'mcp']);
export type Channel = z.infer<typeof channelSchema>;

export const chatIdSchema = z
  .string()
  .min(1, 'chat id must not be empty')
  .max(128, 'chat id is longer than 128 characters')
  .regex(/^[A-Za-z0-9_.:-]+$/, 'chat id may contain only letters, digits, "_", ".", ":" and "-"');

export const envelopeSchema = z.object({
  v: z.literal(ENVELOPE_VERSION),
  channel: channelSchema,
  chatId: chatIdSchema,
  userId: z.string().min(1).max(128),
  /** Idempotency key of the ingress: `<channel>:<bot>:<update_id or messageId>`. */
  updateId: z.string().min(1).max(256),
  /** Per-chat sequence number from the channel (Telegram message id), when it has one. */
  sequence: z.number().int().nonnegative().nullable(),
  requestId: z.string().min(1).max(128),
  text: z
    .string()
    .min(1, 'text must not be empty')
    .max(MAX_MESSAGE_CHARS, `text is longer than ${MAX_MESSAGE_CHARS} characters`)
    .refine((t) => t.trim().length > 0, 'text must not be blank'),
  receivedAt: z.iso.datetime(),
  /**
   * Files that came with the message (a photo, a voice note): references to files in the data
   * dir, never their bytes. Absent on plain text messages (and on every envelope recorded
   * before attachments existed).
   */
  attachments: z.array(attachmentSchema).max(MAX_ATTACHMENTS, `at most ${MAX_ATTACHMENTS} attachments`).optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/** The id of a chat's conversation workflow (**contract**: `chat-<channel>-<chatId>`). */
export function conversationWorkflowId(channel: Channel, chatId: string): string {
  return `chat-${channel}-${chatId}`;
}

/** A chat, as the capabilities (promises, memory, tools) see it. */
export interface ChatRef {
  channel: Channel;
  chatId: string;
}
