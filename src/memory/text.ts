/**
 * Language helpers of memory, deterministic and dependency-free: what a fact is about
 * (subject and value, for contradictions), which words of a question are worth searching
 * for, and how to say a stored fact back to the person.
 */

/** Most words of a question used as search terms. */
export const MAX_QUERY_TERMS = 12;
/** Terms shorter than this are matched as prefixes ("tv" finds "tvs"), the short-query fallback. */
export const MIN_EXACT_TERM_CHARS = 3;
/** Longest subject (words) the generic "the … is …" pattern accepts. */
export const MAX_SUBJECT_WORDS = 5;

/** Words that say nothing about what is asked: articles, pronouns, question words, fillers. */
const STOPWORDS = new Set(
  (
    'a an the and or but if then so of to in on at by for from with about as into over after before ' +
    'is are was were be been being am do does did done have has had having will would shall should can could may might must ' +
    'i me my mine myself you your yours yourself we us our ours he him his she her hers it its they them their theirs ' +
    'this that these those there here what when where who whom whose which why how ' +
    'please tell know remember recall remind say said again ever any some all just also really very still ' +
    'not no yes s t d ll re ve m o'
  ).split(' '),
);

/** Lower case, typographic apostrophes made plain, spaces collapsed. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').replace(/[\u2018\u2019\u02bc]/g, "'").replace(/\s+/g, ' ').trim();
}

/** Lower-cased words of a text, split on anything that is not a letter or digit. */
export function words(text: string): string[] {
  return normalizeText(text)
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * The search terms of a question or message: its words minus stopwords and question words,
 * without duplicates, at most MAX_QUERY_TERMS. Only letters and digits survive, so a term can
 * be put into an FTS5 or tsquery expression as is.
 */
export function queryTerms(text: string): string[] {
  const terms: string[] = [];
  for (const word of words(text)) {
    if (STOPWORDS.has(word) || terms.includes(word)) continue;
    terms.push(word);
    if (terms.length >= MAX_QUERY_TERMS) break;
  }
  return terms;
}

/** A crude English stem for comparing words ("birthdays" ~ "birthday", "cities" ~ "city"). */
export function stem(word: string): string {
  const w = word.toLowerCase();
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

/** Whether a fact's text mentions every search term of a question (by stem): it answers it. */
export function answersQuestion(factText: string, terms: string[]): boolean {
  if (terms.length === 0) return false;
  const stems = new Set(words(factText).map(stem));
  return terms.every((t) => stems.has(stem(t)));
}

function normalizeSubject(subject: string): string {
  return normalizeText(subject)
    .toLowerCase()
    .replace(/^(the|a|an)\s+/, '')
    .replace(/[.!?,;:]+$/, '')
    .trim();
}

/** A value as compared for contradictions: lower case, no trailing punctuation, "3rd" = "3". */
export function normalizeValue(value: string): string {
  return normalizeText(value)
    .toLowerCase()
    .replace(/[.!?,;:]+$/, '')
    .replace(/\b(\d+)(st|nd|rd|th)\b/g, '$1')
    .replace(/^(on|at|in)\s+/, '')
    .replace(/^(the|a|an)\s+/, '')
    .trim();
}

/** What a fact says about what: `subject` is the key contradictions are detected on. */
export interface SubjectValue {
  subject: string;
  value: string;
}

const SUBJECT_PATTERNS: Array<[RegExp, (m: RegExpMatchArray) => SubjectValue | undefined]> = [
  [/^(?:my|our)\s+(.+?)\s+(?:is|are|was|were)\s+(.+)$/i, (m) => ({ subject: m[1]!, value: m[2]! })],
  [/^([\p{Lu}][\p{L}-]*)'s\s+(.+?)\s+(?:is|are|was|were)\s+(.+)$/u, (m) => ({ subject: `${m[1]}'s ${m[2]}`, value: m[3]! })],
  [/^i\s+live\s+in\s+(.+)$/i, (m) => ({ subject: 'home town', value: m[1]! })],
  [/^i\s+work\s+(?:at|for)\s+(.+)$/i, (m) => ({ subject: 'employer', value: m[1]! })],
  [/^i(?:'m|\s+am)\s+(\d+)\s+(?:years?\s+old|y\/?o)$/i, (m) => ({ subject: 'age', value: m[1]! })],
  [/^the\s+(.+?)\s+(?:is|are)\s+(.+)$/i, (m) => (m[1]!.split(' ').length <= MAX_SUBJECT_WORDS ? { subject: m[1]!, value: m[2]! } : undefined)],
];

/**
 * The subject and value of a simple statement ("my sister's birthday is May 3" →
 * "sister's birthday" / "may 3"), or undefined when the text is not one Mycel can compare.
 */
export function subjectOf(text: string): SubjectValue | undefined {
  const t = normalizeText(text).replace(/[.!]+$/, '');
  if (t.endsWith('?')) return undefined;
  for (const [pattern, build] of SUBJECT_PATTERNS) {
    const m = t.match(pattern);
    if (!m) continue;
    const sv = build(m);
    if (!sv) return undefined;
    const subject = normalizeSubject(sv.subject);
    const value = normalizeValue(sv.value);
    if (!subject || !value) return undefined;
    return { subject, value };
  }
  return undefined;
}

const SECOND_PERSON: Array<[RegExp, string]> = [
  [/\bI am\b/g, 'you are'],
  [/\bI'm\b/gi, "you're"],
  [/\bI was\b/g, 'you were'],
  [/\bI've\b/gi, "you've"],
  [/\bI'll\b/gi, "you'll"],
  [/\bI'd\b/gi, "you'd"],
  [/\bI\b/g, 'you'],
  [/\bmy\b/gi, 'your'],
  [/\bmine\b/gi, 'yours'],
  [/\bmyself\b/gi, 'yourself'],
  [/\bme\b/gi, 'you'],
  [/\bour\b/gi, 'your'],
  [/\bwe\b/gi, 'you'],
  [/\bus\b/g, 'you'],
];

/** A stored fact said back to its owner: "my sister's birthday is May 3" → "Your sister's birthday is May 3." */
export function toSecondPerson(text: string): string {
  let out = normalizeText(text);
  for (const [pattern, replacement] of SECOND_PERSON) out = out.replace(pattern, replacement);
  out = out.charAt(0).toUpperCase() + out.slice(1);
  return /[.!?]$/.test(out) ? out : `${out}.`;
}

/** A likely kind for a fact from its wording: likes are preferences, birthdays and dates events. */
export function guessKind(text: string): 'preference' | 'event' | 'fact' {
  const t = normalizeText(text).toLowerCase();
  if (/^(i|we)\s+(really\s+)?(like|love|prefer|hate|dislike|enjoy|don't like|do not like)\b/.test(t)) return 'preference';
  if (/\b(birthday|anniversary|appointment|wedding)\b/.test(t)) return 'event';
  return 'fact';
}
