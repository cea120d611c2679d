import type { Transformer } from 'grammy';
import { GLOBAL_MESSAGES_PER_SECOND, PER_CHAT_INTERVAL_MS, PER_GROUP_INTERVAL_MS } from './limits.js';

export interface RateLimits {
  /** Minimum time between two messages to one private chat (ms). */
  perChatMs: number;
  /** Minimum time between two messages to one group or channel (ms). */
  perGroupMs: number;
  /** Most messages across all chats in any one second. */
  globalPerSecond: number;
}

export const TELEGRAM_RATE_LIMITS: RateLimits = {
  perChatMs: PER_CHAT_INTERVAL_MS,
  perGroupMs: PER_GROUP_INTERVAL_MS,
  globalPerSecond: GLOBAL_MESSAGES_PER_SECOND,
};

/** Bot API methods that post a message into a chat; chat actions and edits are not counted. */
const MESSAGE_METHODS = new Set([
  'sendMessage', 'sendPhoto', 'sendAudio', 'sendDocument', 'sendVideo', 'sendAnimation', 'sendVoice', 'sendVideoNote',
  'sendMediaGroup', 'sendLocation', 'sendVenue', 'sendContact', 'sendPoll', 'sendDice', 'sendSticker', 'sendInvoice',
  'copyMessage', 'copyMessages', 'forwardMessage', 'forwardMessages',
]);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Keeps outgoing messages within Telegram's limits. Per chat, sends run one after the
 * other, each starting at least `perChatMs` (a private chat, ~1 a second) or `perGroupMs`
 * (a group, 20 a minute) after the previous one *finished* — so the gap Telegram sees
 * never shrinks with network jitter. Across chats, each send takes a slot at least
 * 1000/`globalPerSecond` ms away from every other (~30 a second). Bursts are spread out
 * instead of being answered with 429s. Per process: several processes that send with one
 * token share Telegram's budget, and the auto-retry on 429 covers that.
 */
export class RateLimiter {
  /** Per chat: resolves when the chat's next send may start. */
  private readonly chatTails = new Map<string, Promise<void>>();
  /** Send times taken across all chats, ascending (older than a second are pruned). */
  private slots: number[] = [];
  private readonly globalSpacing: number;

  constructor(private readonly limits: RateLimits = TELEGRAM_RATE_LIMITS) {
    this.globalSpacing = Math.ceil(1000 / limits.globalPerSecond);
  }

  /** Runs `send` when the chat and the bot may send again. */
  async schedule<T>(chatId: string, send: () => Promise<T>): Promise<T> {
    const previous = this.chatTails.get(chatId) ?? Promise.resolve();
    let release!: () => void;
    const tail = new Promise<void>((resolve) => (release = resolve));
    this.chatTails.set(chatId, tail);
    await previous;
    try {
      const wait = this.takeGlobalSlot(Date.now());
      if (wait > 0) await sleep(wait);
      return await send();
    } finally {
      const group = chatId.startsWith('-') || chatId.startsWith('@');
      const timer = setTimeout(() => {
        if (this.chatTails.get(chatId) === tail) this.chatTails.delete(chatId);
        release();
      }, group ? this.limits.perGroupMs : this.limits.perChatMs);
      timer.unref();
    }
  }

  /** Takes the earliest global slot from `now` on; returns how long to wait for it (ms). */
  takeGlobalSlot(now: number): number {
    this.slots = this.slots.filter((t) => t > now - 1000);
    let at = now;
    for (const t of this.slots) {
      if (t + this.globalSpacing <= at) continue;
      if (t - this.globalSpacing >= at) break;
      at = t + this.globalSpacing;
    }
    this.slots.push(at);
    this.slots.sort((a, b) => a - b);
    return at - now;
  }
}

/** A grammY API transformer that makes every message-sending call wait for its slot. */
export function rateLimitTransformer(limiter: RateLimiter): Transformer {
  return (prev, method, payload, signal) => {
    const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id;
    if (MESSAGE_METHODS.has(method) && (typeof chatId === 'number' || typeof chatId === 'string')) {
      return limiter.schedule(String(chatId), () => prev(method, payload, signal));
    }
    return prev(method, payload, signal);
  };
}
