import { describe, expect, it } from 'vitest';
import { normalizeWhatsAppMessage } from './adapter.js';
import { messagesOf, signatureMatches, signBody, WhatsAppPayloadError } from './webhook.js';

const SECRET = 'app-secret';

function payload(messages: unknown[], phoneNumberId = '1065') {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: 'waba', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: phoneNumberId }, contacts: [{ wa_id: '4915', profile: { name: 'Ada' } }], messages } }] }],
  };
}

describe('the WhatsApp webhook signature', () => {
  it('accepts the app secret’s HMAC-SHA256 of the exact raw body, and nothing else', () => {
    const body = Buffer.from('{"object":"whatsapp_business_account"}');
    const good = signBody(body, SECRET);
    expect(good).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signatureMatches(body, good, SECRET)).toBe(true);
    expect(signatureMatches(body, good.toUpperCase().replace('SHA256', 'sha256'), SECRET)).toBe(true);
    expect(signatureMatches(Buffer.from(`${body} `), good, SECRET)).toBe(false);
    expect(signatureMatches(body, signBody(body, 'other'), SECRET)).toBe(false);
    expect(signatureMatches(body, good.slice(0, -2), SECRET)).toBe(false);
    expect(signatureMatches(body, good.replace('sha256=', 'sha1='), SECRET)).toBe(false);
    expect(signatureMatches(body, undefined, SECRET)).toBe(false);
  });
});

describe('reading a webhook payload', () => {
  it('gives the messages for this number, keyed by message id, with the sender’s profile name', () => {
    const events = messagesOf(payload([{ from: '4915', id: 'wamid.1', type: 'text', text: { body: 'hi' } }]), '1065');
    expect(events).toEqual([{ eventId: 'wamid.1', chatId: '4915', kind: 'text', payload: { message: { from: '4915', id: 'wamid.1', type: 'text', text: { body: 'hi' } }, profileName: 'Ada' } }]);
    expect(messagesOf(payload([{ from: '4915', id: 'wamid.1', type: 'text', text: { body: 'hi' } }]), '9999')).toEqual([]);
  });

  it('refuses what is not a WhatsApp Business payload, or a message without a usable sender', () => {
    expect(() => messagesOf({ object: 'page', entry: [] }, '1065')).toThrow(WhatsAppPayloadError);
    expect(() => messagesOf(payload([{ from: '+4915', id: 'wamid.1', type: 'text' }]), '1065')).toThrow(/from/);
  });

  it('reads text as a turn, a reply button as a press, media as a note, and ignores the rest', () => {
    const msg = (m: Record<string, unknown>) => normalizeWhatsAppMessage({ message: { from: '4915', id: 'w', ...m }, profileName: 'Ada' });
    expect(msg({ type: 'text', text: { body: '/help' } })).toEqual({ kind: 'turn', chatId: '4915', userId: '4915', userName: 'Ada', text: '/help', sequence: null });
    expect(msg({ type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'b:abc', title: 'Approve' } } })).toMatchObject({ kind: 'button', buttonId: 'b:abc' });
    expect(msg({ type: 'image', image: {} })).toMatchObject({ kind: 'media', note: expect.stringMatching(/pictures/) });
    expect(msg({ type: 'reaction', reaction: { emoji: '👍' } })).toMatchObject({ kind: 'ignore' });
    expect(msg({ type: 'text', text: { body: '   ' } })).toMatchObject({ kind: 'ignore' });
  });
});
