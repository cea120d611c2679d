import type { Component } from '../runtime/lifecycle.js';
import type { MycelProcess } from '../runtime/processes.js';
import { submitTurn, turnOptionsFromConfig } from '../conversation/ingress.js';
import { TELEGRAM_WEBHOOK_PATH } from '../http/routes/telegram-webhook.js';
import type { ChannelAdapter } from '../channels/adapter.js';
import { telegramAdapter } from './adapter.js';
import { createTelegramClient, describeApiError, verifyBot, type TelegramClient } from './client.js';
import { InboxDispatcher } from './dispatcher.js';
import { handleInboxRow } from './handler.js';
import { ALLOWED_UPDATES } from './limits.js';
import { UpdatePoller } from './poller.js';
import { TelegramSender } from './sender.js';
import { fetchTelegramFile, telegramMediaSettings } from './media.js';

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

const clients = new WeakMap<MycelProcess, TelegramClient>();
const gateways = new WeakMap<MycelProcess, TelegramGateway>();

/**
 * The process's one Bot API client, shared by the sender (worker) and the ingress
 * (gateway) so that both count against the same rate limiter.
 */
export function telegramClientFor(proc: MycelProcess): TelegramClient {
  let client = clients.get(proc);
  if (!client) {
    const { token, apiRoot } = proc.config.telegram;
    if (!token) throw new Error('telegramClientFor: TELEGRAM_BOT_TOKEN is not set');
    client = createTelegramClient({ token, apiRoot, metrics: proc.metrics });
    clients.set(proc, client);
  }
  return client;
}

function senderFor(proc: MycelProcess): TelegramSender {
  return new TelegramSender({ client: telegramClientFor(proc), store: proc.store!, logger: proc.logger.child({ component: 'telegram' }), metrics: proc.metrics });
}

/**
 * Registers the Telegram sender on the process's outbound channels (in the worker, when a
 * token is set): reply deliveries, reminders and approval requests reach Telegram through it.
 */
export function registerTelegramSender(proc: MycelProcess): void {
  if (!proc.config.telegram.token) return;
  proc.outbound.register('telegram', senderFor(proc));
}

export function telegramGatewayOf(proc: MycelProcess): TelegramGateway | undefined {
  return gateways.get(proc);
}

/**
 * The Telegram ingress, a component of `mycel start` and `mycel gateway` when
 * TELEGRAM_BOT_TOKEN is set (it starts after the HTTP server, which carries the webhook).
 * Checks the token with getMe, then polls (default) or sets the webhook, and runs the
 * inbox dispatcher. Stopping stops polling first, then lets the turns in flight finish.
 */
export function telegramComponent(proc: MycelProcess): Component {
  return {
    name: 'telegram',
    async start() {
      const { config } = proc;
      const logger = proc.logger.child({ component: 'telegram' });
      const client = telegramClientFor(proc);
      const me = await verifyBot(client, logger);
      const sender = senderFor(proc);
      const mediaSettings = telegramMediaSettings(config);
      const dispatcher = new InboxDispatcher({
        store: proc.store!,
        botId: client.botId,
        logger,
        metrics: proc.metrics,
        handle: (row) =>
          handleInboxRow(
            {
              store: proc.store!,
              logger,
              metrics: proc.metrics,
              botId: client.botId,
              botUsername: me.username,
              ownerIds: config.telegram.ownerIds,
              sender,
              temporal: proc.client!,
              submitTurn: (envelope) => submitTurn(proc.client!, { ...turnOptionsFromConfig(config), store: proc.store!, metrics: proc.metrics, logger }, envelope),
              media: {
                settings: mediaSettings,
                fetch: (chatId, ref) => fetchTelegramFile(client, { token: config.telegram.token!, apiRoot: config.telegram.apiRoot }, mediaSettings, chatId, ref),
              },
            },
            row,
          ),
      });
      const adapter = telegramAdapter({ botId: client.botId, botUsername: me.username, sender });
      const gateway: TelegramGateway = { client, bot: { id: me.id, username: me.username }, sender, adapter, dispatcher };
      if (!config.telegram.ownerIds.length) {
        logger.warn('MYCEL_OWNER_TELEGRAM_IDS is empty: everyone who writes to the bot gets a pairing code; approve with `mycel pairing approve <code>`');
      }
      if (config.telegram.mode === 'webhook') {
        const url = config.telegram.webhookUrl!;
        if (!new URL(url).pathname.endsWith(TELEGRAM_WEBHOOK_PATH)) {
          logger.warn({ url }, `TELEGRAM_WEBHOOK_URL does not end with ${TELEGRAM_WEBHOOK_PATH}, where Mycel receives updates; make sure a proxy maps it there`);
        }
        try {
          await client.api.setWebhook(url, { secret_token: config.telegram.webhookSecret!, allowed_updates: [...ALLOWED_UPDATES], drop_pending_updates: false });
        } catch (err) {
          throw new Error(`setWebhook failed: ${describeApiError(err)}`, { cause: err });
        }
      } else {
        gateway.poller = new UpdatePoller({ client, store: proc.store!, logger, metrics: proc.metrics });
        await gateway.poller.start();
      }
      dispatcher.start();
      gateways.set(proc, gateway);
      logger.info({ bot: `@${me.username}`, mode: config.telegram.mode, owners: config.telegram.ownerIds.length }, 'Telegram channel running');
    },
    async stop() {
      const gateway = gateways.get(proc);
      await gateway?.poller?.stop();
      await gateway?.dispatcher.stop();
    },
  };
}
