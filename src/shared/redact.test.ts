import { describe, expect, it } from 'vitest';
import { redactText, redactUrl, redactValue } from './redact.js';

describe('redactUrl', () => {
  it('masks the password of a connection URL and keeps the rest', () => {
    expect(redactUrl('postgres://mycel:hunter2@db.internal:5432/mycel')).toBe('postgres://mycel:***@db.internal:5432/mycel');
  });

  it('leaves URLs without a password unchanged', () => {
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/test')).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(redactUrl('sqlite:/srv/mycel/mycel.db')).toBe('sqlite:/srv/mycel/mycel.db');
  });

  it('masks the password even when the URL does not parse', () => {
    expect(redactUrl('postgres://u:p@ss w0rd@host/db')).not.toContain('ss w0rd');
  });
});

describe('redactText', () => {
  it('masks Telegram bot tokens', () => {
    const text = 'calling https://api.telegram.org/bot123456789:AAEhBP0av28cN3tG_ejv0Xq9qzkKZ0m1_sk/getMe';
    expect(redactText(text)).toBe('calling https://api.telegram.org/bot***/getMe');
  });

  it('masks bearer tokens and provider API keys', () => {
    expect(redactText('Authorization: Bearer abc.def-123')).toBe('Authorization: Bearer ***');
    expect(redactText('key sk-proj-abcdefghijklmnop used')).toBe('key *** used');
    expect(redactText('slack xoxb-1234567890-abcdef')).toBe('slack ***');
    expect(redactText('socket xapp-1-A0123-456789-abcdef0123')).toBe('socket ***');
  });

  it('masks key=value and key: value secrets', () => {
    expect(redactText('token=abc123&chat=5')).toBe('token=***&chat=5');
    expect(redactText('password: s3cret next')).toBe('password: *** next');
    expect(redactText('API_KEY=xyz')).toBe('API_KEY=***');
  });

  it('masks credentials inside URLs in free text', () => {
    expect(redactText('connect postgres://me:pw123@host/db failed')).toBe('connect postgres://me:***@host/db failed');
  });

  it('leaves ordinary text alone', () => {
    const text = 'Remind me at 17:30 to call Anna (ticket 12345)';
    expect(redactText(text)).toBe(text);
  });
});

describe('redactValue', () => {
  it('masks secret-looking keys at any depth and scrubs strings', () => {
    const input = {
      url: 'https://example.org',
      headers: { Authorization: 'Bearer abc', 'x-api-key': 'k1', cookie: 'c=1' },
      nested: [{ password: 'p', note: 'token=zzz' }],
      apiKey: null,
      count: 3,
    };
    expect(redactValue(input)).toEqual({
      url: 'https://example.org',
      headers: { Authorization: '***', 'x-api-key': '***', cookie: '***' },
      nested: [{ password: '***', note: 'token=***' }],
      apiKey: null,
      count: 3,
    });
  });

  it('does not change its input', () => {
    const input = { token: 't' };
    redactValue(input);
    expect(input).toEqual({ token: 't' });
  });
});
