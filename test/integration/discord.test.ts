import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../../src/conversation/transcript.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { DiscordStandIn } from '../support/discord-server.js';
import { waitFor } from '../support/wait.js';

/** What the shared contract suite does not cover: the server channel, splitting, press acknowledgements, restarts of the gateway. */
describe('the Discord channel, against the stand-in REST API and gateway', () => {
  let dc: DiscordStandIn;
  let mycel: TestMycel;
  let owner: string;
  const SERVER_CHANNEL = '1184432318122676254';
  const OTHER_CHANNEL = '1184432318122676999';
  const stored = () => mycel.proc.store.db.selectFrom('channel_inbox').selectAll().where('channel', '=', 'discord').execute();
  const idle = async (ids: string[]) => {
    await waitFor(async () => {
      const rows = new Set((await stored()).map((r) => r.event_id));
      return ids.every((id) => rows.has(id));
    }, 20_000, 'the Discord events stored');
    await mycel.discord().dispatcher.idle();
  };
  const idOf = (event: object) => (event as { d: { id: string } }).d.id;

  beforeAll(async () => {
    dc = await DiscordStandIn.start();
    owner = dc.newUserId();
    mycel = await startTestMycel({ env: dc.env([owner], SERVER_CHANNEL) });
  });
  afterAll(async () => {
    await mycel?.stop();
    await dc?.stop();
  });

  it('connects to the gateway once, identified with the bot token and the message intents', () => {
    expect(dc.identified).toBe(1);
    expect(dc.connected).toBe(1);
  });

  it('answers an owner in the allowed server channel there, and stores nothing from other channels', async () => {
    const elsewhere = dc.message(owner, '/start', { guildChannelId: OTHER_CHANNEL });
    const here = dc.message(owner, '/start', { guildChannelId: SERVER_CHANNEL });
    dc.dispatch(elsewhere);
    dc.dispatch(here);
    await idle([idOf(here)]);
    await waitFor(() => dc.sentTo(SERVER_CHANNEL).length >= 1, 20_000, 'a reply in the server channel');
    expect(dc.sentTo(SERVER_CHANNEL)[0]!.content).toMatch(/Mycel/);
    expect(dc.sentTo(OTHER_CHANNEL)).toEqual([]);
    expect((await stored()).map((r) => r.event_id)).not.toContain(idOf(elsewhere));
    const lines = await listMessages(mycel.proc.store, { channel: 'discord', chatId: `channel-${SERVER_CHANNEL}` });
    expect(lines[0]).toMatchObject({ role: 'user', text: '/start' });
  });

  it('splits a reply longer than 2,000 characters into parts Discord accepts, in order', async () => {
    const event = dc.message(owner, '/help');
    dc.dispatch(event);
    await idle([idOf(event)]);
    const parts = await waitFor(() => {
      const sent = dc.sentTo(dc.dmChannelOf(owner));
      return sent.length >= 2 ? sent : undefined;
    }, 20_000, 'the parts of /help');
    expect(parts.every((p) => p.content.length <= 2000)).toBe(true);
    expect(parts[0]!.content).toMatch(/^Here is what I understand/);
    expect(dc.calls.filter((c) => c.status === 400)).toEqual([]);
  });

  it('acknowledges a button press to Discord once it is stored, and posts the outcome', async () => {
    const ask = dc.message(owner, '/sh touch from-discord.txt');
    dc.dispatch(ask);
    const request = await waitFor(() => dc.sentTo(dc.dmChannelOf(owner)).find((m) => m.content.startsWith('Approval needed')), 30_000, 'the approval request');
    expect(request.buttons.map((b) => b.label)).toEqual(['Approve', 'Deny']);
    const press = dc.press(owner, request, 'Deny');
    dc.dispatch(press);
    await waitFor(() => dc.acknowledged.includes(idOf(press)), 20_000, 'the press acknowledged');
    await waitFor(() => dc.sentTo(dc.dmChannelOf(owner)).find((m) => /^Denied ap-/.test(m.content)), 30_000, 'the outcome');
  });

  it('reconnects after the gateway drops the connection and goes on taking messages', async () => {
    dc.dropConnections();
    await waitFor(() => dc.connected === 1, 30_000, 'the gateway session back');
    const event = dc.message(owner, '/reminders');
    dc.dispatch(event);
    await idle([idOf(event)]);
    await waitFor(() => dc.sentTo(dc.dmChannelOf(owner)).find((m) => /reminder/i.test(m.content) && !m.content.startsWith('Here is')), 20_000, 'the answer after the reconnect');
  });
});
