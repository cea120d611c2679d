/**
 * The stand-in Bot API's formatting checks: parses `MarkdownV2` and `HTML` texts the way
 * the real Bot API does closely enough that a sender which forgets to escape gets the
 * same kind of 400 ("can't parse entities: …") it would get from Telegram.
 * Returns the visible text (its length is what the 4096-character limit applies to).
 */
export type ParseResult = { ok: true; text: string } | { ok: false; error: string };

const MD_RESERVED = new Set(['_', '*', '[', ']', '(', ')', '~', '`', '>', '#', '+', '-', '=', '|', '{', '}', '.', '!']);

function byteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index), 'utf8');
}

const MD_NAMES: Record<string, string> = { '*': 'Bold', _: 'Italic', __: 'Underline', '~': 'Strikethrough', '||': 'Spoiler', '[': 'TextUrl' };

export function parseMarkdownV2(text: string): ParseResult {
  let out = '';
  const stack: Array<{ marker: string; at: number }> = [];
  const toggle = (marker: string, at: number) => {
    if (stack.at(-1)?.marker === marker) stack.pop();
    else stack.push({ marker, at });
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    const lineStart = i === 0 || text[i - 1] === '\n';
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === undefined) return { ok: false, error: `Can't parse entities: Character '\\' is reserved and must be escaped with the preceding '\\'` };
      out += next;
      i += 2;
      continue;
    }
    if (ch === '`') {
      const fence = text.startsWith('```', i) ? '```' : '`';
      let j = i + fence.length;
      let body = '';
      let closed = false;
      while (j < text.length) {
        if (text[j] === '\\' && j + 1 < text.length) {
          body += text[j + 1];
          j += 2;
          continue;
        }
        if (text.startsWith(fence, j)) {
          closed = true;
          break;
        }
        body += text[j];
        j += 1;
      }
      if (!closed) return { ok: false, error: `Can't parse entities: Can't find end of ${fence === '```' ? 'Pre' : 'Code'} entity at byte offset ${byteOffset(text, i)}` };
      out += body;
      i = j + fence.length;
      continue;
    }
    if (ch === '*' || ch === '~') {
      toggle(ch, i);
      i += 1;
      continue;
    }
    if (ch === '_') {
      const marker = text[i + 1] === '_' ? '__' : '_';
      toggle(marker, i);
      i += marker.length;
      continue;
    }
    if (ch === '|' && text[i + 1] === '|') {
      toggle('||', i);
      i += 2;
      continue;
    }
    if (ch === '[') {
      stack.push({ marker: '[', at: i });
      i += 1;
      continue;
    }
    if (ch === ']' && stack.at(-1)?.marker === '[') {
      stack.pop();
      if (text[i + 1] !== '(') return { ok: false, error: `Can't parse entities: Character ']' is reserved and must be escaped with the preceding '\\'` };
      let j = i + 2;
      while (j < text.length && text[j] !== ')') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return { ok: false, error: `Can't parse entities: Can't find end of a url at byte offset ${byteOffset(text, i + 1)}` };
      i = j + 1;
      continue;
    }
    if (ch === '>' && lineStart) {
      i += 1;
      continue;
    }
    if (MD_RESERVED.has(ch)) {
      return { ok: false, error: `Can't parse entities: Character '${ch}' is reserved and must be escaped with the preceding '\\'` };
    }
    out += ch;
    i += 1;
  }
  const open = stack[0];
  if (open) return { ok: false, error: `Can't parse entities: Can't find end of ${MD_NAMES[open.marker] ?? 'the'} entity at byte offset ${byteOffset(text, open.at)}` };
  return { ok: true, text: out };
}

const HTML_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'code', 'pre', 'blockquote', 'tg-emoji']);
const HTML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

export function parseHtml(text: string): ParseResult {
  let out = '';
  const stack: Array<{ name: string; at: number }> = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '<') {
      const end = text.indexOf('>', i);
      const closing = text[i + 1] === '/';
      const name = /^[a-z][a-z0-9-]*/i.exec(text.slice(i + (closing ? 2 : 1)))?.[0]?.toLowerCase() ?? '';
      if (end === -1 || !name) {
        return { ok: false, error: `Can't parse entities: Unsupported start tag "${name}" at byte offset ${byteOffset(text, i)}` };
      }
      if (closing) {
        const top = stack.pop();
        if (!top) return { ok: false, error: `Can't parse entities: Unexpected end tag at byte offset ${byteOffset(text, i)}` };
        if (top.name !== name) {
          return { ok: false, error: `Can't parse entities: Unmatched end tag at byte offset ${byteOffset(text, i)}, expected "</${top.name}>", found "</${name}>"` };
        }
      } else {
        if (!HTML_TAGS.has(name)) return { ok: false, error: `Can't parse entities: Unsupported start tag "${name}" at byte offset ${byteOffset(text, i)}` };
        stack.push({ name, at: i });
      }
      i = end + 1;
      continue;
    }
    if (ch === '>') {
      return { ok: false, error: `Can't parse entities: Character '>' must be escaped as &gt; at byte offset ${byteOffset(text, i)}` };
    }
    if (ch === '&') {
      const m = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/i.exec(text.slice(i));
      if (m) {
        const name = m[1]!;
        out += name.startsWith('#x') || name.startsWith('#X')
          ? String.fromCodePoint(parseInt(name.slice(2), 16))
          : name.startsWith('#')
            ? String.fromCodePoint(Number(name.slice(1)))
            : HTML_ENTITIES[name.toLowerCase()]!;
        i += m[0].length;
        continue;
      }
    }
    out += ch;
    i += 1;
  }
  const open = stack.at(-1);
  if (open) return { ok: false, error: `Can't parse entities: Can't find end tag corresponding to start tag "${open.name}"` };
  return { ok: true, text: out };
}
