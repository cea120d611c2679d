import type { ChannelAdapter } from '../channels/adapter.js';
import { handleChannelRow } from '../channels/handler.js';
import { channelInboxQueue, commitEvents, type ChannelInboxRow, type SettledStatus } from '../channels/inbox.js';
import { LaneDispatcher } from '../channels/lanes.js';
import { submitTurn, turnOptionsFromConfig } from '../conversation/ingress.js';
import type { Component } from '../runtime/lifecycle.js';
import type { MycelProcess } from '../runtime/processes.js';
import { DISCORD_CAPABILITIES, discordAdapter } from './adapter.js';
import { DiscordGateway } from './gateway.js';
import { botIdFromToken, createDiscordRest, type DiscordRest } from './rest.js';
import { DiscordSender } from './sender.js';

/** The running Discord ingress of a process (tests look inside). */
export interface DiscordIngress {
  adapter: ChannelAdapter;
  gateway: DiscordGateway;
  dispatcher: LaneDispatcher<ChannelInboxRow, SettledStatus>;
}

const rests = new WeakMap<MycelProcess, DiscordRest>();
const ingresses = new WeakMap<MycelProcess, DiscordIngress>();

function restFor(proc: MycelProcess): DiscordRest {
  let rest = rests.get(proc);
  if (!rest) {
    const { token, apiRoot } = proc.config.discord;
    if (!token) throw new Error('the Discord channel is not configured');
    rest = createDiscordRest({ apiRoot, token });
    rests.set(proc, rest);
  }
  return rest;
}

function senderFor(proc: MycelProcess): DiscordSender {
  return new DiscordSender({
    rest: restFor(proc),
    store: proc.store!,
    logger: proc.logger.child({ component: 'discord' }),
    capabilities: DISCORD_CAPABILITIES,
    onPart: (result) => proc.metrics.channelMessages.inc({ channel: 'discord', result }),
  });
}

/** Registers the Discord sender on the process's outbound channels (in the worker, when DISCORD_BOT_TOKEN is set). */
export function registerDiscordSender(proc: MycelProcess): void {
  if (!proc.config.discord.token) return;
  proc.outbound.register('discord', senderFor(proc));
}

export function discordIngressOf(proc: MycelProcess): DiscordIngress | undefined {
  return ingresses.get(proc);
}

/**
 * The Discord ingress, a component of `mycel start` and `mycel gateway` when DISCORD_BOT_TOKEN
 * is set: the gateway connection commits events to the channel inbox, and the shared lane
 * dispatcher hands them to the shared handler. Stopping closes the connection first, then
 * lets the turns in flight finish.
 */
export function discordComponent(proc: MycelProcess): Component {
  return {
    name: 'discord',
    async start() {
      const { config } = proc;
      const logger = proc.logger.child({ component: 'discord' });
      const token = config.discord.token!;
      const botId = botIdFromToken(token);
      const adapter = discordAdapter({ botId, sender: senderFor(proc) });
      const dispatcher = new LaneDispatcher<ChannelInboxRow, SettledStatus>({
        name: 'Discord',
        queue: channelInboxQueue(proc.store!, 'discord', botId),
        logger,
        describe: (row) => ({ updateId: `discord:${botId}:${row.eventId}` }),
        onSettled: (row, outcome) => proc.metrics.channelEvents.inc({ channel: 'discord', type: row.kind, outcome: outcome.status }),
        onBacklog: (pending) => proc.metrics.channelInboxPending.set({ channel: 'discord' }, pending),
        handle: (row) =>
          handleChannelRow(
            {
              store: proc.store!,
              logger,
              temporal: proc.client!,
              adapter,
              owners: config.discord.ownerIds,
              submitTurn: (envelope) => submitTurn(proc.client!, { ...turnOptionsFromConfig(config), store: proc.store!, metrics: proc.metrics, logger }, envelope),
            },
            row,
          ),
      });
      const gateway = new DiscordGateway({
        token,
        rest: restFor(proc),
        botId,
        allowedChannelId: config.discord.channelId,
        logger,
        commit: async (event) => {
          const result = await commitEvents(proc.store!, 'discord', botId, [event]);
          if (result.duplicates) proc.metrics.duplicatesDropped.inc({ channel: 'discord' }, result.duplicates);
          dispatcher.wake();
        },
      });
      if (!config.discord.ownerIds.length) {
        logger.warn('MYCEL_OWNER_DISCORD_IDS is empty: everyone who writes gets a pairing code; approve with `mycel pairing approve <code>`');
      }
      dispatcher.start();
      await gateway.start();
      ingresses.set(proc, { adapter, gateway, dispatcher });
      logger.info({ botId, owners: config.discord.ownerIds.length, channel: config.discord.channelId ?? null }, 'Discord channel running (gateway connected)');
    },
    async stop() {
      const ingress = ingresses.get(proc);
      await ingress?.gateway.stop();
      await ingress?.dispatcher.stop();
    },
  };
}
