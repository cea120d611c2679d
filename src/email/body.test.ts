import { describe, expect, it } from 'vitest';
import { bareSubject, stripReplyHistory, turnText } from './body.js';

describe('the turn text of a mail', () => {
  it('drops the quoted history after an "On … wrote:" line, also when the client wrapped it', () => {
    expect(stripReplyHistory('/remind 5m tea\n\nOn Fri, 4 Dec 2026 at 14:00, Mycel <m@x.test> wrote:\n> Hello\n> there')).toBe('/remind 5m tea');
    expect(stripReplyHistory('yes please\r\n\r\nOn Fri, 4 Dec 2026 at 14:00, Mycel\r\n<m@x.test> wrote:\r\n> Hello')).toBe('yes please');
    expect(stripReplyHistory('ja\n\nAm 04.12.2026 um 14:00 schrieb Mycel <m@x.test>:\n> Hallo')).toBe('ja');
    expect(stripReplyHistory('ok\n\n-----Original Message-----\nFrom: Mycel\nSubject: hi')).toBe('ok');
  });

  it('keeps an answer written below the quote', () => {
    expect(stripReplyHistory('On Fri, 4 Dec 2026, Mycel <m@x.test> wrote:\n> Approval needed\n> APPROVE ABCD-EFGH\n\nAPPROVE ABCD-EFGH')).toBe('APPROVE ABCD-EFGH');
  });

  it('drops quoted lines wherever they stand and the signature after "-- "', () => {
    expect(stripReplyHistory('> what time?\nat five\n> and where?\nat home\n\n-- \nAda Lovelace\nAnalytical Engines Ltd')).toBe('at five\nat home');
  });

  it('keeps a message that has no history as it is, without trailing blank lines', () => {
    expect(stripReplyHistory('\n\n/sh date\n\n\n')).toBe('/sh date');
    expect(stripReplyHistory('line one\n\nline two')).toBe('line one\n\nline two');
  });

  it('falls back to the subject without its reply prefixes when the body is empty', () => {
    expect(turnText('', 'Re: Fwd: /remind 10m call Bob')).toBe('/remind 10m call Bob');
    expect(turnText('> only a quote', 'RE: AW: hi')).toBe('hi');
    expect(turnText(undefined, undefined)).toBe('');
    expect(bareSubject('Re[2]: plans')).toBe('plans');
  });
});
