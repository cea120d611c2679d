import type { ChannelMessage, ChannelTestHarness } from './channel-contract.js';
import type { TestMycel } from './harness.js';
import { TelegramStandIn, type SentMessage, type TgUpdate } from './telegram-server.js';
import { SlackStandIn, type SocketEnvelope } from './slack-server.js';
import { WhatsAppStandIn } from './whatsapp-server.js';
import { DiscordStandIn } from './discord-server.js';
import { waitFor } from './wait.js';

/** The Mycel a harness was attached to (the contract suite attaches one before it sends). */
function attached(mycel: TestMycel | undefined): TestMycel {
  if (!mycel) throw new Error('the harness is not attached to a Mycel yet');
  return mycel;
}

/** Telegram in webhook mode against the stand-in Bot API (a redelivery is a real second POST). */
export async function telegramHarness(): Promise<ChannelTestHarness> {
  const tg = await TelegramStandIn.start({ webhookRetryMs: 100 });
  const secret = 'contract-secret_1';
  let next = 2_000_000_000 + Math.floor(Math.random() * 1_000_000) * 100;
  let mycel: TestMycel | undefined;
  let hookUrl = '';
  const message = (m: SentMessage): ChannelMessage => ({ text: m.text ?? '', buttons: (m.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text) });
  return {
    channel: 'telegram',
    newUser: () => String((next += 1)),
    env(owners, port) {
      hookUrl = `http://127.0.0.1:${port}/telegram/webhook`;
      return { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, MYCEL_OWNER_TELEGRAM_IDS: owners.join(','), TELEGRAM_MODE: 'webhook', TELEGRAM_WEBHOOK_URL: hookUrl, TELEGRAM_WEBHOOK_SECRET: secret };
    },
    attach(m) {
      mycel = m;
    },
    async say(user, text) {
      return tg.injectMessage({ from: tg.user(Number(user)), text });
    },
    async redeliver(event) {
      const res = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body: JSON.stringify(event as TgUpdate) });
      if (res.status !== 200) throw new Error(`the webhook answered ${res.status}`);
    },
    messagesTo: (user) => tg.sentTo(Number(user)).map(message),
    async press(user, index, label) {
      const sent = tg.sentTo(Number(user))[index]!;
      const button = (sent.reply_markup?.inline_keyboard ?? []).flat().find((b) => b.text === label)!;
      tg.injectCallback(tg.user(Number(user)), sent, button.callback_data!);
    },
    failNextSend: (_user, status) => tg.failNext('sendMessage', status === 429 ? { code: 429, retryAfter: 1 } : { code: status }),
    sendStatuses: (user) => tg.calls.filter((c) => c.method === 'sendMessage' && String(c.params.chat_id) === user).map((c) => c.status),
    async idle() {
      await tg.waitFor(() => tg.pending().length === 0, 20_000, 'every update delivered');
      await attached(mycel).telegram().dispatcher.idle();
    },
    stop: () => tg.stop(),
  };
}

/** WhatsApp against the stand-in Graph API, deliveries signed as Meta signs them. */
export async function whatsappHarness(): Promise<ChannelTestHarness> {
  const wa = await WhatsAppStandIn.start();
  let next = 4_917_000_000_000 + Math.floor(Math.random() * 1_000_000) * 100;
  let mycel: TestMycel | undefined;
  return {
    channel: 'whatsapp',
    newUser: () => String((next += 1)),
    env: (owners) => wa.env(owners),
    attach(m) {
      mycel = m;
      wa.webhookUrl = `${m.url}/webhooks/whatsapp`;
    },
    async say(user, text) {
      const payload = wa.payload(user, [wa.text(text)]);
      const status = await wa.deliver(payload);
      if (status !== 200) throw new Error(`the webhook answered ${status}`);
      return payload;
    },
    async redeliver(event) {
      const status = await wa.deliver(event);
      if (status !== 200) throw new Error(`the webhook answered ${status}`);
    },
    messagesTo: (user) => wa.sentTo(user).map((m) => ({ text: m.text, buttons: m.buttons.map((b) => b.reply.title) })),
    async press(user, index, label) {
      const sent = wa.sentTo(user)[index]!;
      const button = sent.buttons.find((b) => b.reply.title === label)!;
      const status = await wa.deliver(wa.payload(user, [wa.buttonReply(sent, button)]));
      if (status !== 200) throw new Error(`the webhook answered ${status}`);
    },
    failNextSend: (user, status) => wa.failNext({ status, to: user }),
    sendStatuses: (user) => wa.calls.filter((c) => c.to === user).map((c) => c.status),
    async idle() {
      await attached(mycel).whatsapp().dispatcher.idle();
    },
    stop: () => wa.stop(),
  };
}

/** Discord against the stand-in REST API and gateway (a redelivery is the same dispatch again, as a resumed session replays it). */
export async function discordHarness(): Promise<ChannelTestHarness> {
  const dc = await DiscordStandIn.start();
  let mycel: TestMycel | undefined;
  const dispatched = new Set<string>();
  // Fire and forget, as the gateway does: events may follow each other faster than they are stored.
  const send = async (event: object) => {
    dispatched.add((event as { d: { id: string } }).d.id);
    dc.dispatch(event);
  };
  return {
    channel: 'discord',
    newUser: () => dc.newUserId(),
    env: (owners) => dc.env(owners),
    attach(m) {
      mycel = m;
    },
    async say(user, text) {
      const event = dc.message(user, text);
      await send(event);
      return event;
    },
    async redeliver(event) {
      await send(event as object);
    },
    messagesTo: (user) => dc.sentTo(dc.dmChannelOf(user)).map((m) => ({ text: m.content, buttons: m.buttons.map((b) => b.label) })),
    async press(user, index, label) {
      await send(dc.press(user, dc.sentTo(dc.dmChannelOf(user))[index]!, label));
    },
    failNextSend: (user, status) => dc.failNext(status, dc.dmChannelOf(user)),
    sendStatuses: (user) => dc.calls.filter((c) => c.method === 'POST' && c.channelId === dc.dmChannelOf(user)).map((c) => c.status),
    async idle() {
      const store = attached(mycel).store;
      await waitFor(
        async () => {
          const rows = await store.db.selectFrom('channel_inbox').select('event_id').where('channel', '=', 'discord').execute();
          const stored = new Set(rows.map((r) => r.event_id));
          return [...dispatched].every((id) => stored.has(id));
        },
        20_000,
        'every Discord event stored',
      );
      await attached(mycel).discord().dispatcher.idle();
    },
    stop: () => dc.stop(),
  };
}

/** Slack over the Events API against the stand-in Web API, deliveries signed as Slack signs them. */
export async function slackHarness(): Promise<ChannelTestHarness> {
  const slack = await SlackStandIn.start();
  let mycel: TestMycel | undefined;
  const deliver = async (status: Promise<number>) => {
    const got = await status;
    if (got !== 200) throw new Error(`Mycel answered ${got}`);
  };
  return {
    channel: 'slack',
    newUser: () => slack.newUser(),
    env: (owners) => slack.env(owners),
    attach(m) {
      mycel = m;
      slack.attach(m.url);
    },
    say: (user, text) => slack.say(user, text),
    redeliver: (event) => deliver(slack.deliver(event, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } })),
    messagesTo: (user) => slack.sentTo(user).map((m) => ({ text: m.text, buttons: m.postedButtons.map((b) => b.text) })),
    async press(user, index, label) {
      const sent = slack.sentTo(user)[index]!;
      const button = sent.postedButtons.find((b) => b.text === label);
      if (!button) throw new Error(`no button "${label}" on that message (it has ${sent.buttons.map((b) => b.text).join(', ') || 'none'})`);
      await deliver(slack.interact(slack.blockActions(user, sent, button)));
    },
    failNextSend: (user, status) => slack.failNext({ status, channel: user }),
    sendStatuses: (user) => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.channel === user).map((c) => c.status),
    async idle() {
      await attached(mycel).slack().dispatcher.idle();
    },
    stop: () => slack.stop(),
  };
}

/** Slack over Socket Mode against the stand-in: events arrive over its websocket and are acknowledged there. */
export async function slackSocketHarness(): Promise<ChannelTestHarness> {
  const slack = await SlackStandIn.start();
  let mycel: TestMycel | undefined;
  return {
    channel: 'slack',
    newUser: () => slack.newUser(),
    env: (owners) => slack.socketEnv(owners),
    attach(m) {
      mycel = m;
    },
    async say(user, text) {
      const envelope = slack.socketEnvelope('events_api', slack.envelope(slack.message(user, text)));
      await slack.sendEnvelope(envelope);
      return envelope;
    },
    async redeliver(event) {
      const envelope = event as SocketEnvelope;
      await slack.sendEnvelope({ ...envelope, retry_attempt: envelope.retry_attempt + 1, retry_reason: 'timeout' });
    },
    messagesTo: (user) => slack.sentTo(user).map((m) => ({ text: m.text, buttons: m.postedButtons.map((b) => b.text) })),
    async press(user, index, label) {
      const sent = slack.sentTo(user)[index]!;
      const button = sent.postedButtons.find((b) => b.text === label);
      if (!button) throw new Error(`no button "${label}" on that message`);
      await slack.sendEnvelope(slack.socketEnvelope('interactive', slack.blockActions(user, sent, button)));
    },
    failNextSend: (user, status) => slack.failNext({ status, channel: user }),
    sendStatuses: (user) => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.channel === user).map((c) => c.status),
    async idle() {
      await attached(mycel).slack().dispatcher.idle();
    },
    stop: () => slack.stop(),
  };
}
