import { describe, expect, it } from 'vitest';
import { normalizeSlackEvent } from './adapter.js';
import { checkSignature, escapeText, plainText, readEventsRequest, readInteraction, signRequest, SlackPayloadError } from './events.js';

const SECRET = 'signing-secret';
const NOW = 1_760_000_000_000;
const TS = String(NOW / 1000);

function callback(event: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { type: 'event_callback', team_id: 'T1', api_app_id: 'A1', event_id: 'Ev1', event_time: 1, event, ...extra };
}
const dm = (extra: Record<string, unknown> = {}) => ({ type: 'message', user: 'U0ADA', channel: 'D0ADA', channel_type: 'im', text: 'hi', ts: '1.000001', client_msg_id: 'c-1', ...extra });

function form(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
const press = (channel: string, extra: Record<string, unknown> = {}) => ({
  type: 'block_actions',
  trigger_id: 'trig-1',
  user: { id: 'U0ADA', name: 'ada' },
  channel: { id: channel },
  container: { type: 'message', channel_id: channel, message_ts: '2.000002' },
  message: { ts: '2.000002', text: 'Approval needed (ap-1): shell &lt;x&gt;' },
  actions: [{ action_id: 'b:abc', value: 'b:abc', type: 'button', action_ts: '3.1' }],
  ...extra,
});

describe('the Slack request signature', () => {
  const body = Buffer.from('{"type":"event_callback"}');
  const good = signRequest(body, TS, SECRET);

  it('accepts the signing secret’s v0 HMAC-SHA256 of "v0:<timestamp>:<raw body>" within five minutes', () => {
    expect(good).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(checkSignature(body, TS, good, SECRET, NOW)).toEqual({ ok: true });
    expect(checkSignature(body, String(NOW / 1000 - 299), signRequest(body, NOW / 1000 - 299, SECRET), SECRET, NOW)).toEqual({ ok: true });
  });

  it('refuses another secret, a changed body or timestamp, a malformed or missing header', () => {
    expect(checkSignature(body, TS, signRequest(body, TS, 'other'), SECRET, NOW).ok).toBe(false);
    expect(checkSignature(Buffer.from(`${body} `), TS, good, SECRET, NOW).ok).toBe(false);
    expect(checkSignature(body, String(NOW / 1000 + 1), good, SECRET, NOW).ok).toBe(false);
    expect(checkSignature(body, TS, good.replace('v0=', 'v1='), SECRET, NOW).ok).toBe(false);
    expect(checkSignature(body, TS, good.slice(0, -2), SECRET, NOW).ok).toBe(false);
    expect(checkSignature(body, TS, undefined, SECRET, NOW).ok).toBe(false);
    expect(checkSignature(body, undefined, good, SECRET, NOW).ok).toBe(false);
    expect(checkSignature(body, 'soon', good, SECRET, NOW).ok).toBe(false);
  });

  it('refuses a correctly signed request older or newer than five minutes (a replay)', () => {
    for (const ts of [NOW / 1000 - 301, NOW / 1000 + 301]) {
      expect(checkSignature(body, String(ts), signRequest(body, ts, SECRET), SECRET, NOW)).toEqual({ ok: false, reason: expect.stringMatching(/five minutes/) });
    }
  });
});

describe('reading an Events API request', () => {
  it('answers the url_verification handshake with its challenge', () => {
    expect(readEventsRequest({ token: 't', challenge: '3eZbrw1aB', type: 'url_verification' }, {})).toEqual({ kind: 'url_verification', challenge: '3eZbrw1aB' });
  });

  it('keys a direct message by event_id in the sender’s chat, falling back to client_msg_id', () => {
    const request = readEventsRequest(callback(dm()), {});
    expect(request).toEqual({ kind: 'events', events: [{ eventId: 'Ev1', chatId: 'U0ADA', kind: 'message', payload: { type: 'message', chatId: 'U0ADA', event: dm() } }] });
    const { event_id: _omitted, ...withoutId } = callback(dm());
    expect(readEventsRequest(withoutId, {})).toMatchObject({ events: [{ eventId: 'c-1' }] });
  });

  it('takes a message in the allowed channel as that channel’s chat, and none from other channels', () => {
    const inChannel = dm({ channel: 'C0GEN', channel_type: 'channel' });
    expect(readEventsRequest(callback(inChannel), { allowedChannel: 'C0GEN' })).toMatchObject({ events: [{ chatId: 'C0GEN' }] });
    expect(readEventsRequest(callback(inChannel), { allowedChannel: 'C0OTHER' })).toMatchObject({ events: [], ignored: expect.stringMatching(/not the allowed one/) });
    expect(readEventsRequest(callback(inChannel), {})).toMatchObject({ events: [] });
  });

  it('stores no bot message (its own replies among them), no edit or join, no other event type', () => {
    for (const event of [dm({ bot_id: 'B1' }), dm({ subtype: 'bot_message' }), dm({ subtype: 'message_changed' }), dm({ subtype: 'channel_join' }), { type: 'app_mention', user: 'U0ADA', text: 'hi' }]) {
      expect(readEventsRequest(callback(event), {})).toMatchObject({ kind: 'events', events: [] });
    }
    expect(readEventsRequest(callback(dm({ subtype: 'file_share', files: [{}] })), {})).toMatchObject({ events: [{ kind: 'file_share' }] });
  });

  it('refuses what is not an Events API payload, or a message without a usable channel', () => {
    expect(() => readEventsRequest({ hello: 'world' }, {})).toThrow(SlackPayloadError);
    expect(() => readEventsRequest({ type: 'event_callback', event_id: 'Ev1' }, {})).toThrow(SlackPayloadError);
    expect(readEventsRequest({ type: 'app_rate_limited', token: 't', team_id: 'T1', minute_rate_limited: 1518467820, api_app_id: 'A1' }, {})).toMatchObject({ kind: 'events', events: [] });
    expect(() => readEventsRequest(callback(dm({ channel: 'd0 ada' })), {})).toThrow(/channel/);
    expect(() => readEventsRequest(callback(dm({ client_msg_id: undefined }), { event_id: undefined }), {})).toThrow(/event_id/);
  });
});

describe('reading an interactivity request', () => {
  it('takes a button press in a direct message as the presser’s chat, keyed by trigger id, with the pressed message', () => {
    expect(readInteraction(form(press('D0ADA')), {})).toEqual([
      {
        eventId: 'trig-1',
        chatId: 'U0ADA',
        kind: 'block_actions',
        payload: { type: 'button', chatId: 'U0ADA', userId: 'U0ADA', userName: 'ada', value: 'b:abc', channelId: 'D0ADA', messageTs: '2.000002', messageText: 'Approval needed (ap-1): shell &lt;x&gt;' },
      },
    ]);
  });

  it('gives nothing for a press in a channel that is not the allowed one, or another kind of interaction', () => {
    expect(readInteraction(form(press('C0OTHER')), { allowedChannel: 'C0GEN' })).toEqual([]);
    expect(readInteraction(form(press('C0GEN')), { allowedChannel: 'C0GEN' })).toMatchObject([{ chatId: 'C0GEN' }]);
    expect(readInteraction(form({ type: 'view_submission', user: { id: 'U0ADA' } }), {})).toEqual([]);
  });

  it('refuses a form without a payload, or a payload that is not JSON', () => {
    expect(() => readInteraction('text=hi', {})).toThrow(/payload/);
    expect(() => readInteraction('payload=%7Bnot', {})).toThrow(/not JSON/);
  });
});

describe('normalizing a stored Slack event', () => {
  const stored = (event: Record<string, unknown>, chatId = 'U0ADA') => ({ type: 'message', chatId, event });

  it('reads a message as a turn, with Slack’s escapes and link markup read back and a leading mention dropped', () => {
    expect(normalizeSlackEvent(stored(dm({ text: '/sh echo a &amp;&amp; b &lt;c&gt; <https://example.com|example.com>' })))).toEqual({
      kind: 'turn',
      chatId: 'U0ADA',
      userId: 'U0ADA',
      text: '/sh echo a && b <c> https://example.com',
      sequence: null,
    });
    expect(normalizeSlackEvent(stored(dm({ channel: 'C0GEN', text: '<@U0BOT> /help' }), 'C0GEN'))).toEqual({ kind: 'turn', chatId: 'C0GEN', userId: 'U0ADA', text: '/help', sequence: null, privateChatId: 'U0ADA' });
  });

  it('answers a shared file without text with a note, and ignores an empty message', () => {
    expect(normalizeSlackEvent(stored(dm({ subtype: 'file_share', text: '' })))).toMatchObject({ kind: 'media', note: expect.stringMatching(/only read text/) });
    expect(normalizeSlackEvent(stored(dm({ text: '  ' })))).toMatchObject({ kind: 'ignore' });
    expect(normalizeSlackEvent({ something: 'else' })).toMatchObject({ kind: 'ignore' });
  });

  it('reads a stored press as a button event that knows the pressed message', () => {
    const [record] = readInteraction(form(press('D0ADA')), {});
    expect(normalizeSlackEvent(record!.payload)).toEqual({
      kind: 'button',
      chatId: 'U0ADA',
      userId: 'U0ADA',
      userName: 'ada',
      buttonId: 'b:abc',
      pressed: { ref: 'D0ADA/2.000002', text: 'Approval needed (ap-1): shell &lt;x&gt;' },
    });
  });

  it('escapes exactly what Slack asks to be escaped, and reads it back', () => {
    expect(escapeText('a & b < c > d *e*')).toBe('a &amp; b &lt; c &gt; d *e*');
    expect(plainText(escapeText('x &amp; <y>'))).toBe('x &amp; <y>');
  });
});
