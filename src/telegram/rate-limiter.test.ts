import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('RateLimiter', () => {
  it('spaces messages to one private chat a second apart', () => {
    const c = clock();
    const limiter = new RateLimiter(undefined, c.now);
    expect(limiter.reserve('42')).toBe(0);
    expect(limiter.reserve('42')).toBe(1000);
    expect(limiter.reserve('42')).toBe(2000);
    c.advance(5000);
    expect(limiter.reserve('42')).toBe(0);
  });

  it('spaces messages to a group 3 s apart (20 a minute)', () => {
    const limiter = new RateLimiter(undefined, clock().now);
    expect(limiter.reserve('-100123')).toBe(0);
    expect(limiter.reserve('-100123')).toBe(3000);
  });

  it('does not make one chat wait for another chat’s queue', () => {
    const limiter = new RateLimiter(undefined, clock().now);
    limiter.reserve('1');
    limiter.reserve('1'); // reserved 1 s ahead
    expect(limiter.reserve('2')).toBeLessThan(100);
  });

  it('never lets more than 30 messages into any one second across chats', () => {
    const c = clock();
    const limiter = new RateLimiter(undefined, c.now);
    const times = Array.from({ length: 90 }, (_, i) => c.now() + limiter.reserve(String(i)));
    times.sort((a, b) => a - b);
    for (let i = 0; i + 30 < times.length; i += 1) expect(times[i + 30]! - times[i]!).toBeGreaterThanOrEqual(1000);
    // …and the spread is no wider than needed.
    expect(times.at(-1)! - times[0]!).toBeLessThan(3100);
  });
});
