import { describe, expect, it } from 'vitest';
import { splitMessage } from './split.js';

const joined = (parts: string[]) => parts.join(' ').replace(/\s+/g, ' ');

describe('splitMessage', () => {
  it('keeps a short message whole and drops trailing whitespace', () => {
    expect(splitMessage('hello\n')).toEqual(['hello']);
    expect(splitMessage('   ')).toEqual([]);
  });

  it('never exceeds the limit and loses no word', () => {
    const words = Array.from({ length: 3000 }, (_, i) => `word${i}`);
    const text = words.join(' ');
    const parts = splitMessage(text, 4096);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
    expect(joined(parts)).toBe(text);
    for (const part of parts) expect(part).toMatch(/^word\d+( word\d+)*$/);
  });

  it('prefers paragraph breaks, then line breaks', () => {
    const para = 'a'.repeat(60);
    const text = `${para}\n\n${para}\n\n${para}`;
    expect(splitMessage(text, 130)).toEqual([`${para}\n\n${para}`, para]);
    const lines = `${'b'.repeat(60)}\n${'c'.repeat(60)}\n${'d'.repeat(60)}`;
    expect(splitMessage(lines, 130)).toEqual([`${'b'.repeat(60)}\n${'c'.repeat(60)}`, 'd'.repeat(60)]);
  });

  it('cuts a word longer than a part, but never inside a surrogate pair', () => {
    const long = 'x'.repeat(25);
    expect(splitMessage(long, 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    const emoji = '😀'.repeat(6); // 12 UTF-16 units
    const parts = splitMessage(emoji, 5);
    expect(parts.join('')).toBe(emoji);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(5);
      expect(part).toBe(Array.from(part).join(''));
      expect(Array.from(part).every((c) => c === '😀')).toBe(true);
    }
  });
});
