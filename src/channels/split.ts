/** A break is only taken if it keeps at least this share of a full part; otherwise a finer one is tried. */
const MIN_FILL = 0.5;

/** The last index ≤ `max` where `text` may be cut, preferring paragraphs, then lines, then words. */
function cutPoint(text: string, max: number): number {
  const floor = Math.floor(max * MIN_FILL);
  const paragraph = text.lastIndexOf('\n\n', max);
  if (paragraph >= floor) return paragraph;
  const line = text.lastIndexOf('\n', max);
  if (line >= floor) return line;
  for (let i = max; i >= floor; i -= 1) {
    if (/\s/.test(text[i]!)) return i;
  }
  // No break in sight (a very long word or URL): cut hard, never inside a surrogate pair.
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}

/**
 * Splits a message into parts of at most `max` characters (the channel's `maxMessageChars`),
 * cutting at paragraph breaks where possible, then line breaks, then spaces, and only
 * inside a word when a single word is longer than a whole part. Whitespace at the cuts is
 * dropped; nothing else is lost or changed. Blank text gives no parts.
 */
export function splitText(text: string, max: number): string[] {
  if (max < 2) throw new Error(`splitText: max must be at least 2, got ${max}`);
  const parts: string[] = [];
  let rest = text.trimEnd();
  while (rest.length > max) {
    const cut = cutPoint(rest, max);
    const part = rest.slice(0, cut).trimEnd();
    if (part) parts.push(part);
    rest = rest.slice(cut).replace(/^\s+/, '');
  }
  if (rest.trim()) parts.push(rest);
  return parts;
}
