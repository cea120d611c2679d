import { describe, expect, it } from 'vitest';
import { parseScheduleArgs } from './when.js';

const ctx = { now: new Date('2026-12-04T11:00:00Z'), timeZone: 'UTC', horizonDays: 365 };

describe('/schedule <when> <what>', () => {
  it.each([
    ['in 30s /sh echo hi', 'once', '/sh echo hi'],
    ['10s /run daily-digest', 'once', '/run daily-digest'],
    ['every day 9:00 /sh date', 'recurring', '/sh date'],
    ['every weekday at 8 tell me the weather', 'recurring', 'tell me the weather'],
    ['every 2 minutes /reminders', 'recurring', '/reminders'],
    ['tomorrow at 9 summarise my notes', 'once', 'summarise my notes'],
  ])('reads %s', (args, kind, what) => {
    const r = parseScheduleArgs(args, ctx);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.parsed.kind).toBe(kind);
    expect(r.text).toBe(what);
  });

  it('refuses a missing time, a missing what, and a past time, saying why', () => {
    const bad = parseScheduleArgs('whenever /sh date', ctx);
    expect(bad).toMatchObject({ ok: false, reason: 'unparsable' });
    if (!bad.ok) expect(bad.message).toMatch(/scheduled nothing/);
    expect(parseScheduleArgs('in 10m', ctx)).toMatchObject({ ok: false, reason: 'missing-text' });
    expect(parseScheduleArgs('2020-01-01T09:00 /sh date', ctx)).toMatchObject({ ok: false });
  });
});
