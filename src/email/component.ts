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
import { EMAIL_CAPABILITIES, emailAdapter } from './adapter.js';
import { ImapIngress } from './ingress.js';
import { EmailSender, type MailTransport } from './sender.js';
import { imapServer, smtpServer } from './servers.js';
import { smtpTransport } from './transport.js';

/** The running email ingress of a process (tests look inside). */
export interface EmailIngress {
  adapter: ChannelAdapter;
  imap: ImapIngress;
  dispatcher: LaneDispatcher<ChannelInboxRow, SettledStatus>;
}

/** The email channel's client, built once per process: the SMTP transport and the address it sends from. */
export interface EmailClient {
  transport: MailTransport;
  from: string;
}

/** The email client of a configuration, when the channel is on (no I/O until a mail is sent). */
export function createEmailClient(config: MycelConfig['email']): EmailClient | undefined {
  if (!config.enabled || !config.smtpUrl || !config.from) return undefined;
  return { transport: smtpTransport(smtpServer(config.smtpUrl)), from: config.from };
}

/** What the email sender uses. */
export interface EmailSenderDeps {
  client: EmailClient;
  store: Store;
  logger: Logger;
  metrics: Metrics;
}

/** The email sender (registered on the outbound channels of a worker when the channel is on). */
export function createEmailSender(deps: EmailSenderDeps): EmailSender {
  return new EmailSender({
    transport: deps.client.transport,
    from: deps.client.from,
    store: deps.store,
    logger: deps.logger.child({ component: 'email' }),
    capabilities: EMAIL_CAPABILITIES,
    onPart: (result) => deps.metrics.channelMessages.inc({ channel: 'email', result }),
  });
}

/** What the email ingress uses. */
export interface EmailIngressDeps extends EmailSenderDeps {
  config: Pick<MycelConfig['email'], 'ownerAddresses' | 'authservId'> & { imapUrl: string };
  temporal: Client;
  ingress: Ingress;
}

/**
 * The email ingress, a part of `mycel start` and `mycel gateway` when the channel is on: IMAP
 * (IDLE) commits new mail to the channel inbox, the shared lane dispatcher hands it to the
 * shared handler, one mail at a time per sender. Stopping closes IMAP first, then lets the
 * turns in flight finish.
 */
export function emailIngress(deps: EmailIngressDeps): Resource<EmailIngress> {
  return {
    name: 'email',
    start: () => startEmailIngress(deps),
    async stop(running) {
      await running.imap.stop();
      await running.dispatcher.stop();
    },
  };
}

async function startEmailIngress(deps: EmailIngressDeps): Promise<EmailIngress> {
  const { config, store, metrics } = deps;
  const logger = deps.logger.child({ component: 'email' });
  const address = deps.client.from;
  const adapter = emailAdapter({ address, sender: createEmailSender(deps), authservId: config.authservId });
  const dispatcher = channelDispatcher({ name: 'email', adapter, owners: config.ownerAddresses, store, metrics, logger, temporal: deps.temporal, ingress: deps.ingress });
  const imap = new ImapIngress({
    server: imapServer(config.imapUrl),
    store,
    account: address,
    logger,
    async commit(events) {
      const result = await commitEvents(store, 'email', address, events);
      if (result.duplicates) metrics.duplicatesDropped.inc({ channel: 'email' }, result.duplicates);
      dispatcher.wake();
      return result;
    },
  });
  if (!config.ownerAddresses.length) logger.warn('MYCEL_OWNER_EMAILS is empty: everyone who writes gets a pairing code; approve with `mycel pairing approve <code>`');
  dispatcher.start();
  imap.start();
  logger.info({ address, owners: config.ownerAddresses.length }, 'email channel running');
  return { adapter, imap, dispatcher };
}
