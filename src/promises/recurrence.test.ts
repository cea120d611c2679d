import { describe, expect, it } from 'vitest';
import { describeRecurrence, nextOccurrence, scheduleSpecFor, type Recurrence } from './recurrence.js';
import { parseWhen } from './when.js';

const weekdays8: Recurrence = { kind: 'days', days: [1, 2, 3, 4, 5], hour: 8, minute: 0, timeZone: 'Europe/Berlin' };

describe('recurring rules', () => {
  it('find the next occurrence strictly after a time, skipping other days', () => {
    // Friday 14 March 2025 07:00 Berlin (06:00 UTC): 08:00 today is next.
    expect(nextOccurrence(weekdays8, new Date('2025-03-14T06:00:00Z')).toISOString()).toBe('2025-03-14T07:00:00.000Z');
    // Exactly at 08:00 Friday: the next one is Monday.
    expect(nextOccurrence(weekdays8, new Date('2025-03-14T07:00:00Z')).toISOString()).toBe('2025-03-17T07:00:00.000Z');
    // Across the DST switch (30 March): 08:00 stays 08:00 local.
    expect(nextOccurrence(weekdays8, new Date('2025-03-28T08:00:00Z')).toISOString()).toBe('2025-03-31T06:00:00.000Z');
  });

  it('count intervals from their anchor', () => {
    const every30: Recurrence = { kind: 'interval', minutes: 30, anchor: '2025-03-10T10:00:00.000Z' };
    expect(nextOccurrence(every30, new Date('2025-03-10T10:00:00Z')).toISOString()).toBe('2025-03-10T10:30:00.000Z');
    expect(nextOccurrence(every30, new Date('2025-03-10T11:10:00Z')).toISOString()).toBe('2025-03-10T11:30:00.000Z');
  });

  it('anchor interval rules on a whole second, as Schedules fire', () => {
    const result = parseWhen('every 5 minutes', { now: new Date('2025-03-10T10:00:00.750Z'), timeZone: 'UTC', horizonDays: 30 });
    expect(result).toMatchObject({ ok: true, recurrence: { anchor: '2025-03-10T10:00:00.000Z' } });
  });

  it('become Temporal Schedule specs: calendars in the zone, or intervals with an offset', () => {
    expect(scheduleSpecFor(weekdays8)).toEqual({
      calendars: [{ hour: 8, minute: 0, dayOfWeek: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] }],
      timezone: 'Europe/Berlin',
    });
    expect(scheduleSpecFor({ kind: 'interval', minutes: 60, anchor: '2025-03-10T10:20:05.000Z' })).toEqual({ intervals: [{ every: '3600s', offset: '1205s' }] });
  });

  it('read well', () => {
    expect(describeRecurrence(weekdays8)).toBe('every weekday at 08:00');
    expect(describeRecurrence({ ...weekdays8, days: [1, 4], minute: 30, hour: 18 })).toBe('every Monday and Thursday at 18:30');
    expect(describeRecurrence({ ...weekdays8, days: [1, 2, 3, 4, 5, 6, 7] })).toBe('every day at 08:00');
    expect(describeRecurrence({ kind: 'interval', minutes: 120, anchor: '2025-01-01T00:00:00Z' })).toBe('every 2 hours');
  });
});
