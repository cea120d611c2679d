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
 * Keeps outgoing messages within Telegram's limits: per chat (about one a second in a
 * private chat, 20 a minute in a group) and across the bot (about 30 a second). Each
 * message reserves the earliest slot that respects both, then waits for it, so bursts are
 * spread out instead of being answered with 429s. Per process: several processes that
 * send with one token share Telegram's budget, and the auto-retry on 429 covers that.
 */
export class RateLimiter {
  private readonly nextPerChat = new Map<string, number>();
  /** Reserved send times across all chats, ascending (past ones are pruned). */
  private reserved: number[] = [];
  private readonly globalSpacing: number;

  constructor(
    private readonly limits: RateLimits = TELEGRAM_RATE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.globalSpacing = Math.ceil(1000 / limits.globalPerSecond);
  }

  /** Reserves the next slot for a message to `chatId`; returns the wait in ms (0 = send now). */
  reserve(chatId: string): number {
    const now = this.now();
    this.reserved = this.reserved.filter((t) => t > now - 1000);
    let at = Math.max(now, this.nextPerChat.get(chatId) ?? 0);
    // The earliest time at least `globalSpacing` away from every other reservation.
    for (const t of this.reserved) {
      if (t + this.globalSpacing <= at) continue;
      if (t - this.globalSpacing >= at) break;
      at = t + this.globalSpacing;
    }
    this.reserved.push(at);
    this.reserved.sort((a, b) => a - b);
    const group = chatId.startsWith('-') || chatId.startsWith('@');
    this.nextPerChat.set(chatId, at + (group ? this.limits.perGroupMs : this.limits.perChatMs));
    if (this.nextPerChat.size > 10_000) this.forgetIdleChats(now);
    return at - now;
  }

  /** Reserves a slot and waits for it. */
  async acquire(chatId: string): Promise<void> {
    const wait = this.reserve(chatId);
    if (wait > 0) await sleep(wait);
  }

  private forgetIdleChats(now: number): void {
    for (const [chat, next] of this.nextPerChat) if (next < now) this.nextPerChat.delete(chat);
  }
}

/** A grammY API transformer that makes every message-sending call wait for its slot. */
export function rateLimitTransformer(limiter: RateLimiter): Transformer {
  return async (prev, method, payload, signal) => {
    const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id;
    if (MESSAGE_METHODS.has(method) && (typeof chatId === 'number' || typeof chatId === 'string')) {
      await limiter.acquire(String(chatId));
    }
    return prev(method, payload, signal);
  };
}
