import { DateTime } from 'luxon';

/**
 * Recurring promises ("every weekday at 8", "every 30 minutes"): the rule as Mycel stores
 * it, its next occurrence, how it reads for a person, and the Temporal Schedule spec that
 * fires it. Pure: no clock, no I/O.
 */

/** ISO weekday numbers: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const ALL_DAYS: readonly Weekday[] = [1, 2, 3, 4, 5, 6, 7];
export const WEEKDAYS: readonly Weekday[] = [1, 2, 3, 4, 5];
export const WEEKEND: readonly Weekday[] = [6, 7];

/** Shortest interval of an interval rule ("every 5 minutes"). */
export const MIN_RECURRENCE_INTERVAL_MINUTES = 1;
/** Longest interval of an interval rule; longer ones read better as a day rule. */
export const MAX_RECURRENCE_INTERVAL_MINUTES = 7 * 24 * 60;

export type Recurrence =
  /** At a wall-clock time on some days of the week, in a time zone. */
  | { kind: 'days'; days: Weekday[]; hour: number; minute: number; timeZone: string }
  /** Every N minutes from an anchor instant (the creation time). */
  | { kind: 'interval'; minutes: number; anchor: string };

const DAY_NAMES = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
const TEMPORAL_DAY_NAMES = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
type TemporalDayName = (typeof TEMPORAL_DAY_NAMES)[number];

function sameDays(a: readonly Weekday[], b: readonly Weekday[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** "every weekday at 08:00", "every 30 minutes" — for replies and listings. */
export function describeRecurrence(rule: Recurrence): string {
  if (rule.kind === 'interval') {
    const { minutes } = rule;
    if (minutes % 60 === 0) return minutes === 60 ? 'every hour' : `every ${minutes / 60} hours`;
    return minutes === 1 ? 'every minute' : `every ${minutes} minutes`;
  }
  const at = `at ${pad(rule.hour)}:${pad(rule.minute)}`;
  if (sameDays(rule.days, ALL_DAYS)) return `every day ${at}`;
  if (sameDays(rule.days, WEEKDAYS)) return `every weekday ${at}`;
  if (sameDays(rule.days, WEEKEND)) return `every weekend day ${at}`;
  const names = rule.days.map((d) => DAY_NAMES[d]);
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0];
  return `every ${list} ${at}`;
}

/** The first occurrence strictly after `after`. */
export function nextOccurrence(rule: Recurrence, after: Date): Date {
  if (rule.kind === 'interval') {
    const every = rule.minutes * 60_000;
    const anchor = Date.parse(rule.anchor);
    const n = Math.max(1, Math.floor((after.getTime() - anchor) / every) + 1);
    return new Date(anchor + n * every);
  }
  let day = DateTime.fromJSDate(after, { zone: rule.timeZone }).startOf('day');
  // Eight days always contain the next matching weekday (today may already have passed).
  for (let i = 0; i < 8; i++) {
    const candidate = day.set({ hour: rule.hour, minute: rule.minute, second: 0, millisecond: 0 });
    if (rule.days.includes(candidate.weekday as Weekday) && candidate.toMillis() > after.getTime()) return candidate.toJSDate();
    day = day.plus({ days: 1 });
  }
  throw new Error(`no occurrence of ${describeRecurrence(rule)} within a week`);
}

/** A Temporal Schedule spec (client `ScheduleSpec` shape) that fires at each occurrence. */
export type RecurrenceScheduleSpec =
  | { calendars: Array<{ hour: number; minute: number; dayOfWeek: TemporalDayName[] }>; timezone: string }
  | { intervals: Array<{ every: string; offset: string }> };

export function scheduleSpecFor(rule: Recurrence): RecurrenceScheduleSpec {
  if (rule.kind === 'interval') {
    // Interval schedules fire at epoch + k·every + offset: the offset lines them up with the anchor.
    const every = rule.minutes * 60_000;
    const offset = ((Date.parse(rule.anchor) % every) + every) % every;
    return { intervals: [{ every: `${every / 1000}s`, offset: `${Math.round(offset / 1000)}s` }] };
  }
  return {
    calendars: [{ hour: rule.hour, minute: rule.minute, dayOfWeek: rule.days.map((d) => TEMPORAL_DAY_NAMES[d]) }],
    timezone: rule.timeZone,
  };
}
