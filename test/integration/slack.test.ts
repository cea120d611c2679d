import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../../src/conversation/transcript.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { SlackStandIn } from '../support/slack-server.js';
import { waitFor } from '../support/wait.js';

describe('the Slack Events API routes and sender, against the stand-in Slack', () => {
  let slack: SlackStandIn;
  let mycel: TestMycel;
  let OWNER: string;
  let OWNER_2: string;
  let GUEST: string;
  const CHANNEL = `C${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
  const inbox = () => mycel.proc.store!.db.selectFrom('channel_inbox').selectAll().where('channel', '=', 'slack').execute();
  const idle = () => mycel.slack().dispatcher.idle();

  beforeAll(async () => {
    slack = await SlackStandIn.start();
    [OWNER, OWNER_2, GUEST] = [slack.newUser(), slack.newUser(), slack.newUser()];
    mycel = await startTestMycel({ env: slack.env([OWNER, OWNER_2], CHANNEL) });
    slack.attach(mycel.url);
  });
  afterAll(async () => {
    await mycel?.stop();
    await slack?.stop();
  });

  it('answers the url_verification handshake with its challenge, only when signed', async () => {
    const handshake = JSON.stringify({ token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
    const answered = await slack.post(slack.eventsUrl, handshake, 'application/json');
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body)).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    expect((await slack.post(slack.eventsUrl, handshake, 'application/json', { secret: 'another-secret' })).status).toBe(401);
  });

  it('refuses a missing, wrong, stale or tampered signature with 401 on both routes, and stores nothing', async () => {
    const payload = slack.envelope(slack.message(OWNER, '/start'));
    expect(await slack.deliver(payload, { signature: '' })).toBe(401);
    expect(await slack.deliver(payload, { signature: 'v0=nothex' })).toBe(401);
    expect(await slack.deliver(payload, { secret: 'another-signing-secret' })).toBe(401);
    // Signed correctly, six minutes ago: a replay.
    expect(await slack.deliver(payload, { timestamp: Math.floor(Date.now() / 1000) - 360 })).toBe(401);
    // Signed, then changed on the way.
    const body = JSON.stringify(payload);
    const ts = Math.floor(Date.now() / 1000);
    const { signRequest } = await import('../../src/slack/events.js');
    const forged = await slack.post(slack.eventsUrl, body.replace('/start', '/help'), 'application/json', { timestamp: ts, signature: signRequest(body, ts, slack.signingSecret) });
    expect(forged.status).toBe(401);
    const press = { type: 'block_actions', user: { id: OWNER }, channel: { id: slack.dmOf(OWNER) }, trigger_id: 't-1', actions: [{ action_id: 'b:x', value: 'b:x', action_ts: '1.1' }] };
    expect(await slack.interact(press, { secret: 'another-signing-secret' })).toBe(401);
    expect(await slack.interact(press, { timestamp: Math.floor(Date.now() / 1000) - 360 })).toBe(401);
    expect(await inbox()).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.sentTo(OWNER)).toEqual([]);
  });

  it('acknowledges bot messages, edits and other channels without storing them, and refuses what is not Slack with 400', async () => {
    const bot = slack.message(OWNER, 'I am a bot', { extra: { bot_id: 'B0123', subtype: 'bot_message' } });
    const edit = slack.message(OWNER, 'edited', { extra: { subtype: 'message_changed' } });
    const elsewhere = slack.message(OWNER, '/start', { channel: 'C0ELSEWHERE' });
    for (const event of [bot, edit, elsewhere]) expect(await slack.deliver(slack.envelope(event))).toBe(200);
    expect(await slack.deliver({ type: 'event_callback', event: { type: 'reaction_added', user: OWNER } })).toBe(200);
    expect(await slack.deliver({ hello: 'world' })).toBe(400);
    expect(await slack.post(slack.eventsUrl, '{not json', 'application/json').then((r) => r.status)).toBe(400);
    expect(await inbox()).toEqual([]);
  });

  it('serves an owner in the one allowed channel, in that channel’s chat, and ignores a leading mention of the app', async () => {
    const status = await slack.deliver(slack.envelope(slack.message(OWNER, `<@${slack.botUserId}> /remember the wifi code is 4711`, { channel: CHANNEL })));
    expect(status).toBe(200);
    const [reply] = await slack.waitForMessages(CHANNEL, 1);
    expect(reply!.text).toMatch(/wifi code is 4711/);
    await idle();
    const lines = await listMessages(mycel.proc.store!, { channel: 'slack', chatId: CHANNEL });
    expect(lines.filter((l) => l.role === 'user').map((l) => l.text)).toEqual(['/remember the wifi code is 4711']);
    expect(slack.sentTo(OWNER)).toEqual([]);
  });

  it('gives a stranger who writes in the allowed channel the pairing code in their direct message, not in the channel', async () => {
    const before = slack.sentTo(CHANNEL).length;
    expect(await slack.deliver(slack.envelope(slack.message(GUEST, 'hello all', { channel: CHANNEL })))).toBe(200);
    const [pairing] = await slack.waitForMessages(GUEST, 1);
    expect(pairing!.text).toMatch(/pairing code: [A-Z0-9]{4}-[A-Z0-9]{4}/);
    await idle();
    expect(slack.sentTo(CHANNEL)).toHaveLength(before);
    const lines = await listMessages(mycel.proc.store!, { channel: 'slack', chatId: CHANNEL });
    expect(lines.map((l) => l.text)).not.toContain('hello all');
  });

  it('closes an approval message once pressed: the buttons give way to the outcome, and a guest cannot press', async () => {
    await slack.say(OWNER_2, '/sh touch slack-approval.txt');
    const request = await slack.waitForMessages(OWNER_2, 2).then(() => slack.sentTo(OWNER_2).find((m) => m.text.startsWith('Approval needed'))!);
    expect(request.buttons.map((b) => b.text)).toEqual(['Approve', 'Deny']);
    // Nobody but the owner is in their direct message; a guest pressing there is still refused.
    expect(await slack.interact(slack.blockActions(GUEST, request, request.buttons[0]!))).toBe(200);
    await idle();
    expect(request.updates).toBe(0);
    const approvalId = /\((ap-[0-9a-f]+)\)/.exec(request.text)![1]!;
    expect(await slack.interact(slack.blockActions(OWNER_2, request, request.buttons[0]!))).toBe(200);
    await idle();
    expect(request.buttons).toEqual([]);
    expect(request.context).toBe(`✓ Approved ${approvalId}.`);
    expect(request.text).toMatch(/^Approval needed/);
    expect(request.updates).toBe(1);
    const approvals = await mycel.api('/api/approvals');
    expect(approvals.body.map((a: { id: string }) => a.id)).not.toContain(approvalId);
  });

  it('splits a long message within Slack’s limits, puts the buttons under a short last part, escapes the text, and sends nothing twice for one key', async () => {
    const long = Array.from({ length: 150 }, (_, i) => `Line ${i}: <tag> & ${'the quick brown fox jumps over the lazy dog '.repeat(2).trim()}`).join('\n');
    const before = slack.sentTo(OWNER).length;
    const message = { channel: 'slack' as const, chatId: OWNER, text: long, key: 'test:slack-long-1', buttons: [{ text: 'Stop', data: 'sig:wf-x:finish:' }] };
    expect(await mycel.proc.outbound.send(message)).toBe(true);
    const parts = slack.sentTo(OWNER).slice(before);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const p of parts.slice(0, -1)) expect([p.buttons.length, p.text.length <= 4000]).toEqual([0, true]);
    const last = parts.at(-1)!;
    expect([last.text.length <= 3000, last.buttons.map((b) => b.text)]).toEqual([true, ['Stop']]);
    expect(parts.map((p) => p.text).join('\n')).toBe(long);
    expect(parts[0]!.blocks).toEqual([]);
    expect(parts[0]!.raw).toMatch(/^Line 0: &lt;tag&gt; &amp; the quick/);
    expect(last.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn', text: expect.stringContaining('&lt;tag&gt; &amp;') } });
    await mycel.proc.outbound.send(message);
    expect(slack.sentTo(OWNER).length).toBe(before + parts.length);
  });

  it('records a refusal that retrying cannot fix ({ ok: false, error }) as failed, and never sends it again', async () => {
    slack.failNext({ status: 200, error: 'channel_not_found', channel: OWNER });
    const message = { channel: 'slack' as const, chatId: OWNER, text: 'to a gone channel', key: 'test:slack-gone-1' };
    await mycel.proc.outbound.send(message);
    await mycel.proc.outbound.send(message);
    expect(slack.calls.filter((c) => c.error === 'channel_not_found')).toHaveLength(1);
    expect(slack.sentTo(OWNER).filter((m) => m.text === 'to a gone channel')).toEqual([]);
  });

  it('hands a send Slack keeps failing (5xx, a long Retry-After, ok:false internal_error) to the caller, and the retry sends once', async () => {
    slack.failNext({ status: 503, channel: OWNER }, 3);
    const message = { channel: 'slack' as const, chatId: OWNER, text: '⏰ drink water', key: 'promise:slack-test-1' };
    await expect(mycel.proc.outbound.send(message)).rejects.toThrow(/503/);
    slack.failNext({ status: 429, retryAfter: 60, channel: OWNER });
    await expect(mycel.proc.outbound.send(message)).rejects.toThrow(/429/);
    slack.failNext({ status: 200, error: 'internal_error', channel: OWNER });
    await expect(mycel.proc.outbound.send(message)).rejects.toThrow(/internal_error/);
    await mycel.proc.outbound.send(message);
    await mycel.proc.outbound.send(message);
    expect(slack.sentTo(OWNER).filter((m) => m.text === '⏰ drink water')).toHaveLength(1);
    expect(slack.calls.filter((c) => c.channel === OWNER).slice(-6).map((c) => c.status)).toEqual([503, 503, 503, 429, 200, 200]);
  });
});

describe('Slack in Socket Mode, against the stand-in', () => {
  let slack: SlackStandIn;
  let mycel: TestMycel;
  let OWNER: string;

  beforeAll(async () => {
    slack = await SlackStandIn.start();
    OWNER = slack.newUser();
    mycel = await startTestMycel({ env: slack.socketEnv([OWNER]) });
  });
  afterAll(async () => {
    await mycel?.stop();
    await slack?.stop();
  });

  it('opens the connection with the app-level token and mounts no Events API route', async () => {
    expect(slack.calls.filter((c) => c.method === 'apps.connections.open').map((c) => c.status)).toEqual([200]);
    expect(slack.socketConnections).toHaveLength(1);
    slack.attach(mycel.url);
    expect(await slack.deliver(slack.envelope(slack.message(OWNER, '/start')))).toBe(404);
  });

  it('reconnects when Slack asks it to, and serves the next event over the new connection', async () => {
    slack.refreshConnections();
    await waitFor(() => (slack.socketConnections.length === 2 && slack.socketOpen ? true : undefined), 20_000, 'a second Socket Mode connection');
    const envelope = slack.socketEnvelope('events_api', slack.envelope(slack.message(OWNER, '/start')));
    await slack.sendEnvelope(envelope);
    const [hello] = await slack.waitForMessages(OWNER, 1);
    expect(hello!.text).toMatch(/Mycel/);
    expect(slack.acks.get(envelope.envelope_id)).toBe(1);
  });

  it('acknowledges an envelope it cannot read, without storing it', async () => {
    const envelope = slack.socketEnvelope('events_api', slack.envelope(slack.message(OWNER, 'hi', { extra: { channel: 'not a channel id' } })));
    await slack.sendEnvelope(envelope);
    const rows = await mycel.proc.store!.db.selectFrom('channel_inbox').select('event_id').where('channel', '=', 'slack').execute();
    expect(rows).toHaveLength(1);
  });
});
