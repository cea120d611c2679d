import type { ChannelAdapter, ChannelCapabilities, InboundEvent } from '../channels/adapter.js';
import type { OutboundSender } from '../channels/outbound.js';
import { WHATSAPP_MAX_BUTTON_TITLE_CHARS, WHATSAPP_MAX_MESSAGE_CHARS, WHATSAPP_MAX_REPLY_BUTTONS } from './limits.js';
import { storedMessageSchema } from './webhook.js';

/** What WhatsApp can do, as the shared channel machinery reads it. */
export const WHATSAPP_CAPABILITIES: ChannelCapabilities = {
  // The Cloud API cannot edit a sent message.
  canEdit: false,
  canStream: false,
  canButtons: true,
  canTyping: false,
  maxMessageChars: WHATSAPP_MAX_MESSAGE_CHARS,
  maxButtons: WHATSAPP_MAX_REPLY_BUTTONS,
  maxButtonLabelChars: WHATSAPP_MAX_BUTTON_TITLE_CHARS,
};

const MEDIA_NOTES: Record<string, string> = {
  image: "I can't look at pictures yet. Tell me in words what you need, and send /help to see what I can do.",
  sticker: 'Nice sticker! I only understand text, though. Send /help to see what I can do.',
  audio: "I can't listen to recordings yet. Please type your message; /help lists what I can do.",
  voice: "I can't listen to recordings yet. Please type your message; /help lists what I can do.",
  video: "I can't watch videos yet. Please type your message; /help lists what I can do.",
};
const OTHER_MEDIA = new Set(['document', 'location', 'contacts']);

/**
 * The WhatsApp Business Cloud API channel behind the shared adapter interface. The webhook
 * route commits each message to `channel_inbox` (key: the message id); the shared lane
 * dispatcher and handler take it from there; the sender posts through the Graph API.
 */
export function whatsappAdapter(options: { phoneNumberId: string; sender: OutboundSender }): ChannelAdapter {
  return {
    channel: 'whatsapp',
    capabilities: WHATSAPP_CAPABILITIES,
    account: options.phoneNumberId,
    sender: options.sender,
    normalize: normalizeWhatsAppMessage,
  };
}

/** Reads a stored WhatsApp message into the shared inbound event. A chat is the sender's number. */
export function normalizeWhatsAppMessage(raw: unknown): InboundEvent {
  const parsed = storedMessageSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'ignore', reason: 'not a WhatsApp message' };
  const { message, profileName } = parsed.data;
  const who = { chatId: message.from, userId: message.from, userName: profileName };
  switch (message.type) {
    case 'text': {
      const text = message.text?.body ?? '';
      return text.trim() ? { kind: 'turn', ...who, text, sequence: null } : { kind: 'ignore', reason: 'an empty text message' };
    }
    case 'interactive': {
      const reply = message.interactive?.button_reply;
      return reply ? { kind: 'button', ...who, buttonId: reply.id } : { kind: 'ignore', reason: `interactive reply "${message.interactive?.type ?? '?'}" is not handled` };
    }
    case 'button': {
      // A quick-reply button of a template message: its text is what the person said.
      const text = message.button?.text ?? message.button?.payload ?? '';
      return text.trim() ? { kind: 'turn', ...who, text, sequence: null } : { kind: 'ignore', reason: 'an empty template button' };
    }
    default: {
      const note = MEDIA_NOTES[message.type] ?? (OTHER_MEDIA.has(message.type) ? 'I can only read text messages for now. Please type what you need; /help lists what I can do.' : undefined);
      if (note) return { kind: 'media', ...who, note };
      return { kind: 'ignore', reason: `message type "${message.type}" is not handled` };
    }
  }
}
