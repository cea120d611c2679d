// English only: the package's root entry loads every locale (about 900 modules).
import * as chrono from 'chrono-node/en';
import { DateTime, IANAZone } from 'luxon';
import {
  ALL_DAYS,
  MAX_RECURRENCE_INTERVAL_MINUTES,
  MIN_RECURRENCE_INTERVAL_MINUTES,
  WEEKDAYS,
  WEEKEND,
  describeRecurrence,
  nextOccurrence,
  type Recurrence,
  type Weekday,
} from './recurrence.js';

/**
 * Parsing the `<when>` of a promise: the contract's forms (`in 30s`, `30s`, `in 10m`,
 * `10m`, `2h`, `17:30`, an ISO time) and natural phrasings ("in half an hour", "5pm",
 * "tomorrow at 9", "next monday 18:00"), all one-off forms but ISO read by chrono-node; and
 * Mycel's own grammar of recurring rules ("every weekday at 8", "every 30 minutes").
 * Pure: the caller passes the time ("now") and the chat's time zone.
 *
 * Rules a person can rely on (also in the README):
 * - `17:30`, `5pm`, `at 9` mean the next such wall-clock time in the chat's time zone:
 *   today if it is still ahead, otherwise tomorrow.
 * - A day without a time ("tomorrow", "next monday", `2025-06-01`) means 09:00 there.
 * - An ISO time without an offset is wall-clock time in the chat's time zone; with `Z`
 *   or an offset it is that instant.
 * - Durations count from "now" in real time (a DST change does not stretch "in 2h").
 */

/** The time of day a reminder gets when only a day was given. */
export const DEFAULT_REMINDER_HOUR = 9;
/** Longest reminder text (characters). */
export const MAX_REMINDER_TEXT_CHARS = 500;

export interface WhenContext {
  /** The reference instant (the turn's time). */
  now: Date;
  /** IANA time zone of the chat. */
  timeZone: string;
  /** How far ahead a promise may be due, in days. */
  horizonDays: number;
}

/** A time that was understood and is acceptable. */
export type ParsedWhen =
  | { kind: 'once'; dueAt: Date }
  | { kind: 'recurring'; recurrence: Recurrence; firstDueAt: Date };

export type WhenFailure = {
  reason: 'unparsable' | 'past' | 'too-far' | 'too-frequent' | 'missing-text' | 'text-too-long';
  /** A reply for a person: what was wrong and the accepted forms. */
  message: string;
};

export type WhenResult = ({ ok: true } & ParsedWhen) | ({ ok: false } & WhenFailure);

/** A reminder request split into its time and its text. */
export type ReminderRequest = { ok: true; when: string; text: string; parsed: ParsedWhen } | ({ ok: false } & WhenFailure);

/** The accepted forms, for replies to times that were not understood. */
export function acceptedForms(timeZone: string, horizonDays: number): string {
  return [
    'Accepted forms: in 30s, 30s, in 10m, 10m, 2h, 1h30m, in 2 hours;',
    `17:30 or 5pm (the next such time in your time zone, ${timeZone}: today, or tomorrow if it has passed);`,
    'an ISO time such as 2030-06-01T09:00 (your time zone unless it ends in Z or an offset);',
    'tomorrow at 9, next monday 18:00;',
    'every day 9:00, every weekday at 8, every monday and thursday at 18:30, every 30 minutes.',
    `At most ${horizonDays} days ahead.`,
  ].join(' ');
}

// ---------------------------------------------------------------------------------------
// Units of the interval rules ("every 30 minutes", "every 2h"). One-off durations ("30s",
// "in half an hour", "1h30m") are read by chrono-node (below).

const UNIT_MS: Record<string, number> = {
  s: 1_000, sec: 1_000, secs: 1_000, second: 1_000, seconds: 1_000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, wk: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};
const UNIT = '(?:seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wk|w)';

// ---------------------------------------------------------------------------------------
// Wall-clock times of the day rules ("every day at 9", "daily at 7am"). One-off clock
// times ("17:30", "5pm", "at 9") are recognized by chrono-node and rolled by nextClockTime.

const CLOCK = '(?:at\\s+)?(\\d{1,2})(?:[:.h](\\d{2}))?\\s*(am|pm|a\\.m\\.|p\\.m\\.)?';
const CLOCK_AT_START = new RegExp(`^${CLOCK}(?=$|[\\s,;!?])`, 'i');

interface Clock {
  hour: number;
  minute: number;
}

/** Reads a clock match; a bare number needs "at" or am/pm to count as a time. */
function clockFrom(m: RegExpMatchArray): Clock | undefined {
  const whole = m[0]!.toLowerCase();
  let hour = Number(m[1]);
  const minute = m[2] === undefined ? 0 : Number(m[2]);
  const meridiem = m[3]?.toLowerCase().replace(/\./g, '');
  if (m[2] === undefined && !meridiem && !whole.startsWith('at')) return undefined;
  if (minute > 59) return undefined;
  if (meridiem) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (meridiem === 'pm' ? 12 : 0);
  } else if (hour > 23) {
    return undefined;
  }
  return { hour, minute };
}

/** The next time the wall clock of `zone` shows hour:minute, strictly after `now`. */
function nextClockTime(clock: Clock, now: Date, zone: string): Date {
  const local = DateTime.fromJSDate(now, { zone });
  let candidate = local.set({ hour: clock.hour, minute: clock.minute, second: 0, millisecond: 0 });
  if (candidate.toMillis() <= now.getTime()) candidate = candidate.plus({ days: 1 }).set({ hour: clock.hour, minute: clock.minute });
  return candidate.toJSDate();
}

// ---------------------------------------------------------------------------------------
// ISO times: 2030-06-01T09:00, 2030-06-01 09:00:00Z, 2030-06-01T09:00+02:00, 2030-06-01

const ISO_AT_START = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?(?=$|\s)/i;

function isoTime(text: string, zone: string): Date | undefined {
  const hasTime = /[T ]\d{2}:\d{2}/.test(text);
  const parsed = DateTime.fromISO(text.replace(' ', 'T'), { zone });
  if (!parsed.isValid) return undefined;
  return (hasTime ? parsed : parsed.set({ hour: DEFAULT_REMINDER_HOUR, minute: 0 })).toJSDate();
}

// ---------------------------------------------------------------------------------------
// Recurring rules: "every day 9:00", "every weekday at 8", "every monday and friday at
// 18:30", "daily at 7am", "every 30 minutes", "every hour"

const DAY_WORDS: Record<string, Weekday> = {
  monday: 1, mon: 1, tuesday: 2, tue: 2, tues: 2, wednesday: 3, wed: 3, thursday: 4, thu: 4, thurs: 4,
  friday: 5, fri: 5, saturday: 6, sat: 6, sunday: 7, sun: 7,
};
const DAY_NAME = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs)?|fri|sat|sun)s?';
const DAY_SET = `(?:day|weekdays?|weekends?(?:\\s+days?)?|working\\s+days?|${DAY_NAME}(?:(?:\\s*,\\s*|\\s+and\\s+|\\s*&\\s*)${DAY_NAME})*)`;
const RECUR_DAYS_AT_START = new RegExp(`^(?:every\\s+(${DAY_SET})|(daily)|(weekdays)|(on\\s+weekdays))(?=$|[\\s,;!?])`, 'i');
const RECUR_INTERVAL_AT_START = new RegExp(`^(?:every\\s+(?:(\\d+)\\s*)?(${UNIT})|(hourly))(?=$|[\\s,;!?])`, 'i');

function daysFrom(word: string): Weekday[] {
  const w = word.toLowerCase();
  if (w === 'day' || w === 'daily') return [...ALL_DAYS];
  if (/^(weekdays?|on\s+weekdays|working\s+days?)$/.test(w)) return [...WEEKDAYS];
  if (/^weekends?/.test(w)) return [...WEEKEND];
  const days = new Set<Weekday>();
  for (const name of w.split(/\s*(?:,|and|&)\s*/)) {
    const day = DAY_WORDS[name.replace(/s$/, '')] ?? DAY_WORDS[name];
    if (day) days.add(day);
  }
  return [...days].sort((a, b) => a - b);
}

interface Match<T> {
  /** How many characters of the input the time expression spans. */
  length: number;
  value: T;
}

type Recognized = { kind: 'once'; dueAt: Date } | { kind: 'recurring'; recurrence: Recurrence } | { kind: 'invalid'; failure: WhenFailure };

/** Temporal Schedules fire on whole seconds: interval rules are anchored on one. */
function wholeSecond(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 1000) * 1000);
}

function recurringAtStart(text: string, ctx: WhenContext): Match<Recognized> | undefined {
  const interval = RECUR_INTERVAL_AT_START.exec(text);
  if (interval) {
    const unit = (interval[2] ?? 'hour').toLowerCase();
    const perUnit = UNIT_MS[unit]! / 60_000;
    const minutes = (interval[1] ? Number(interval[1]) : 1) * perUnit;
    if (unit.startsWith('d') || unit.startsWith('w')) {
      // "every day" / "every week" are day rules, not intervals: let the day rule read them.
      if (!interval[1]) return recurringDaysAtStart(text, ctx);
    }
    if (minutes < MIN_RECURRENCE_INTERVAL_MINUTES || minutes > MAX_RECURRENCE_INTERVAL_MINUTES || !Number.isInteger(minutes)) {
      return {
        length: interval[0].length,
        value: {
          kind: 'invalid',
          failure: {
            reason: 'too-frequent',
            message: `A repeating reminder needs an interval of whole minutes from ${MIN_RECURRENCE_INTERVAL_MINUTES} minute to ${MAX_RECURRENCE_INTERVAL_MINUTES / 1440} days; for longer gaps use a day rule such as "every monday at 9".`,
          },
        },
      };
    }
    return { length: interval[0].length, value: { kind: 'recurring', recurrence: { kind: 'interval', minutes, anchor: wholeSecond(ctx.now).toISOString() } } };
  }
  return recurringDaysAtStart(text, ctx);
}

function recurringDaysAtStart(text: string, ctx: WhenContext): Match<Recognized> | undefined {
  const m = RECUR_DAYS_AT_START.exec(text);
  if (!m) return undefined;
  const days = daysFrom(m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
  if (!days.length) return undefined;
  let clock: Clock = { hour: DEFAULT_REMINDER_HOUR, minute: 0 };
  let length = m[0].length;
  const rest = text.slice(length);
  const gap = /^\s+/.exec(rest)?.[0].length ?? 0;
  const clockMatch = gap ? CLOCK_AT_START.exec(rest.slice(gap)) : null;
  if (clockMatch) {
    // "every day 9 water the plants": a bare number right after the days is an hour.
    const bare = clockMatch[2] === undefined && !clockMatch[3] && Number(clockMatch[1]) <= 23 ? { hour: Number(clockMatch[1]), minute: 0 } : undefined;
    const read = clockFrom(clockMatch) ?? bare;
    if (read) {
      clock = read;
      length += gap + clockMatch[0].length;
    }
  }
  return { length, value: { kind: 'recurring', recurrence: { kind: 'days', days, hour: clock.hour, minute: clock.minute, timeZone: ctx.timeZone } } };
}

// ---------------------------------------------------------------------------------------
// Recognizers: each reads a time expression at the start of the text.

function isoAtStart(text: string, ctx: WhenContext): Match<Recognized> | undefined {
  const m = ISO_AT_START.exec(text);
  if (!m) return undefined;
  const dueAt = isoTime(m[0], ctx.timeZone);
  if (!dueAt) return undefined;
  return { length: m[0].length, value: { kind: 'once', dueAt } };
}

/**
 * chrono-node reads every one-off form but ISO times: durations ("30s", "in 10m", "1h30m",
 * "in half an hour"), times of day ("17:30", "5pm", "at 9") and phrases ("tomorrow at 9",
 * "next monday 18:00", "on friday at noon").
 */
function chronoResults(text: string, ctx: WhenContext): chrono.ParsedResult[] {
  const offset = DateTime.fromJSDate(ctx.now, { zone: ctx.timeZone }).offset;
  return chrono.parse(text, { instant: ctx.now, timezone: offset }, { forwardDate: true });
}

const CASUAL_TIME_TAG = /^(casualReference\/(tonight|morning|afternoon|evening|noon|midnight)|parser\/ENCasualTimeParser)$/;

/** A chrono result's instant: its wall-clock reading in the chat's zone (09:00 when only a day was said). */
function chronoInstant(result: chrono.ParsedResult, ctx: WhenContext): Date {
  const start = result.start;
  // Durations ("30s", "in half an hour", "2d") count from now in real time.
  if (start.isCertain('timezoneOffset') || result.tags().has('result/relativeDate') || result.tags().has('result/relativeDateAndTime')) return result.date();
  // A time of day alone ("17:30", "5pm", "at 9"): the next one on the chat's clock, today or tomorrow.
  if (start.isCertain('hour') && !start.isCertain('day') && !start.isCertain('weekday') && ![...result.tags()].some((tag) => tag.startsWith('casualReference'))) {
    return nextClockTime({ hour: start.get('hour') ?? 0, minute: start.get('minute') ?? 0 }, ctx.now, ctx.timeZone);
  }
  // chrono implies the current hour for "tomorrow" but a sensible one for "tonight", "this evening".
  const timeSaid = start.isCertain('hour') || [...result.tags()].some((tag) => CASUAL_TIME_TAG.test(tag));
  const local = DateTime.fromObject(
    {
      year: start.get('year') ?? undefined,
      month: start.get('month') ?? undefined,
      day: start.get('day') ?? undefined,
      hour: timeSaid ? (start.get('hour') ?? 0) : DEFAULT_REMINDER_HOUR,
      minute: timeSaid ? (start.get('minute') ?? 0) : 0,
      second: timeSaid ? (start.get('second') ?? 0) : 0,
    },
    { zone: ctx.timeZone },
  );
  return local.toJSDate();
}

function chronoAtStart(text: string, ctx: WhenContext): Match<Recognized> | undefined {
  const result = chronoResults(text, ctx).find((r) => r.index === 0);
  if (!result) return undefined;
  return { length: result.text.length, value: { kind: 'once', dueAt: chronoInstant(result, ctx) } };
}

const RECOGNIZERS = [recurringAtStart, isoAtStart, chronoAtStart];

/** The longest time expression at the start of `text`, if any. */
function recognizeAtStart(text: string, ctx: WhenContext): Match<Recognized> | undefined {
  let best: Match<Recognized> | undefined;
  for (const recognize of RECOGNIZERS) {
    const match = recognize(text, ctx);
    if (match && (!best || match.length > best.length)) best = match;
    // The contract's own forms win over chrono's reading of the same words.
    if (best && recognize !== chronoAtStart && best.length === text.length) break;
  }
  return best;
}

// ---------------------------------------------------------------------------------------
// Validation

function validate(recognized: Recognized, ctx: WhenContext, said: string): WhenResult {
  const forms = acceptedForms(ctx.timeZone, ctx.horizonDays);
  if (recognized.kind === 'invalid') return { ok: false, ...recognized.failure };
  const horizon = ctx.now.getTime() + ctx.horizonDays * 86_400_000;
  const dueAt = recognized.kind === 'once' ? recognized.dueAt : nextOccurrence(recognized.recurrence, ctx.now);
  if (Number.isNaN(dueAt.getTime())) {
    return { ok: false, reason: 'unparsable', message: `I could not read "${said}" as a time. ${forms}` };
  }
  if (dueAt.getTime() <= ctx.now.getTime()) {
    const shown = formatInZone(dueAt, ctx.timeZone);
    return { ok: false, reason: 'past', message: `"${said}" is ${shown}, which is not in the future, so I set no reminder. ${forms}` };
  }
  if (dueAt.getTime() > horizon) {
    return {
      ok: false,
      reason: 'too-far',
      message: `"${said}" is more than ${ctx.horizonDays} days ahead (the limit for promises), so I set no reminder. ${forms}`,
    };
  }
  return recognized.kind === 'once'
    ? { ok: true, kind: 'once', dueAt }
    : { ok: true, kind: 'recurring', recurrence: recognized.recurrence, firstDueAt: dueAt };
}

/** Whether `zone` is an IANA time zone luxon (and the Temporal server) understand. */
export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

function checkContext(ctx: WhenContext): void {
  if (!isValidTimeZone(ctx.timeZone)) throw new RangeError(`"${ctx.timeZone}" is not an IANA time zone`);
  if (Number.isNaN(ctx.now.getTime())) throw new RangeError('now is not a valid time');
}

// ---------------------------------------------------------------------------------------
// Public entry points

/**
 * Parses a whole text as a time (`10m`, `17:30`, `tomorrow at 9`, `every weekday at 8`).
 * Anything left over that is not part of the time makes it unparsable.
 */
export function parseWhen(text: string, ctx: WhenContext): WhenResult {
  checkContext(ctx);
  const said = text.trim().replace(/\s+/g, ' ');
  const match = said ? recognizeAtStart(said, ctx) : undefined;
  if (!match || said.slice(match.length).trim() !== '') {
    return {
      ok: false,
      reason: 'unparsable',
      message: `I could not read "${said}" as a time, so I set no reminder. ${acceptedForms(ctx.timeZone, ctx.horizonDays)}`,
    };
  }
  return validate(match.value, ctx, said);
}

function cleanText(text: string): string {
  return text
    .trim()
    .replace(/^(?:[-:,]\s*)?(?:to|that|about|of)\s+/i, '')
    .replace(/^[-:,]\s*/, '')
    .replace(/[\s,]+$/, '')
    .trim();
}

function checkText(text: string, when: string, parsed: ParsedWhen, ctx: WhenContext): ReminderRequest {
  if (!text) {
    return {
      ok: false,
      reason: 'missing-text',
      message: `What should I remind you of? Say the time first, then the text, for example: /remind ${when} stretch`,
    };
  }
  if (text.length > MAX_REMINDER_TEXT_CHARS) {
    return { ok: false, reason: 'text-too-long', message: `A reminder's text may be at most ${MAX_REMINDER_TEXT_CHARS} characters; this one has ${text.length}.` };
  }
  void ctx;
  return { ok: true, when, text, parsed };
}

/**
 * Splits `/remind <when> <text>` arguments: the longest time expression at the start is
 * the when, the rest (without a leading "to") is the text.
 */
export function parseReminderArgs(args: string, ctx: WhenContext): ReminderRequest {
  checkContext(ctx);
  const said = args.trim().replace(/\s+/g, ' ');
  const match = said ? recognizeAtStart(said, ctx) : undefined;
  if (!match) {
    const first = said.split(' ').slice(0, 2).join(' ');
    return {
      ok: false,
      reason: 'unparsable',
      message: `I could not find a time at the start of "${said || '(nothing)'}"${first ? ` ("${first}" is not one)` : ''}, so I set no reminder. Usage: /remind <when> <text>, for example /remind 10m stretch. ${acceptedForms(ctx.timeZone, ctx.horizonDays)}`,
    };
  }
  const when = said.slice(0, match.length).trim();
  const checked = validate(match.value, ctx, when);
  if (!checked.ok) return checked;
  return checkText(cleanText(said.slice(match.length)), when, checked, ctx);
}

/** Longest `<what>` of a scheduled promise (a chat command or a request for the model). */
export const MAX_SCHEDULED_WHAT_CHARS = 2_000;

/**
 * Reads `/schedule <when> <what>`: the time at the start (every form `/remind` takes, the
 * recurring ones too), then what to run — a chat command (`/sh date`, `/run daily-digest`)
 * or a request for the model brain.
 */
export function parseScheduleArgs(args: string, ctx: WhenContext): ReminderRequest {
  checkContext(ctx);
  const said = args.trim().replace(/\s+/g, ' ');
  const usage = 'Usage: /schedule <when> <what>, for example /schedule every weekday at 8 /sh date, or /schedule tomorrow at 9 summarise my notes.';
  const match = said ? recognizeAtStart(said, ctx) : undefined;
  if (!match) {
    const first = said.split(' ').slice(0, 2).join(' ');
    return {
      ok: false,
      reason: 'unparsable',
      message: `I could not find a time at the start of "${said || '(nothing)'}"${first ? ` ("${first}" is not one)` : ''}, so I scheduled nothing. ${usage} ${acceptedForms(ctx.timeZone, ctx.horizonDays)}`,
    };
  }
  const when = said.slice(0, match.length).trim();
  const checked = validate(match.value, ctx, when);
  if (!checked.ok) return checked;
  const what = said.slice(match.length).trim().replace(/^[-:,]\s*/, '').trim();
  if (!what) return { ok: false, reason: 'missing-text', message: `What should run ${when}? ${usage}` };
  if (what.length > MAX_SCHEDULED_WHAT_CHARS) {
    return { ok: false, reason: 'text-too-long', message: `What a schedule runs may be at most ${MAX_SCHEDULED_WHAT_CHARS} characters; this has ${what.length}.` };
  }
  return { ok: true, when, text: what, parsed: checked };
}

/** "remind me …", "please remind me …", "can you remind me …", "set a reminder …". */
const PHRASE = /^(?:(?:hey|ok|okay)[,!]?\s+)?(?:(?:please|pls|could you|can you|would you)\s+)?(?:remind\s+me|set\s+(?:a|me\s+a)\s+reminder|reminder)\b[\s,:]*([\s\S]*?)[\s.!?]*(?:please)?[\s.!?]*$/i;

/**
 * Reads a natural request ("remind me in 10 minutes to stretch", "remind me to call mum
 * tomorrow at 9", "remind me every weekday at 8 to stand up"). Returns undefined when the
 * message is not a reminder request at all; a failure when it is one but the time is bad.
 */
export function parseReminderPhrase(message: string, ctx: WhenContext): ReminderRequest | undefined {
  checkContext(ctx);
  const m = PHRASE.exec(message.trim());
  if (!m) return undefined;
  const rest = m[1]!.replace(/\s+/g, ' ').trim().replace(/^for\s+/i, '');
  // The time first: "remind me in 10 minutes to stretch".
  const leading = rest ? recognizeAtStart(rest, ctx) : undefined;
  if (leading) {
    const when = rest.slice(0, leading.length).trim();
    const checked = validate(leading.value, ctx, when);
    if (!checked.ok) return checked;
    return checkText(cleanText(rest.slice(leading.length)), when, checked, ctx);
  }
  // The time last: "remind me to call mum tomorrow at 9", "… in 20 minutes", "… every day at 8".
  const found = findTimeInside(rest, ctx);
  if (!found) {
    return {
      ok: false,
      reason: 'unparsable',
      message: `I understood that you want a reminder, but not when. Say it like "remind me in 10 minutes to stretch" or "remind me tomorrow at 9 to call mum". ${acceptedForms(ctx.timeZone, ctx.horizonDays)}`,
    };
  }
  const when = rest.slice(found.index, found.index + found.length).trim();
  const checked = validate(found.value, ctx, when);
  if (!checked.ok) return checked;
  const text = cleanText(`${rest.slice(0, found.index)} ${rest.slice(found.index + found.length)}`.replace(/\s+/g, ' '));
  return checkText(text, when, checked, ctx);
}

/** The first time expression inside a text (not at its start). */
function findTimeInside(text: string, ctx: WhenContext): (Match<Recognized> & { index: number }) | undefined {
  const every = /\b(?:every|daily|hourly)\b/i.exec(text);
  if (every) {
    const match = recurringAtStart(text.slice(every.index), ctx);
    if (match) return { ...match, index: every.index };
  }
  const iso = /\b\d{4}-\d{2}-\d{2}/.exec(text);
  if (iso) {
    const match = isoAtStart(text.slice(iso.index), ctx);
    if (match) return { ...match, index: iso.index };
  }
  const result = chronoResults(text, ctx)[0];
  if (result) return { index: result.index, length: result.text.length, value: { kind: 'once', dueAt: chronoInstant(result, ctx) } };
  return undefined;
}

/** "Tue 11 Mar, 09:00 (Europe/Berlin)" — a due time as the chat reads it. */
export function formatInZone(at: Date | string, timeZone: string): string {
  const dt = DateTime.fromJSDate(typeof at === 'string' ? new Date(at) : at, { zone: timeZone });
  return `${dt.toFormat('ccc d LLL yyyy, HH:mm')}${dt.second ? dt.toFormat(':ss') : ''} (${timeZone})`;
}

/** A short description of a parsed time, for confirmations. */
export function describeWhen(parsed: ParsedWhen, timeZone: string): string {
  return parsed.kind === 'once'
    ? formatInZone(parsed.dueAt, timeZone)
    : `${describeRecurrence(parsed.recurrence)}${parsed.recurrence.kind === 'days' ? ` (${timeZone})` : ''}, first ${formatInZone(parsed.firstDueAt, timeZone)}`;
}
