import { describe, expect, it } from 'vitest';
import { parseReminderArgs, parseReminderPhrase, parseWhen, type WhenContext } from './when.js';

// Monday 10 March 2025, 11:15 in Berlin (UTC+1), 06:15 in New York (UTC-4).
const NOW = new Date('2025-03-10T10:15:00Z');
const berlin: WhenContext = { now: NOW, timeZone: 'Europe/Berlin', horizonDays: 365 };
const utc: WhenContext = { now: NOW, timeZone: 'UTC', horizonDays: 365 };

function dueAt(text: string, ctx: WhenContext = berlin): string {
  const result = parseWhen(text, ctx);
  if (!result.ok) throw new Error(`expected "${text}" to parse: ${result.message}`);
  if (result.kind !== 'once') throw new Error(`expected "${text}" to be a one-off`);
  return result.dueAt.toISOString();
}

describe('parseWhen: the contract forms', () => {
  it.each([
    ['in 30s', '2025-03-10T10:15:30.000Z'],
    ['30s', '2025-03-10T10:15:30.000Z'],
    ['in 10m', '2025-03-10T10:25:00.000Z'],
    ['10m', '2025-03-10T10:25:00.000Z'],
    ['2h', '2025-03-10T12:15:00.000Z'],
    ['1h30m', '2025-03-10T11:45:00.000Z'],
    ['1h 30m', '2025-03-10T11:45:00.000Z'],
    ['in 2 hours and 15 minutes', '2025-03-10T12:30:00.000Z'],
    ['in half an hour', '2025-03-10T10:45:00.000Z'],
    ['in an hour', '2025-03-10T11:15:00.000Z'],
    ['90 seconds', '2025-03-10T10:16:30.000Z'],
    ['1.5h', '2025-03-10T11:45:00.000Z'],
    ['2d', '2025-03-12T10:15:00.000Z'],
    ['IN 10 MIN', '2025-03-10T10:25:00.000Z'],
  ])('%s → %s', (text, expected) => {
    expect(dueAt(text)).toBe(expected);
  });

  it('reads 17:30 as today in the chat time zone while it is still ahead', () => {
    expect(dueAt('17:30')).toBe('2025-03-10T16:30:00.000Z'); // 17:30 Berlin = 16:30 UTC
    expect(dueAt('17:30', utc)).toBe('2025-03-10T17:30:00.000Z');
    expect(dueAt('17:30', { ...berlin, timeZone: 'America/New_York' })).toBe('2025-03-10T21:30:00.000Z');
  });

  it('reads a bare HH:MM that has passed today as tomorrow', () => {
    expect(dueAt('09:00')).toBe('2025-03-11T08:00:00.000Z'); // 09:00 Berlin passed at 11:15
    expect(dueAt('11:15')).toBe('2025-03-11T10:15:00.000Z'); // exactly now counts as passed
    expect(dueAt('11:16')).toBe('2025-03-10T10:16:00.000Z');
  });

  it('reads 12-hour clocks and "at 9"', () => {
    expect(dueAt('5pm')).toBe('2025-03-10T16:00:00.000Z');
    expect(dueAt('7:30 am')).toBe('2025-03-11T06:30:00.000Z');
    expect(dueAt('at 9')).toBe('2025-03-11T08:00:00.000Z');
    expect(dueAt('at 21')).toBe('2025-03-10T20:00:00.000Z');
    expect(dueAt('12am')).toBe('2025-03-10T23:00:00.000Z'); // midnight Berlin
  });

  it('reads ISO times: with an offset as that instant, without one in the chat time zone', () => {
    expect(dueAt('2025-03-11T08:00:00Z')).toBe('2025-03-11T08:00:00.000Z');
    expect(dueAt('2025-03-11T08:00:00+02:00')).toBe('2025-03-11T06:00:00.000Z');
    expect(dueAt('2025-03-11T08:00')).toBe('2025-03-11T07:00:00.000Z');
    expect(dueAt('2025-03-11 08:00')).toBe('2025-03-11T07:00:00.000Z');
    expect(dueAt('2025-03-11T08:00:00.250Z')).toBe('2025-03-11T08:00:00.250Z');
    expect(dueAt('2025-03-12')).toBe('2025-03-12T08:00:00.000Z'); // a day alone: 09:00 there
  });

  it('reads natural phrases in the chat time zone, 09:00 when only a day is said', () => {
    expect(dueAt('tomorrow at 9')).toBe('2025-03-11T08:00:00.000Z');
    expect(dueAt('tomorrow')).toBe('2025-03-11T08:00:00.000Z');
    expect(dueAt('next monday 18:00')).toBe('2025-03-17T17:00:00.000Z');
    expect(dueAt('on friday at noon')).toBe('2025-03-14T11:00:00.000Z');
    expect(dueAt('tonight')).toBe('2025-03-10T21:00:00.000Z'); // chrono's 22:00 Berlin
    expect(dueAt('tomorrow at 9', utc)).toBe('2025-03-11T09:00:00.000Z');
  });

  it('follows DST: wall-clock phrases move with the zone, durations count real time', () => {
    // Berlin switches to UTC+2 on Sunday 30 March 2025 at 02:00.
    const ctx: WhenContext = { ...berlin, now: new Date('2025-03-29T12:00:00Z') };
    expect(dueAt('tomorrow at 9', ctx)).toBe('2025-03-30T07:00:00.000Z');
    expect(dueAt('17:30', ctx)).toBe('2025-03-29T16:30:00.000Z');
    expect(dueAt('in 24h', ctx)).toBe('2025-03-30T12:00:00.000Z');
  });
});

describe('parseWhen: one-off times read by chrono-node', () => {
  // Monday 10 March 2025, 19:00 in Berlin: 17:30 and 5pm have passed today.
  const evening: WhenContext = { ...berlin, now: new Date('2025-03-10T18:00:00Z') };

  it('rolls 17:30 and 5pm that have passed today to tomorrow, on the chat clock', () => {
    expect(dueAt('17:30', evening)).toBe('2025-03-11T16:30:00.000Z');
    expect(dueAt('5pm', evening)).toBe('2025-03-11T16:00:00.000Z');
    expect(dueAt('at 21', evening)).toBe('2025-03-10T20:00:00.000Z');
  });

  it('reads "in half an hour" and other durations from now, also at the start of /remind', () => {
    expect(dueAt('in half an hour', evening)).toBe('2025-03-10T18:30:00.000Z');
    expect(dueAt('half an hour', evening)).toBe('2025-03-10T18:30:00.000Z');
    expect(dueAt('in 2 hours, 15 minutes', evening)).toBe('2025-03-10T20:15:00.000Z');
    const request = parseReminderArgs('in half an hour take the cake out', evening);
    expect(request).toMatchObject({ ok: true, when: 'in half an hour', text: 'take the cake out' });
    expect(parseReminderPhrase('remind me to take the cake out in half an hour', evening)).toMatchObject({ ok: true, when: 'in half an hour', text: 'take the cake out' });
  });
});

describe('parseWhen: refusals', () => {
  it('refuses a time in the past and explains the accepted forms', () => {
    const result = parseWhen('2025-03-09T08:00:00Z', berlin);
    expect(result).toMatchObject({ ok: false, reason: 'past' });
    expect(!result.ok && result.message).toMatch(/not in the future/);
    expect(!result.ok && result.message).toMatch(/Accepted forms: in 30s, 30s, in 10m, 10m, 2h/);
    expect(parseWhen('today at 8', berlin)).toMatchObject({ ok: false, reason: 'past' });
    expect(parseWhen('0s', berlin)).toMatchObject({ ok: false, reason: 'past' });
  });

  it.each(['soon', 'banana', '25:00', '17:61', '13pm', 'in ten minutes please now', '', '5'])('refuses the unparsable %j', (text) => {
    const result = parseWhen(text, berlin);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toBe('unparsable');
    expect(!result.ok && result.message).toMatch(/Accepted forms/);
  });

  it('refuses times beyond the horizon', () => {
    expect(parseWhen('2026-03-11T08:00:00Z', berlin)).toMatchObject({ ok: false, reason: 'too-far' });
    expect(parseWhen('400d', berlin)).toMatchObject({ ok: false, reason: 'too-far' });
    const short = { ...berlin, horizonDays: 1 };
    const result = parseWhen('2d', short);
    expect(result).toMatchObject({ ok: false, reason: 'too-far' });
    expect(!result.ok && result.message).toMatch(/more than 1 days ahead/);
    expect(parseWhen('23h', short).ok).toBe(true);
  });

  it('refuses an unknown time zone loudly (a programming error, not a user error)', () => {
    expect(() => parseWhen('10m', { ...berlin, timeZone: 'Mars/Olympus' })).toThrow(/IANA/);
  });
});

describe('parseWhen: recurring rules', () => {
  it('reads day rules with the chat time zone and finds the first occurrence', () => {
    const result = parseWhen('every weekday at 8', berlin);
    expect(result).toMatchObject({ ok: true, kind: 'recurring', recurrence: { kind: 'days', days: [1, 2, 3, 4, 5], hour: 8, minute: 0, timeZone: 'Europe/Berlin' } });
    expect(result.ok && result.kind === 'recurring' && result.firstDueAt.toISOString()).toBe('2025-03-11T07:00:00.000Z');
  });

  it.each([
    ['every day 9:00', [1, 2, 3, 4, 5, 6, 7], 9, 0, '2025-03-11T08:00:00.000Z'],
    ['every day at 17:30', [1, 2, 3, 4, 5, 6, 7], 17, 30, '2025-03-10T16:30:00.000Z'],
    ['daily at 7am', [1, 2, 3, 4, 5, 6, 7], 7, 0, '2025-03-11T06:00:00.000Z'],
    ['every monday and thursday at 18:30', [1, 4], 18, 30, '2025-03-10T17:30:00.000Z'],
    ['every sat, sun at 10', [6, 7], 10, 0, '2025-03-15T09:00:00.000Z'],
    ['every weekend', [6, 7], 9, 0, '2025-03-15T08:00:00.000Z'],
    ['every friday', [5], 9, 0, '2025-03-14T08:00:00.000Z'],
  ])('%s', (text, days, hour, minute, first) => {
    const result = parseWhen(text, berlin);
    expect(result).toMatchObject({ ok: true, kind: 'recurring', recurrence: { kind: 'days', days, hour, minute } });
    expect(result.ok && result.kind === 'recurring' && result.firstDueAt.toISOString()).toBe(first);
  });

  it('reads interval rules anchored at now', () => {
    const result = parseWhen('every 30 minutes', berlin);
    expect(result).toMatchObject({ ok: true, kind: 'recurring', recurrence: { kind: 'interval', minutes: 30, anchor: NOW.toISOString() } });
    expect(result.ok && result.kind === 'recurring' && result.firstDueAt.toISOString()).toBe('2025-03-10T10:45:00.000Z');
    expect(parseWhen('every hour', berlin)).toMatchObject({ ok: true, recurrence: { kind: 'interval', minutes: 60 } });
    expect(parseWhen('every 2h', berlin)).toMatchObject({ ok: true, recurrence: { kind: 'interval', minutes: 120 } });
  });

  it('refuses intervals shorter than a minute', () => {
    expect(parseWhen('every 30s', berlin)).toMatchObject({ ok: false, reason: 'too-frequent' });
  });
});

describe('parseReminderArgs: /remind <when> <text>', () => {
  it.each([
    ['10m stretch', '10m', 'stretch', '2025-03-10T10:25:00.000Z'],
    ['in 30s drink water', 'in 30s', 'drink water', '2025-03-10T10:15:30.000Z'],
    ['2h to take the bread out', '2h', 'take the bread out', '2025-03-10T12:15:00.000Z'],
    ['17:30 call the plumber', '17:30', 'call the plumber', '2025-03-10T16:30:00.000Z'],
    ['2025-03-11T08:00:00Z standup', '2025-03-11T08:00:00Z', 'standup', '2025-03-11T08:00:00.000Z'],
    ['2025-03-11 08:00 standup', '2025-03-11 08:00', 'standup', '2025-03-11T07:00:00.000Z'],
    ['tomorrow at 9 call mum', 'tomorrow at 9', 'call mum', '2025-03-11T08:00:00.000Z'],
    ['in 10 minutes take 2 pills', 'in 10 minutes', 'take 2 pills', '2025-03-10T10:25:00.000Z'],
  ])('/remind %s', (args, when, text, due) => {
    const result = parseReminderArgs(args, berlin);
    expect(result).toMatchObject({ ok: true, when, text, parsed: { kind: 'once' } });
    expect(result.ok && result.parsed.kind === 'once' && result.parsed.dueAt.toISOString()).toBe(due);
  });

  it('reads recurring rules: /remind every day 9:00 water the plants', () => {
    expect(parseReminderArgs('every day 9:00 water the plants', berlin)).toMatchObject({
      ok: true,
      when: 'every day 9:00',
      text: 'water the plants',
      parsed: { kind: 'recurring', recurrence: { kind: 'days', days: [1, 2, 3, 4, 5, 6, 7], hour: 9, minute: 0 } },
    });
    expect(parseReminderArgs('every weekday at 8 stand up', berlin)).toMatchObject({ ok: true, when: 'every weekday at 8', text: 'stand up' });
  });

  it('asks for the text when only a time is given', () => {
    expect(parseReminderArgs('10m', berlin)).toMatchObject({ ok: false, reason: 'missing-text' });
  });

  it('explains when no time starts the arguments', () => {
    const result = parseReminderArgs('buy milk', berlin);
    expect(result).toMatchObject({ ok: false, reason: 'unparsable' });
    expect(!result.ok && result.message).toMatch(/Usage: \/remind <when> <text>/);
    expect(parseReminderArgs('', berlin)).toMatchObject({ ok: false, reason: 'unparsable' });
  });

  it('refuses past and too-far times before looking at the text', () => {
    expect(parseReminderArgs('2020-01-01T00:00:00Z old', berlin)).toMatchObject({ ok: false, reason: 'past' });
    expect(parseReminderArgs('999d far', berlin)).toMatchObject({ ok: false, reason: 'too-far' });
  });

  it('refuses a text longer than the limit', () => {
    expect(parseReminderArgs(`10m ${'x'.repeat(501)}`, berlin)).toMatchObject({ ok: false, reason: 'text-too-long' });
  });
});

describe('parseReminderPhrase: natural requests', () => {
  it.each([
    ['remind me in 10 minutes to stretch', 'in 10 minutes', 'stretch', '2025-03-10T10:25:00.000Z'],
    ['remind me tomorrow at 9 to call mum', 'tomorrow at 9', 'call mum', '2025-03-11T08:00:00.000Z'],
    ['Remind me to call mum tomorrow at 9', 'tomorrow at 9', 'call mum', '2025-03-11T08:00:00.000Z'],
    ['remind me to stretch in 20 minutes', 'in 20 minutes', 'stretch', '2025-03-10T10:35:00.000Z'],
    ['please remind me at 17:30 to leave', 'at 17:30', 'leave', '2025-03-10T16:30:00.000Z'],
    ['can you remind me in 2h to check the oven?', 'in 2h', 'check the oven', '2025-03-10T12:15:00.000Z'],
    ['set a reminder for 5pm to call Bob', '5pm', 'call Bob', '2025-03-10T16:00:00.000Z'],
  ])('%s', (message, when, text, due) => {
    const result = parseReminderPhrase(message, berlin);
    expect(result).toMatchObject({ ok: true, when, text, parsed: { kind: 'once' } });
    expect(result?.ok && result.parsed.kind === 'once' && result.parsed.dueAt.toISOString()).toBe(due);
  });

  it('reads recurring requests', () => {
    expect(parseReminderPhrase('remind me every weekday at 8 to stand up', berlin)).toMatchObject({
      ok: true,
      text: 'stand up',
      parsed: { kind: 'recurring', recurrence: { kind: 'days', days: [1, 2, 3, 4, 5], hour: 8 } },
    });
    expect(parseReminderPhrase('remind me to drink water every 2 hours', berlin)).toMatchObject({
      ok: true,
      text: 'drink water',
      parsed: { kind: 'recurring', recurrence: { kind: 'interval', minutes: 120 } },
    });
  });

  it('ignores messages that are not reminder requests', () => {
    expect(parseReminderPhrase('what time is it?', berlin)).toBeUndefined();
    expect(parseReminderPhrase('I forgot to remind Bob', berlin)).toBeUndefined();
  });

  it('answers a request without a time with the accepted forms', () => {
    const result = parseReminderPhrase('remind me to buy milk', berlin);
    expect(result).toMatchObject({ ok: false, reason: 'unparsable' });
    expect(result && !result.ok && result.message).toMatch(/but not when/);
  });

  it('refuses a past time in a phrase', () => {
    expect(parseReminderPhrase('remind me today at 8 to wake up', berlin)).toMatchObject({ ok: false, reason: 'past' });
  });
});
