import type { Client } from '@temporalio/client';
import type { ChannelAdapter } from '../channels/adapter.js';
import type { MycelConfig } from '../config/config.js';
import type { Ingress } from '../conversation/ingress.js';
import { TELEGRAM_WEBHOOK_PATH } from '../http/routes/telegram-webhook.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Resource } from '../runtime/lifecycle.js';
import type { Store } from '../storage/database.js';
import { telegramAdapter } from './adapter.js';
import { describeApiError, verifyBot, type TelegramClient } from './client.js';
import { InboxDispatcher } from './dispatcher.js';
import { handleInboxRow } from './handler.js';
import { ALLOWED_UPDATES } from './limits.js';
import { UpdatePoller } from './poller.js';
import { TelegramSender } from './sender.js';
import { fetchTelegramFile, type TelegramMediaSettings } from './media.js';

/** The running Telegram ingress of a process (tests and the bench look inside). */
export interface TelegramGateway {
  client: TelegramClient;
  bot: { id: number; username: string };
  sender: TelegramSender;
  /** The channel behind the shared adapter interface. */
  adapter: ChannelAdapter;
  dispatcher: InboxDispatcher;
  /** Present in polling mode. */
  poller?: UpdatePoller;
}

/** What the Telegram sender uses. */
export interface TelegramSenderDeps {
  /** The process's one Bot API client: sender and ingress count against the same rate limiter. */
  client: TelegramClient;
  store: Store;
  logger: Logger;
  metrics: Metrics;
}

/**
 * The Telegram sender (registered on the outbound channels of a worker when a token is set):
 * reply deliveries, reminders and approval requests reach Telegram through it.
 */
export function createTelegramSender(deps: TelegramSenderDeps): TelegramSender {
  return new TelegramSender({ client: deps.client, store: deps.store, logger: deps.logger.child({ component: 'telegram' }), metrics: deps.metrics });
}

/** What the Telegram ingress uses. */
export interface TelegramGatewayDeps extends TelegramSenderDeps {
  config: Pick<MycelConfig['telegram'], 'mode' | 'ownerIds' | 'webhookUrl' | 'webhookSecret'>;
  temporal: Client;
  ingress: Ingress;
  /** Which media the ingress takes (photos, voice notes), and how it downloads their files. */
  media: { settings: TelegramMediaSettings; access: { token: string; apiRoot: string } };
}

/**
 * The Telegram ingress, a part of `mycel start` and `mycel gateway` when TELEGRAM_BOT_TOKEN
 * is set (it starts after the HTTP server, which carries the webhook). Checks the token with
 * getMe, then polls (default) or sets the webhook, and runs the inbox dispatcher. Stopping
 * stops polling first, then lets the turns in flight finish.
 */
export function telegramGateway(deps: TelegramGatewayDeps): Resource<TelegramGateway> {
  return {
    name: 'telegram',
    start: () => startTelegramGateway(deps),
    async stop(gateway) {
      await gateway.poller?.stop();
      await gateway.dispatcher.stop();
    },
  };
}

async function startTelegramGateway(deps: TelegramGatewayDeps): Promise<TelegramGateway> {
  const { config, client, store, metrics } = deps;
  const logger = deps.logger.child({ component: 'telegram' });
  const me = await verifyBot(client, logger);
  const sender = createTelegramSender(deps);
  const handlerDeps = {
    store,
    logger,
    metrics,
    botId: client.botId,
    botUsername: me.username,
    ownerIds: config.ownerIds,
    sender,
    temporal: deps.temporal,
    submitTurn: (envelope: Parameters<Ingress['submit']>[0]) => deps.ingress.submit(envelope, { logger }),
    media: {
      settings: deps.media.settings,
      fetch: (chatId: string, ref: Parameters<typeof fetchTelegramFile>[4]) => fetchTelegramFile(client, deps.media.access, deps.media.settings, chatId, ref),
    },
  };
  const dispatcher = new InboxDispatcher({ store, botId: client.botId, logger, metrics, handle: (row) => handleInboxRow(handlerDeps, row) });
  const adapter = telegramAdapter({ botId: client.botId, botUsername: me.username, sender });
  const gateway: TelegramGateway = { client, bot: { id: me.id, username: me.username }, sender, adapter, dispatcher };
  if (!config.ownerIds.length) {
    logger.warn('MYCEL_OWNER_TELEGRAM_IDS is empty: everyone who writes to the bot gets a pairing code; approve with `mycel pairing approve <code>`');
  }
  if (config.mode === 'webhook') await setWebhook(client, config, logger);
  else {
    gateway.poller = new UpdatePoller({ client, store, logger, metrics });
    await gateway.poller.start();
  }
  dispatcher.start();
  logger.info({ bot: `@${me.username}`, mode: config.mode, owners: config.ownerIds.length }, 'Telegram channel running');
  return gateway;
}

async function setWebhook(client: TelegramClient, config: TelegramGatewayDeps['config'], logger: Logger): Promise<void> {
  const url = config.webhookUrl;
  const secret = config.webhookSecret;
  // The configuration schema requires both in webhook mode; this only narrows the types.
  if (!url || !secret) throw new Error('TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET');
  if (!new URL(url).pathname.endsWith(TELEGRAM_WEBHOOK_PATH)) {
    logger.warn({ url }, `TELEGRAM_WEBHOOK_URL does not end with ${TELEGRAM_WEBHOOK_PATH}, where Mycel receives updates; make sure a proxy maps it there`);
  }
  try {
    await client.api.setWebhook(url, { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES], drop_pending_updates: false });
  } catch (err) {
    throw new Error(`setWebhook failed: ${describeApiError(err)}`, { cause: err });
  }
}
