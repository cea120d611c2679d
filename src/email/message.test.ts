import { describe, expect, it } from 'vitest';
import { normalizeMail } from './adapter.js';
import { authenticatedBy, mailEventId, parseMail, type StoredMail } from './message.js';

const place = { mailbox: 'INBOX', uid: '7:42' };
const mail = (headers: string[], body = 'hello') => ['From: Ada <Ada@Example.test>', 'To: mycel@example.test', 'Subject: Re: plans', 'Message-ID: <abc.1@example.test>', ...headers, '', body, ''].join('\r\n');

describe('a received mail', () => {
  it('keeps its sender (lower case), its thread and its new words, keyed by its Message-ID', async () => {
    const parsed = (await parseMail(mail(['In-Reply-To: <m2@mycel.test>', 'References: <m1@mycel.test> <m2@mycel.test>'], 'sure\r\n\r\nOn Fri, Mycel wrote:\r\n> plans?'), place))!;
    expect(parsed).toMatchObject({ messageId: 'abc.1@example.test', from: 'ada@example.test', fromName: 'Ada', subject: 'Re: plans', text: 'sure', references: ['m1@mycel.test', 'm2@mycel.test'] });
    expect(parsed.automated).toBeUndefined();
    expect(mailEventId(parsed)).toBe('abc.1@example.test');
    expect(mailEventId({ uid: '7:42' })).toBe('uid:7:42');
    expect(mailEventId({ messageId: `${'x'.repeat(300)}@h`, uid: '7:42' })).toMatch(/^mid-sha256:[0-9a-f]{64}$/);
  });

  it('reads the text of an HTML-only mail', async () => {
    const html = mail(['Content-Type: text/html; charset=utf-8'], '<div>/remind 5m <b>tea</b></div>');
    expect((await parseMail(html, place))!.text).toBe('/remind 5m tea');
  });

  it.each([
    ['Auto-Submitted: auto-replied', /Auto-Submitted/],
    ['Precedence: bulk', /Precedence/],
    ['List-Id: <news.example.test>', /mailing list/],
    ['Return-Path: <>', /bounce/],
    ['X-Autoreply: yes', /auto-reply/],
  ])('is machine-written with "%s", and never answered', async (header, reason) => {
    const parsed = (await parseMail(mail([header]), place))!;
    expect(parsed.automated).toMatch(reason);
    expect(normalizeMail(parsed, { address: 'mycel@example.test' })).toMatchObject({ kind: 'ignore', reason: expect.stringMatching(/machine-written/) });
  });

  it('is a person’s with Auto-Submitted: no, and a bounce from MAILER-DAEMON is not', async () => {
    expect((await parseMail(mail(['Auto-Submitted: no']), place))!.automated).toBeUndefined();
    const bounce = mail([]).replace('From: Ada <Ada@Example.test>', 'From: Mail Delivery System <MAILER-DAEMON@example.test>');
    expect((await parseMail(bounce, place))!.automated).toMatch(/bounce/);
  });

  it('is a turn of the sender’s chat; mail from Mycel’s own address is not', async () => {
    const parsed = (await parseMail(mail([]), place))!;
    expect(normalizeMail(parsed, { address: 'mycel@example.test' })).toEqual({ kind: 'turn', chatId: 'ada@example.test', userId: 'ada@example.test', userName: 'Ada', text: 'hello', sequence: null });
    expect(normalizeMail({ ...parsed, from: 'mycel@example.test' }, { address: 'mycel@example.test' })).toMatchObject({ kind: 'ignore' });
  });
});

describe('Authentication-Results, when MYCEL_EMAIL_AUTHSERV_ID names the receiving server', () => {
  const base: Pick<StoredMail, 'from' | 'authResults'> = { from: 'ada@example.test', authResults: [] };
  const withResults = (...authResults: string[]) => ({ ...base, authResults });

  it('vouches for the sender on DMARC pass, or DKIM or SPF pass for the From domain, from that server only', () => {
    expect(authenticatedBy(withResults('mx.mycel.test; dmarc=pass header.from=example.test'), 'mx.mycel.test')).toBe(true);
    expect(authenticatedBy(withResults('mx.mycel.test; dkim=pass header.d=example.test; spf=fail'), 'mx.mycel.test')).toBe(true);
    expect(authenticatedBy(withResults('mx.mycel.test; spf=pass smtp.mailfrom=ada@example.test'), 'mx.mycel.test')).toBe(true);
    expect(authenticatedBy(withResults('mx.mycel.test; dkim=pass header.d=evil.test; spf=pass smtp.mailfrom=x@evil.test'), 'mx.mycel.test')).toBe(false);
    // Written by the sender (or any other hop): not read.
    expect(authenticatedBy(withResults('forger.test; dmarc=pass'), 'mx.mycel.test')).toBe(false);
    expect(authenticatedBy(withResults('mx.mycel.test; dmarc=fail'), 'mx.mycel.test')).toBe(false);
  });

  it('makes an unvouched mail no turn and no pairing code', async () => {
    const parsed = (await parseMail(mail(['Authentication-Results: mx.mycel.test; dmarc=fail header.from=example.test']), place))!;
    expect(normalizeMail(parsed, { address: 'mycel@example.test', authservId: 'mx.mycel.test' })).toMatchObject({ kind: 'ignore', reason: expect.stringMatching(/did not vouch/) });
    const good = (await parseMail(mail(['Authentication-Results: mx.mycel.test; dmarc=pass header.from=example.test']), place))!;
    expect(normalizeMail(good, { address: 'mycel@example.test', authservId: 'mx.mycel.test' })).toMatchObject({ kind: 'turn' });
  });
});
