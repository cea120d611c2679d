import type { ChannelAdapter } from '../channels/adapter.js';
import { handleChannelRow } from '../channels/handler.js';
import { channelInboxQueue, type ChannelInboxRow, type SettledStatus } from '../channels/inbox.js';
import { LaneDispatcher } from '../channels/lanes.js';
import { submitTurn, turnOptionsFromConfig } from '../conversation/ingress.js';
import type { Component } from '../runtime/lifecycle.js';
import type { MycelProcess } from '../runtime/processes.js';
import { SLACK_ACCOUNT, SLACK_CAPABILITIES, slackAdapter } from './adapter.js';
import { createSlackClient, type SlackClient } from './client.js';
import { SlackSender } from './sender.js';
import { SlackSocketIngress } from './socket.js';
import { MycelError } from '../shared/errors.js';

/** The running Slack ingress of a process (tests look inside). */
export interface SlackGateway {
  adapter: ChannelAdapter;
  dispatcher: LaneDispatcher<ChannelInboxRow, SettledStatus>;
  /** The Socket Mode connection (when SLACK_APP_TOKEN is set). */
  socket?: SlackSocketIngress;
}

const clients = new WeakMap<MycelProcess, SlackClient>();
const gateways = new WeakMap<MycelProcess, SlackGateway>();

function clientFor(proc: MycelProcess): SlackClient {
  let client = clients.get(proc);
  if (!client) {
    const { botToken, apiRoot } = proc.config.slack;
    if (!botToken) throw new Error('the Slack channel is not configured');
    client = createSlackClient({ apiRoot, botToken, logger: proc.logger.child({ component: 'slack' }) });
    clients.set(proc, client);
  }
  return client;
}

function senderFor(proc: MycelProcess): SlackSender {
  return new SlackSender({
    client: clientFor(proc),
    store: proc.store!,
    logger: proc.logger.child({ component: 'slack' }),
    capabilities: SLACK_CAPABILITIES,
    onPart: (result) => proc.metrics.channelMessages.inc({ channel: 'slack', result }),
  });
}

/**
 * Registers the Slack sender on the process's outbound channels (in the worker, when the
 * channel is configured): replies, reminders and approval requests reach Slack through it.
 */
export function registerSlackSender(proc: MycelProcess): void {
  if (!proc.config.slack.enabled) return;
  proc.outbound.register('slack', senderFor(proc));
}

export function slackGatewayOf(proc: MycelProcess): SlackGateway | undefined {
  return gateways.get(proc);
}

/**
 * The Slack ingress, a component of `mycel start` and `mycel gateway` when the channel is
 * configured (it starts after the HTTP server, which carries the Events API and
 * interactivity routes): runs the shared lane dispatcher over the channel's inbox. Stopping
 * lets the turns in flight finish.
 */
export function slackComponent(proc: MycelProcess): Component {
  return {
    name: 'slack',
    async start() {
      const { config } = proc;
      const logger = proc.logger.child({ component: 'slack' });
      const adapter = slackAdapter({ sender: senderFor(proc) });
      const dispatcher = new LaneDispatcher<ChannelInboxRow, SettledStatus>({
        name: 'Slack',
        queue: channelInboxQueue(proc.store!, 'slack', SLACK_ACCOUNT),
        logger,
        describe: (row) => ({ updateId: `slack:${SLACK_ACCOUNT}:${row.eventId}` }),
        onSettled: (row, outcome) => proc.metrics.channelEvents.inc({ channel: 'slack', type: row.kind, outcome: outcome.status }),
        onBacklog: (pending) => proc.metrics.channelInboxPending.set({ channel: 'slack' }, pending),
        handle: (row) =>
          handleChannelRow(
            {
              store: proc.store!,
              logger,
              temporal: proc.client!,
              adapter,
              owners: config.slack.ownerIds,
              submitTurn: (envelope) => submitTurn(proc.client!, { ...turnOptionsFromConfig(config), store: proc.store!, metrics: proc.metrics, logger }, envelope),
            },
            row,
          ),
      });
      if (!config.slack.ownerIds.length) {
        logger.warn('MYCEL_OWNER_SLACK_IDS is empty: everyone who writes gets a pairing code; approve with `mycel pairing approve <code>`');
      }
      dispatcher.start();
      const gateway: SlackGateway = { adapter, dispatcher };
      gateways.set(proc, gateway);
      if (config.slack.mode === 'socket') {
        gateway.socket = new SlackSocketIngress({ appToken: config.slack.appToken!, apiRoot: config.slack.apiRoot, allowedChannel: config.slack.allowedChannel, store: proc.store!, metrics: proc.metrics, logger });
        await gateway.socket.start().catch((err: unknown) => {
          throw new MycelError('SLACK_SOCKET_FAILED', `Could not open Slack's Socket Mode connection: ${err instanceof Error ? err.message : String(err)}`, 'check SLACK_APP_TOKEN (an app-level token with connections:write, Socket Mode turned on for the app) and the network', { cause: err });
        });
      }
      const ingress = config.slack.mode === 'socket' ? 'Socket Mode' : 'Events API at /webhooks/slack, interactivity at /webhooks/slack/interactive';
      logger.info({ owners: config.slack.ownerIds.length, allowedChannel: config.slack.allowedChannel }, `Slack channel running (${ingress})`);
    },
    async stop() {
      const gateway = gateways.get(proc);
      // Stop taking input first, then let the turns in flight finish.
      await gateway?.socket?.stop().catch(() => undefined);
      await gateway?.dispatcher.stop();
    },
  };
}
