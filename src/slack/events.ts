import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { InboundEventRecord } from '../channels/inbox.js';
import { SLACK_SIGNATURE_MAX_AGE_S } from './limits.js';

/**
 * The Slack Events API and interactivity requests at the boundary: the request signature,
 * and the parts of the payloads Mycel reads. Unknown fields pass through (Slack adds fields
 * over time). What Mycel does not handle (other event types, bot messages, edits and other
 * subtypes, channels other than the allowed one) gives no inbox event.
 */

/** The headers Slack signs each request in. */
export const SIGNATURE_HEADER = 'x-slack-signature';
export const TIMESTAMP_HEADER = 'x-slack-request-timestamp';

/** Why a request's signature was refused (logged; the caller only ever sees 401). */
export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether `signature` is `v0=` and the hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the
 * signing secret (compared in constant time), and `timestamp` is within
 * SLACK_SIGNATURE_MAX_AGE_S of `now` (an old request replayed is refused).
 */
export function checkSignature(rawBody: Uint8Array, timestamp: string | undefined, signature: string | undefined, signingSecret: string, now = Date.now()): SignatureCheck {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing or malformed X-Slack-Request-Timestamp' };
  if (Math.abs(now / 1000 - Number(timestamp)) > SLACK_SIGNATURE_MAX_AGE_S) return { ok: false, reason: 'X-Slack-Request-Timestamp is more than five minutes away (a replay?)' };
  const match = /^v0=([0-9a-f]{64})$/i.exec(signature?.trim() ?? '');
  if (!match) return { ok: false, reason: 'missing or malformed X-Slack-Signature' };
  const expected = createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest();
  const presented = Buffer.from(match[1]!, 'hex');
  return presented.length === expected.length && timingSafeEqual(presented, expected) ? { ok: true } : { ok: false, reason: 'wrong X-Slack-Signature' };
}

/** The signature header value for a body at a time (the stand-in and tests sign with it). */
export function signRequest(rawBody: string | Uint8Array, timestamp: string | number, signingSecret: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

const slackId = z.string().regex(/^[A-Z0-9]{2,32}$/, 'not a Slack id');

/** A `message` event as Mycel stores it (the fields it reads). */
const messageEventSchema = z.looseObject({
  type: z.literal('message'),
  subtype: z.string().optional(),
  bot_id: z.string().optional(),
  user: slackId.optional(),
  channel: slackId,
  channel_type: z.string().optional(),
  text: z.string().optional(),
  ts: z.string(),
  thread_ts: z.string().optional(),
  client_msg_id: z.string().optional(),
  files: z.array(z.unknown()).optional(),
});

const eventCallbackSchema = z.looseObject({
  type: z.literal('event_callback'),
  team_id: z.string().optional(),
  api_app_id: z.string().optional(),
  event_id: z.string().min(1).max(200).optional(),
  event: z.looseObject({ type: z.string() }),
});

const urlVerificationSchema = z.looseObject({ type: z.literal('url_verification'), challenge: z.string().max(1_000) });

const blockActionsSchema = z.looseObject({
  type: z.literal('block_actions'),
  trigger_id: z.string().optional(),
  user: z.looseObject({ id: slackId, name: z.string().optional(), username: z.string().optional() }),
  channel: z.looseObject({ id: slackId }).optional(),
  container: z.looseObject({ type: z.string(), channel_id: slackId.optional(), message_ts: z.string().optional() }).optional(),
  message: z.looseObject({ ts: z.string(), text: z.string().optional() }).optional(),
  actions: z.array(z.looseObject({ action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional(), type: z.string().optional() })).min(1),
});

/** What the inbox stores for one Slack event: the chat it belongs to, and the event. */
export const storedEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), chatId: z.string(), event: messageEventSchema }),
  z.object({
    type: z.literal('button'),
    chatId: z.string(),
    userId: slackId,
    userName: z.string().optional(),
    value: z.string(),
    /** Where the pressed message is (its conversation id and `ts`), for changing it afterwards. */
    channelId: z.string().optional(),
    messageTs: z.string().optional(),
    /** The pressed message's text as Slack gives it back (escaped). */
    messageText: z.string().optional(),
  }),
]);
export type StoredSlackEvent = z.infer<typeof storedEventSchema>;

/** The request body is not a Slack payload Mycel understands (answered with 400; nothing stored). */
export class SlackPayloadError extends Error {}

/** Where a Slack conversation id points: `D…` are direct messages (Slack's own id scheme). */
export function isDirectMessage(conversationId: string): boolean {
  return conversationId.startsWith('D');
}

/** What one Events API request asks: the handshake, or events for the inbox (possibly none). */
export type EventsRequest = { kind: 'url_verification'; challenge: string } | { kind: 'events'; events: InboundEventRecord[]; ignored?: string };

/**
 * Reads an Events API body. A message in a direct message with the app (`channel_type: im`)
 * is a chat whose id is the sender's user id; one in the allowed channel is a chat whose id is
 * that channel's id. The idempotency key is the envelope's `event_id` (else the message's
 * `client_msg_id`). Bot messages (Mycel's own among them) and subtypes (edits, joins, …) are
 * not events for Mycel, except a shared file, which gets a note.
 */
export function readEventsRequest(payload: unknown, options: { allowedChannel?: string | undefined }): EventsRequest {
  const verification = urlVerificationSchema.safeParse(payload);
  if (verification.success) return { kind: 'url_verification', challenge: verification.data.challenge };
  const kind = z.looseObject({ type: z.string() }).safeParse(payload);
  if (!kind.success) throw new SlackPayloadError('not a Slack Events API payload (type "url_verification" or "event_callback")');
  // Notices such as `app_rate_limited` are acknowledged and not events for Mycel.
  if (kind.data.type !== 'event_callback') return { kind: 'events', events: [], ignored: `payload type "${kind.data.type}"` };
  const parsed = eventCallbackSchema.safeParse(payload);
  if (!parsed.success) throw new SlackPayloadError('not a Slack Events API payload: an event_callback carries an event with a type');
  const { event } = parsed.data;
  if (event.type !== 'message') return { kind: 'events', events: [], ignored: `event type "${event.type}"` };
  const message = messageEventSchema.safeParse(event);
  if (!message.success) {
    const issue = message.error.issues[0];
    throw new SlackPayloadError(`malformed message event: ${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'invalid'}`);
  }
  const m = message.data;
  if (m.bot_id || m.subtype === 'bot_message') return { kind: 'events', events: [], ignored: 'a bot’s message' };
  if (m.subtype && m.subtype !== 'file_share') return { kind: 'events', events: [], ignored: `message subtype "${m.subtype}"` };
  if (!m.user) return { kind: 'events', events: [], ignored: 'a message without a user' };
  const chatId = m.channel_type === 'im' || isDirectMessage(m.channel) ? m.user : m.channel === options.allowedChannel ? m.channel : undefined;
  if (!chatId) return { kind: 'events', events: [], ignored: `a message in channel ${m.channel}, which is not the allowed one` };
  const eventId = parsed.data.event_id ?? m.client_msg_id;
  if (!eventId) throw new SlackPayloadError('an event without event_id or client_msg_id');
  const stored: StoredSlackEvent = { type: 'message', chatId, event: m };
  return { kind: 'events', events: [{ eventId, chatId, kind: m.subtype ?? 'message', payload: stored }] };
}

/**
 * Reads an interactivity request (`payload=<JSON>`, form-encoded): a press of one of Mycel's
 * buttons (`block_actions`) in a direct message or the allowed channel, keyed by its
 * `trigger_id` (else the action's `action_ts`). Other interactions give nothing.
 */
export function readInteraction(form: string, options: { allowedChannel?: string | undefined }): InboundEventRecord[] {
  const json = new URLSearchParams(form).get('payload');
  if (json === null) throw new SlackPayloadError('an interactivity request carries a form field "payload"');
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch {
    throw new SlackPayloadError('the "payload" field is not JSON');
  }
  return interactionEvents(payload, options);
}

/** The inbox events of an interaction payload (as the interactivity route and Socket Mode carry it). */
export function interactionEvents(payload: unknown, options: { allowedChannel?: string | undefined }): InboundEventRecord[] {
  const type = z.looseObject({ type: z.string() }).safeParse(payload);
  if (!type.success) throw new SlackPayloadError('not a Slack interaction payload');
  if (type.data.type !== 'block_actions') return [];
  const parsed = blockActionsSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SlackPayloadError(`malformed block_actions payload: ${issue?.path.join('.') || 'payload'}: ${issue?.message ?? 'invalid'}`);
  }
  const p = parsed.data;
  const conversation = p.channel?.id ?? p.container?.channel_id;
  if (!conversation) return [];
  const chatId = isDirectMessage(conversation) ? p.user.id : conversation === options.allowedChannel ? conversation : undefined;
  const action = p.actions[0]!;
  const eventId = p.trigger_id ?? (action.action_ts ? `action:${action.action_ts}` : undefined);
  if (!chatId || action.value === undefined || !eventId) return [];
  const stored: StoredSlackEvent = {
    type: 'button',
    chatId,
    userId: p.user.id,
    userName: p.user.name ?? p.user.username,
    value: action.value,
    channelId: conversation,
    messageTs: p.container?.message_ts ?? p.message?.ts,
    messageText: p.message?.text,
  };
  return [{ eventId, chatId, kind: 'block_actions', payload: stored }];
}

/** Slack's text escapes and link markup, read back as the person typed it. */
export function plainText(text: string): string {
  return text
    .replace(/<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Text escaped as Slack requires in `text` and mrkdwn fields (`&`, `<` and `>`). */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
