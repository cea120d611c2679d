/**
 * The turn text of a mail: its plain text body without the quoted reply history and the
 * signature. Deliberately simple (documented in docs/channels.md):
 * - everything from the first reply header on is history: "On … wrote:" (also wrapped onto
 *   two lines, and the German and French forms), "-----Original Message-----", an Outlook
 *   "From: …" block after a line of underscores;
 * - lines starting with ">" are quotes and are dropped wherever they stand;
 * - everything from the signature separator ("-- " alone on a line) on is the signature.
 * A body left empty falls back to the subject (without "Re:"/"Fwd:"), so a mail with only a
 * subject is a turn too.
 */

const REPLY_HEADER = [
  /^On\b.+\bwrote:$/i,
  /^Am\b.+\bschrieb\b.*:$/i,
  /^Le\b.+\ba écrit\s?:$/i,
  /^-{2,}\s*Original Message\s*-{2,}$/i,
  /^-{2,}\s*Forwarded message\s*-{2,}$/i,
  /^_{10,}$/,
];

const SIGNATURE = /^--\s?$/;

function isReplyHeader(line: string, next: string | undefined): boolean {
  const text = line.trim();
  if (REPLY_HEADER.some((re) => re.test(text))) return true;
  // Clients wrap a long "On <date>, <name> <address> wrote:" onto two lines.
  return next !== undefined && /^(On|Am|Le)\b/i.test(text) && REPLY_HEADER.slice(0, 3).some((re) => re.test(`${text} ${next.trim()}`));
}

/** The words of a plain text body that are new in this mail. */
export function stripReplyHistory(body: string): string {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (const [i, line] of lines.entries()) {
    if (SIGNATURE.test(line) || isReplyHeader(line, lines[i + 1])) break;
    if (/^\s*>/.test(line)) continue;
    kept.push(line.trimEnd());
  }
  return kept.join('\n').replace(/^\n+|\s+$/g, '');
}

/** A subject without its reply and forward prefixes. */
export function bareSubject(subject: string): string {
  return subject.replace(/^\s*((re|fwd?|aw|wg|tr)\s*(\[\d+\])?\s*:\s*)+/i, '').trim();
}

/** The text of the turn a mail asks for: its new words, else its subject; empty when it has neither. */
export function turnText(body: string | undefined, subject: string | undefined): string {
  return stripReplyHistory(body ?? '') || bareSubject(subject ?? '');
}
