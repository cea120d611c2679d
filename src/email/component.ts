import type { ChannelAdapter } from '../channels/adapter.js';
import { handleChannelRow } from '../channels/handler.js';
import { channelInboxQueue, commitEvents, type ChannelInboxRow, type SettledStatus } from '../channels/inbox.js';
import { LaneDispatcher } from '../channels/lanes.js';
import { submitTurn, turnOptionsFromConfig } from '../conversation/ingress.js';
import type { Component } from '../runtime/lifecycle.js';
import type { MycelProcess } from '../runtime/processes.js';
import { EMAIL_CAPABILITIES, emailAdapter } from './adapter.js';
import { ImapIngress } from './ingress.js';
import { EmailSender } from './sender.js';
import { imapServer, smtpServer } from './servers.js';
import { smtpTransport } from './transport.js';

/** The running email ingress of a process (tests look inside). */
export interface EmailGateway {
  adapter: ChannelAdapter;
  ingress: ImapIngress;
  dispatcher: LaneDispatcher<ChannelInboxRow, SettledStatus>;
}

const gateways = new WeakMap<MycelProcess, EmailGateway>();
const senders = new WeakMap<MycelProcess, EmailSender>();

function senderFor(proc: MycelProcess): EmailSender {
  let sender = senders.get(proc);
  if (!sender) {
    const { smtpUrl, from } = proc.config.email;
    if (!smtpUrl || !from) throw new Error('the email channel is not configured');
    sender = new EmailSender({
      transport: smtpTransport(smtpServer(smtpUrl)),
      store: proc.store!,
      logger: proc.logger.child({ component: 'email' }),
      from,
      capabilities: EMAIL_CAPABILITIES,
      onPart: (result) => proc.metrics.channelMessages.inc({ channel: 'email', result }),
    });
    senders.set(proc, sender);
  }
  return sender;
}

/**
 * Registers the email sender on the process's outbound channels (in the worker, when the
 * channel is configured): replies, reminders, approval requests and scheduled results reach
 * email chats through it.
 */
export function registerEmailSender(proc: MycelProcess): void {
  if (!proc.config.email.enabled) return;
  proc.outbound.register('email', senderFor(proc));
}

export function emailGatewayOf(proc: MycelProcess): EmailGateway | undefined {
  return gateways.get(proc);
}

/**
 * The email ingress, a component of `mycel start` and `mycel gateway` when the channel is
 * configured: IMAP (IDLE) commits new mail to the channel inbox, the shared lane dispatcher
 * handles it one mail at a time per sender. Stopping closes IMAP first, then lets the turns
 * in flight finish.
 */
export function emailComponent(proc: MycelProcess): Component {
  return {
    name: 'email',
    async start() {
      const { config } = proc;
      const store = proc.store!;
      const logger = proc.logger.child({ component: 'email' });
      const address = config.email.from!;
      const adapter = emailAdapter({ address, sender: senderFor(proc), authservId: config.email.authservId });
      const dispatcher = new LaneDispatcher<ChannelInboxRow, SettledStatus>({
        name: 'email',
        queue: channelInboxQueue(store, 'email', address),
        logger,
        describe: (row) => ({ updateId: `email:${address}:${row.eventId}` }),
        onSettled: (row, outcome) => proc.metrics.channelEvents.inc({ channel: 'email', type: row.kind, outcome: outcome.status }),
        onBacklog: (pending) => proc.metrics.channelInboxPending.set({ channel: 'email' }, pending),
        handle: (row) =>
          handleChannelRow(
            {
              store,
              logger,
              temporal: proc.client!,
              adapter,
              owners: config.email.ownerAddresses,
              submitTurn: (envelope) => submitTurn(proc.client!, { ...turnOptionsFromConfig(config), store, metrics: proc.metrics, logger }, envelope),
            },
            row,
          ),
      });
      const ingress = new ImapIngress({
        server: imapServer(config.email.imapUrl!),
        store,
        account: address,
        logger,
        async commit(events) {
          const result = await commitEvents(store, 'email', address, events);
          if (result.duplicates) proc.metrics.duplicatesDropped.inc({ channel: 'email' }, result.duplicates);
          return result;
        },
      });
      if (!config.email.ownerAddresses.length) logger.warn('MYCEL_OWNER_EMAILS is empty: everyone who writes gets a pairing code; approve with `mycel pairing approve <code>`');
      dispatcher.start();
      ingress.start();
      gateways.set(proc, { adapter, ingress, dispatcher });
      logger.info({ address, owners: config.email.ownerAddresses.length }, 'email channel running');
    },
    async stop() {
      const gateway = gateways.get(proc);
      await gateway?.ingress.stop();
      await gateway?.dispatcher.stop();
    },
  };
}
