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
import { MycelError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';
import { SLACK_CAPABILITIES, slackAdapter } from './adapter.js';
import type { SlackClient } from './client.js';
import { SlackSender } from './sender.js';
import { SlackSocketIngress } from './socket.js';

/** The running Slack ingress of a process (tests look inside). */
export interface SlackGateway {
  adapter: ChannelAdapter;
  dispatcher: LaneDispatcher<ChannelInboxRow, SettledStatus>;
  /** The Socket Mode connection (when SLACK_APP_TOKEN is set). */
  socket?: SlackSocketIngress;
}

/** What the Slack sender uses. */
export interface SlackSenderDeps {
  /** The process's one Web API client. */
  client: SlackClient;
  store: Store;
  logger: Logger;
  metrics: Metrics;
}

/**
 * The Slack sender (registered on the outbound channels of a worker when the channel is
 * configured): replies, reminders and approval requests reach Slack through it.
 */
export function createSlackSender(deps: SlackSenderDeps): SlackSender {
  return new SlackSender({
    client: deps.client,
    store: deps.store,
    logger: deps.logger.child({ component: 'slack' }),
    capabilities: SLACK_CAPABILITIES,
    onPart: (result) => deps.metrics.channelMessages.inc({ channel: 'slack', result }),
  });
}

/** What the Slack ingress uses. */
export interface SlackGatewayDeps extends SlackSenderDeps {
  config: Pick<MycelConfig['slack'], 'mode' | 'appToken' | 'apiRoot' | 'allowedChannel' | 'ownerIds'>;
  temporal: Client;
  ingress: Ingress;
}

/**
 * The Slack ingress, a part of `mycel start` and `mycel gateway` when the channel is
 * configured (it starts after the HTTP server, which carries the Events API and
 * interactivity routes): runs the shared lane dispatcher over the channel's inbox and, in
 * Socket Mode, the connection to Slack. Stopping takes no more input first, then lets the
 * turns in flight finish.
 */
export function slackGateway(deps: SlackGatewayDeps): Resource<SlackGateway> {
  return {
    name: 'slack',
    start: () => startSlackGateway(deps),
    async stop(gateway) {
      await gateway.socket?.stop().catch(() => undefined);
      await gateway.dispatcher.stop();
    },
  };
}

async function startSlackGateway(deps: SlackGatewayDeps): Promise<SlackGateway> {
  const { config, store, metrics } = deps;
  const logger = deps.logger.child({ component: 'slack' });
  const adapter = slackAdapter({ sender: createSlackSender(deps) });
  const dispatcher = channelDispatcher({ name: 'Slack', adapter, owners: config.ownerIds, store, metrics, logger, temporal: deps.temporal, ingress: deps.ingress });
  if (!config.ownerIds.length) {
    logger.warn('MYCEL_OWNER_SLACK_IDS is empty: everyone who writes gets a pairing code; approve with `mycel pairing approve <code>`');
  }
  dispatcher.start();
  const gateway: SlackGateway = { adapter, dispatcher };
  if (config.mode === 'socket' && config.appToken) {
    gateway.socket = new SlackSocketIngress({ appToken: config.appToken, apiRoot: config.apiRoot, allowedChannel: config.allowedChannel, store, metrics, logger });
    try {
      await gateway.socket.start();
    } catch (err) {
      await dispatcher.stop();
      throw new MycelError('SLACK_SOCKET_FAILED', `Could not open Slack's Socket Mode connection: ${err instanceof Error ? err.message : String(err)}`, 'check SLACK_APP_TOKEN (an app-level token with connections:write, Socket Mode turned on for the app) and the network', { cause: err });
    }
  }
  const ingress = config.mode === 'socket' ? 'Socket Mode' : 'Events API at /webhooks/slack, interactivity at /webhooks/slack/interactive';
  logger.info({ owners: config.ownerIds.length, allowedChannel: config.allowedChannel }, `Slack channel running (${ingress})`);
  return gateway;
}
