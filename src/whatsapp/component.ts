import type { ChannelAdapter } from '../channels/adapter.js';
import { handleChannelRow } from '../channels/handler.js';
import { channelInboxQueue, type ChannelInboxRow, type SettledStatus } from '../channels/inbox.js';
import { LaneDispatcher } from '../channels/lanes.js';
import { submitTurn, turnOptionsFromConfig } from '../conversation/ingress.js';
import type { Component } from '../runtime/lifecycle.js';
import type { MycelProcess } from '../runtime/processes.js';
import { WHATSAPP_CAPABILITIES, whatsappAdapter } from './adapter.js';
import { createWhatsAppClient, type WhatsAppClient } from './client.js';
import { WhatsAppSender } from './sender.js';

/** The running WhatsApp ingress of a process (tests look inside). */
export interface WhatsAppGateway {
  adapter: ChannelAdapter;
  dispatcher: LaneDispatcher<ChannelInboxRow, SettledStatus>;
}

const clients = new WeakMap<MycelProcess, WhatsAppClient>();
const gateways = new WeakMap<MycelProcess, WhatsAppGateway>();

function clientFor(proc: MycelProcess): WhatsAppClient {
  let client = clients.get(proc);
  if (!client) {
    const { accessToken, phoneNumberId, apiRoot } = proc.config.whatsapp;
    if (!accessToken || !phoneNumberId) throw new Error('the WhatsApp channel is not configured');
    client = createWhatsAppClient({ apiRoot, accessToken, phoneNumberId, logger: proc.logger.child({ component: 'whatsapp' }) });
    clients.set(proc, client);
  }
  return client;
}

function senderFor(proc: MycelProcess): WhatsAppSender {
  return new WhatsAppSender({
    client: clientFor(proc),
    store: proc.store!,
    logger: proc.logger.child({ component: 'whatsapp' }),
    capabilities: WHATSAPP_CAPABILITIES,
    onPart: (result) => proc.metrics.channelMessages.inc({ channel: 'whatsapp', result }),
  });
}

/**
 * Registers the WhatsApp sender on the process's outbound channels (in the worker, when the
 * channel is configured): replies, reminders and approval requests reach WhatsApp through it.
 */
export function registerWhatsAppSender(proc: MycelProcess): void {
  if (!proc.config.whatsapp.enabled) return;
  proc.outbound.register('whatsapp', senderFor(proc));
}

export function whatsappGatewayOf(proc: MycelProcess): WhatsAppGateway | undefined {
  return gateways.get(proc);
}

/**
 * The WhatsApp ingress, a component of `mycel start` and `mycel gateway` when the channel is
 * configured (it starts after the HTTP server, which carries the webhook): runs the shared
 * lane dispatcher over the channel's inbox. Stopping lets the turns in flight finish.
 */
export function whatsappComponent(proc: MycelProcess): Component {
  return {
    name: 'whatsapp',
    async start() {
      const { config } = proc;
      const logger = proc.logger.child({ component: 'whatsapp' });
      const phoneNumberId = config.whatsapp.phoneNumberId!;
      const adapter = whatsappAdapter({ phoneNumberId, sender: senderFor(proc) });
      const dispatcher = new LaneDispatcher<ChannelInboxRow, SettledStatus>({
        name: 'WhatsApp',
        queue: channelInboxQueue(proc.store!, 'whatsapp', phoneNumberId),
        logger,
        describe: (row) => ({ updateId: `whatsapp:${phoneNumberId}:${row.eventId}` }),
        onSettled: (row, outcome) => proc.metrics.channelEvents.inc({ channel: 'whatsapp', type: row.kind, outcome: outcome.status }),
        onBacklog: (pending) => proc.metrics.channelInboxPending.set({ channel: 'whatsapp' }, pending),
        handle: (row) =>
          handleChannelRow(
            {
              store: proc.store!,
              logger,
              temporal: proc.client!,
              adapter,
              owners: config.whatsapp.ownerNumbers,
              submitTurn: (envelope) => submitTurn(proc.client!, { ...turnOptionsFromConfig(config), store: proc.store!, metrics: proc.metrics, logger }, envelope),
            },
            row,
          ),
      });
      if (!config.whatsapp.ownerNumbers.length) {
        logger.warn('MYCEL_OWNER_WHATSAPP_NUMBERS is empty: everyone who writes gets a pairing code; approve with `mycel pairing approve <code>`');
      }
      dispatcher.start();
      gateways.set(proc, { adapter, dispatcher });
      logger.info({ phoneNumberId, owners: config.whatsapp.ownerNumbers.length }, 'WhatsApp channel running (webhook at /webhooks/whatsapp)');
    },
    async stop() {
      await gateways.get(proc)?.dispatcher.stop();
    },
  };
}
