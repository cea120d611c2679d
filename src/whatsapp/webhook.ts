import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { InboundEventRecord } from '../channels/inbox.js';

/**
 * The WhatsApp Cloud API webhook at the boundary: the signature over the raw body, and the
 * parts of the payload Mycel reads (`entry[].changes[].value.messages[]`). Unknown fields
 * pass through (Meta adds fields over time); status updates (`statuses[]`) are not events.
 */

/** The header Meta signs each webhook call in: `sha256=<hex HMAC-SHA256 of the raw body with the app secret>`. */
export const SIGNATURE_HEADER = 'x-hub-signature-256';

/** Whether `header` is the app secret's HMAC-SHA256 of `rawBody`, compared in constant time. */
export function signatureMatches(rawBody: Uint8Array, header: string | undefined, appSecret: string): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '');
  if (!match) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  const presented = Buffer.from(match[1]!, 'hex');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** The signature header value for a body (the stand-in and tests sign with it). */
export function signBody(rawBody: string | Uint8Array, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

const messageSchema = z.looseObject({
  from: z.string().regex(/^\d{1,20}$/, 'from must be the sender’s number, digits only'),
  id: z.string().min(1).max(200),
  timestamp: z.string().optional(),
  type: z.string().min(1),
  text: z.looseObject({ body: z.string() }).optional(),
  interactive: z
    .looseObject({
      type: z.string(),
      button_reply: z.looseObject({ id: z.string(), title: z.string().optional() }).optional(),
    })
    .optional(),
  button: z.looseObject({ payload: z.string().optional(), text: z.string().optional() }).optional(),
});

const valueSchema = z.looseObject({
  messaging_product: z.literal('whatsapp').optional(),
  metadata: z.looseObject({ phone_number_id: z.string(), display_phone_number: z.string().optional() }),
  contacts: z.array(z.looseObject({ wa_id: z.string(), profile: z.looseObject({ name: z.string().optional() }).optional() })).optional(),
  messages: z.array(messageSchema).optional(),
  statuses: z.array(z.unknown()).optional(),
});

export const webhookPayloadSchema = z.looseObject({
  object: z.string(),
  entry: z.array(
    z.looseObject({
      id: z.string().optional(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })),
    }),
  ),
});

export type WhatsAppMessage = z.infer<typeof messageSchema>;

/** What the inbox stores for one message: the message as sent, and the sender's profile name. */
export const storedMessageSchema = z.object({ message: messageSchema, profileName: z.string().optional() });
export type StoredMessage = z.infer<typeof storedMessageSchema>;

/** The webhook body is not a WhatsApp Business payload (answered with 400; nothing stored). */
export class WhatsAppPayloadError extends Error {}

/**
 * The messages of a webhook payload addressed to this phone number id, as inbox events keyed
 * by message id. Changes of other fields, other numbers, and status updates give nothing.
 */
export function messagesOf(payload: unknown, phoneNumberId: string): InboundEventRecord[] {
  const parsed = webhookPayloadSchema.safeParse(payload);
  if (!parsed.success || parsed.data.object !== 'whatsapp_business_account') {
    throw new WhatsAppPayloadError('not a WhatsApp Business webhook payload (object "whatsapp_business_account" with entry[].changes[])');
  }
  const events: InboundEventRecord[] = [];
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') continue;
      const value = valueSchema.safeParse(change.value);
      if (!value.success) {
        const issue = value.error.issues[0];
        throw new WhatsAppPayloadError(`malformed change: ${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'}`);
      }
      if (value.data.metadata.phone_number_id !== phoneNumberId) continue;
      for (const message of value.data.messages ?? []) {
        const profileName = value.data.contacts?.find((c) => c.wa_id === message.from)?.profile?.name;
        const stored: StoredMessage = { message, ...(profileName ? { profileName } : {}) };
        events.push({ eventId: message.id, chatId: message.from, kind: message.type, payload: stored });
      }
    }
  }
  return events;
}
