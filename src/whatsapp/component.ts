import type { Client } from '@temporalio/client';
import type { ChannelAdapter } from '../channels/adapter.js';
import { channelDispatcher } from '../channels/dispatcher.js';
import type { ChannelInboxRow, SettledStatus } from '../channels/inbox.js';
import { LaneDispatcher } from '../channels/lanes.js';
import type { MycelConfig } from '../config/config.js';
import type { Ingress } from '../conversation/ingress.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Resource } from '../runtime/lifecycle.js';
import type { Store } from '../storage/database.js';
import { WHATSAPP_CAPABILITIES, whatsappAdapter } from './adapter.js';
import type { WhatsAppClient } from './client.js';
import { WhatsAppSender } from './sender.js';

/** The running WhatsApp ingress of a process (tests look inside). */
export interface WhatsAppGateway {
  adapter: ChannelAdapter;
  dispatcher: LaneDispatcher<ChannelInboxRow, SettledStatus>;
}

/** What the WhatsApp sender uses. */
export interface WhatsAppSenderDeps {
  /** The process's one Cloud API client. */
  client: WhatsAppClient;
  store: Store;
  logger: Logger;
  metrics: Metrics;
}

/**
 * The WhatsApp sender (registered on the outbound channels of a worker when the channel is
 * configured): replies, reminders and approval requests reach WhatsApp through it.
 */
export function createWhatsAppSender(deps: WhatsAppSenderDeps): WhatsAppSender {
  return new WhatsAppSender({
    client: deps.client,
    store: deps.store,
    logger: deps.logger.child({ component: 'whatsapp' }),
    capabilities: WHATSAPP_CAPABILITIES,
    onPart: (result) => deps.metrics.channelMessages.inc({ channel: 'whatsapp', result }),
  });
}

/** What the WhatsApp ingress uses. */
export interface WhatsAppGatewayDeps extends WhatsAppSenderDeps {
  config: Pick<MycelConfig['whatsapp'], 'ownerNumbers'> & { phoneNumberId: string };
  temporal: Client;
  ingress: Ingress;
}

/**
 * The WhatsApp ingress, a part of `mycel start` and `mycel gateway` when the channel is
 * configured (it starts after the HTTP server, which carries the webhook): runs the shared
 * lane dispatcher over the channel's inbox. Stopping lets the turns in flight finish.
 */
export function whatsappGateway(deps: WhatsAppGatewayDeps): Resource<WhatsAppGateway> {
  return {
    name: 'whatsapp',
    start: async () => startWhatsAppGateway(deps),
    stop: (gateway) => gateway.dispatcher.stop(),
  };
}

function startWhatsAppGateway(deps: WhatsAppGatewayDeps): WhatsAppGateway {
  const { config, store, metrics } = deps;
  const { phoneNumberId } = config;
  const logger = deps.logger.child({ component: 'whatsapp' });
  const adapter = whatsappAdapter({ phoneNumberId, sender: createWhatsAppSender(deps) });
  const dispatcher = channelDispatcher({ name: 'WhatsApp', adapter, owners: config.ownerNumbers, store, metrics, logger, temporal: deps.temporal, ingress: deps.ingress });
  if (!config.ownerNumbers.length) {
    logger.warn('MYCEL_OWNER_WHATSAPP_NUMBERS is empty: everyone who writes gets a pairing code; approve with `mycel pairing approve <code>`');
  }
  dispatcher.start();
  logger.info({ phoneNumberId, owners: config.ownerNumbers.length }, 'WhatsApp channel running (webhook at /webhooks/whatsapp)');
  return { adapter, dispatcher };
}
