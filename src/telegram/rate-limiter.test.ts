import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

const limits = { perChatMs: 100, perGroupMs: 300, globalPerSecond: 30 };

/**
 * Runs sends that take `ms` each on a fake clock, advancing it until all have finished;
 * returns when each started and ended (ms after the burst began, exact).
 */
async function burst(limiter: RateLimiter, chats: string[], ms = 20) {
  const t0 = Date.now();
  let done = false;
  const all = Promise.all(
    chats.map((chat) =>
      limiter.schedule(chat, async () => {
        const start = Date.now() - t0;
        await new Promise((r) => setTimeout(r, ms));
        return { chat, start, end: Date.now() - t0 };
      }),
    ),
  ).finally(() => (done = true));
  for (let step = 0; !done && step < 10_000; step += 1) await vi.advanceTimersByTimeAsync(1);
  return all;
}

describe('RateLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs sends to one chat one at a time, each a full interval after the previous one finished', async () => {
    const runs = await burst(new RateLimiter(limits), ['42', '42', '42'], 30);
    for (let i = 1; i < runs.length; i += 1) {
      expect(runs[i]!.start - runs[i - 1]!.end).toBeGreaterThanOrEqual(limits.perChatMs);
      expect(runs[i]!.start - runs[i - 1]!.end).toBeLessThanOrEqual(limits.perChatMs + 1);
    }
  });

  it('spaces a group wider (20 a minute on Telegram)', async () => {
    const runs = await burst(new RateLimiter(limits), ['-100123', '-100123']);
    expect(runs[1]!.start - runs[0]!.end).toBeGreaterThanOrEqual(limits.perGroupMs);
  });

  it('does not make one chat wait for another chat’s queue', async () => {
    const runs = await burst(new RateLimiter({ ...limits, perChatMs: 500 }), ['1', '1', '1', '2']);
    // Chat 1's queue takes over a second; chat 2 only waits for its global slot (34 ms apart).
    expect(runs[2]!.start).toBeGreaterThanOrEqual(1000);
    expect(runs[3]!.start).toBeLessThanOrEqual(Math.ceil(1000 / limits.globalPerSecond));
  });

  it('never gives more than 30 global slots in any one second', () => {
    const limiter = new RateLimiter(limits);
    const now = 1_000_000;
    const times = Array.from({ length: 90 }, () => now + limiter.takeGlobalSlot(now)).sort((a, b) => a - b);
    for (let i = 0; i + 30 < times.length; i += 1) expect(times[i + 30]! - times[i]!).toBeGreaterThanOrEqual(1000);
    expect(times.at(-1)! - times[0]!).toBeLessThan(3100);
  });
});
