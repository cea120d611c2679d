import type { Client } from '@temporalio/client';
import type { ChannelAdapter } from '../channels/adapter.js';
import { channelDispatcher } from '../channels/dispatcher.js';
import { commitEvents, type ChannelInboxRow, type SettledStatus } from '../channels/inbox.js';
import { LaneDispatcher } from '../channels/lanes.js';
import type { MycelConfig } from '../config/config.js';
import type { Ingress } from '../conversation/ingress.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Resource } from '../runtime/lifecycle.js';
import type { Store } from '../storage/database.js';
import { DISCORD_CAPABILITIES, discordAdapter } from './adapter.js';
import { DiscordGateway } from './gateway.js';
import { botIdFromToken, type DiscordRest } from './rest.js';
import { DiscordSender } from './sender.js';

/** The running Discord ingress of a process (tests look inside). */
export interface DiscordIngress {
  adapter: ChannelAdapter;
  gateway: DiscordGateway;
  dispatcher: LaneDispatcher<ChannelInboxRow, SettledStatus>;
}

/** What the Discord sender uses. */
export interface DiscordSenderDeps {
  /** The process's one REST client. */
  rest: DiscordRest;
  store: Store;
  logger: Logger;
  metrics: Metrics;
}

/** The Discord sender (registered on the outbound channels of a worker when DISCORD_BOT_TOKEN is set). */
export function createDiscordSender(deps: DiscordSenderDeps): DiscordSender {
  return new DiscordSender({
    rest: deps.rest,
    store: deps.store,
    logger: deps.logger.child({ component: 'discord' }),
    capabilities: DISCORD_CAPABILITIES,
    onPart: (result) => deps.metrics.channelMessages.inc({ channel: 'discord', result }),
  });
}

/** What the Discord ingress uses. */
export interface DiscordIngressDeps extends DiscordSenderDeps {
  config: Pick<MycelConfig['discord'], 'channelId' | 'ownerIds'> & { token: string };
  temporal: Client;
  ingress: Ingress;
}

/**
 * The Discord ingress, a part of `mycel start` and `mycel gateway` when DISCORD_BOT_TOKEN is
 * set: the gateway connection commits events to the channel inbox, and the shared lane
 * dispatcher hands them to the shared handler. Stopping closes the connection first, then
 * lets the turns in flight finish.
 */
export function discordIngress(deps: DiscordIngressDeps): Resource<DiscordIngress> {
  return {
    name: 'discord',
    start: () => startDiscordIngress(deps),
    async stop(ingress) {
      await ingress.gateway.stop();
      await ingress.dispatcher.stop();
    },
  };
}

async function startDiscordIngress(deps: DiscordIngressDeps): Promise<DiscordIngress> {
  const { config, store, metrics } = deps;
  const logger = deps.logger.child({ component: 'discord' });
  const botId = botIdFromToken(config.token);
  const adapter = discordAdapter({ botId, sender: createDiscordSender(deps) });
  const dispatcher = channelDispatcher({ name: 'Discord', adapter, owners: config.ownerIds, store, metrics, logger, temporal: deps.temporal, ingress: deps.ingress });
  const gateway = new DiscordGateway({
    token: config.token,
    rest: deps.rest,
    botId,
    allowedChannelId: config.channelId,
    logger,
    commit: async (event) => {
      const result = await commitEvents(store, 'discord', botId, [event]);
      if (result.duplicates) metrics.duplicatesDropped.inc({ channel: 'discord' }, result.duplicates);
      dispatcher.wake();
    },
  });
  if (!config.ownerIds.length) {
    logger.warn('MYCEL_OWNER_DISCORD_IDS is empty: everyone who writes gets a pairing code; approve with `mycel pairing approve <code>`');
  }
  dispatcher.start();
  await gateway.start();
  logger.info({ botId, owners: config.ownerIds.length, channel: config.channelId ?? null }, 'Discord channel running (gateway connected)');
  return { adapter, gateway, dispatcher };
}
