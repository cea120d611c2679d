import { splitText } from '../channels/split.js';
import { TELEGRAM_MAX_MESSAGE_CHARS } from './limits.js';

/** Splits a message into Telegram-sized parts (see `splitText` in src/channels/split.ts). */
export function splitMessage(text: string, max = TELEGRAM_MAX_MESSAGE_CHARS): string[] {
  if (max < 2) throw new Error(`splitMessage: max must be at least 2, got ${max}`);
  return splitText(text, max);
}
