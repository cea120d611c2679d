import { describe, expect, it } from 'vitest';
import { capText, formatMcpOutput, resultText, toOutput } from './result.js';

describe('MCP tool results', () => {
  it('joins text content, shows images and resources as placeholders, falls back to structured content', () => {
    expect(
      resultText({
        content: [
          { type: 'text', text: 'first' },
          { type: 'image', data: 'AAAA', mimeType: 'image/png' },
          { type: 'resource', resource: { uri: 'file:///a.txt', text: 'inside' } },
          { type: 'resource_link', uri: 'file:///b', name: 'b' },
        ],
      }),
    ).toBe('first\n[image image/png, 3 bytes]\ninside\n[link b: file:///b]');
    expect(resultText({ content: [], structuredContent: { sum: 3 } })).toBe('{"sum":3}');
  });

  it('caps a huge result at the byte limit without splitting a character, and says so', () => {
    const huge = 'é'.repeat(100_000);
    const capped = capText(huge, 1001);
    expect(capped.truncated).toBe(true);
    expect(Buffer.byteLength(capped.text)).toBeLessThanOrEqual(1001);
    expect(capped.text).toBe('é'.repeat(500));
    const output = toOutput('s', 't', { content: [{ type: 'text', text: 'x'.repeat(70_000) }] }, 64 * 1024);
    expect(output.text).toHaveLength(64 * 1024);
    expect(formatMcpOutput(output)).toMatch(/… \(output truncated\)$/);
    expect(capText('short', 10)).toEqual({ text: 'short', truncated: false });
  });
});
