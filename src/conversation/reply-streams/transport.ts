import { z } from 'zod';
import { channelSchema } from '../../shared/envelope.js';
import type { ReplyStreamMessage } from '../reply-stream.js';

/**
 * How reply parts cross processes: one transport per storage dialect, shaped alike
 * (`listen-notify.ts` for PostgreSQL, `table-poll.ts` for SQLite), chosen by the dialect's
 * `replyFeed` capability. `SharedReplyStreams` (shared.ts) puts either behind `ReplyStreams`.
 */
export interface ReplyTransport {
  /** Shares parts, in order; resolves once every one of them can be received elsewhere. */
  send(messages: ReplyStreamMessage[]): Promise<void>;
  /** Starts receiving the parts every process shares (this one's too), in order. */
  listen(onMessage: (message: ReplyStreamMessage) => void): Promise<void>;
  /** Receives now whatever was shared before this call. */
  catchUp(): Promise<void>;
  close(): Promise<void>;
}

/** One part on the wire: short names, as PostgreSQL limits a notification to 8000 bytes. */
export const wirePartSchema = z.object({
  c: channelSchema,
  i: z.string(),
  k: z.string(),
  e: z.enum(['d', 'r']),
  x: z.string().optional(),
});
export type WirePart = z.infer<typeof wirePartSchema>;

export function toWire(message: ReplyStreamMessage): WirePart {
  const { chat, turnKey, event } = message;
  return { c: chat.channel, i: chat.chatId, k: turnKey, ...(event.type === 'delta' ? { e: 'd', x: event.text } : { e: 'r' }) };
}

export function fromWire(part: WirePart): ReplyStreamMessage {
  return { chat: { channel: part.c, chatId: part.i }, turnKey: part.k, event: part.e === 'd' ? { type: 'delta', text: part.x ?? '' } : { type: 'reset' } };
}

/** Reads one part from another process; undefined for anything that is not one. */
export function parseWire(raw: unknown): ReplyStreamMessage | undefined {
  const parsed = wirePartSchema.safeParse(raw);
  return parsed.success ? fromWire(parsed.data) : undefined;
}

/**
 * Joins consecutive parts of the same turn into one (the text they spell is the same): parts
 * published while an earlier write is in flight leave together.
 */
export function coalesce(messages: ReplyStreamMessage[]): ReplyStreamMessage[] {
  const out: ReplyStreamMessage[] = [];
  for (const message of messages) {
    const last = out.at(-1);
    if (
      last &&
      last.event.type === 'delta' &&
      message.event.type === 'delta' &&
      last.turnKey === message.turnKey &&
      last.chat.channel === message.chat.channel &&
      last.chat.chatId === message.chat.chatId
    ) {
      out[out.length - 1] = { ...last, event: { type: 'delta', text: last.event.text + message.event.text } };
    } else out.push(message);
  }
  return out;
}
