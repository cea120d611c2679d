/**
 * The turn text of a mail: its plain text body without the quoted reply history and the
 * signature. Deliberately simple (documented in docs/channels.md):
 * - lines starting with ">" are quotes and are dropped wherever they stand, with the
 *   "On … wrote:" line that introduces them (also wrapped onto two lines, and the German and
 *   French forms), so an answer written below the quote is kept;
 * - everything from "-----Original Message-----", "---------- Forwarded message ----------" or
 *   an Outlook line of underscores on is history;
 * - everything from the signature separator ("-- " alone on a line) on is the signature.
 * A body left empty falls back to the subject (without "Re:"/"Fwd:"), so a mail with only a
 * subject is a turn too.
 */

/** "On … wrote:" and its German and French forms: the line that introduces a `>` quote. */
const QUOTE_INTRO = [/^On\b.+\bwrote:$/i, /^Am\b.+\bschrieb\b.*:$/i, /^Le\b.+\ba écrit\s?:$/i];
/** Lines after which everything is history, unquoted (Outlook and forwards). */
const HISTORY_START = [/^-{2,}\s*Original Message\s*-{2,}$/i, /^-{2,}\s*Forwarded message\s*-{2,}$/i, /^_{10,}$/];

const SIGNATURE = /^--\s?$/;

/** How many lines (1 or 2: clients wrap a long one) an "On … wrote:" line takes at `i`, or 0. */
function quoteIntro(lines: string[], i: number): number {
  const line = lines[i]!.trim();
  if (QUOTE_INTRO.some((re) => re.test(line))) return 1;
  const next = lines[i + 1]?.trim();
  return next !== undefined && /^(On|Am|Le)\b/i.test(line) && QUOTE_INTRO.some((re) => re.test(`${line} ${next}`)) ? 2 : 0;
}

/** The words of a plain text body that are new in this mail. */
export function stripReplyHistory(body: string): string {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (SIGNATURE.test(line) || HISTORY_START.some((re) => re.test(line.trim()))) break;
    const intro = quoteIntro(lines, i);
    if (intro) {
      // The quote it introduces is dropped line by line: an answer written below it stays.
      i += intro - 1;
      continue;
    }
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
