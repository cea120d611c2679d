import { SocketModeClient } from '@slack/socket-mode';
import { commitEvents, type InboundEventRecord } from '../channels/inbox.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { formatError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';
import { SLACK_ACCOUNT } from './adapter.js';
import { slackLogger } from './client.js';
import { interactionEvents, readEventsRequest, SlackPayloadError } from './events.js';

export interface SlackSocketOptions {
  appToken: string;
  apiRoot: string;
  allowedChannel: string | undefined;
  store: Store;
  metrics: Metrics;
  logger: Logger;
}

/** One envelope as `@slack/socket-mode` hands it over. */
interface SocketEnvelope {
  type: string;
  body: unknown;
  ack(response?: Record<string, unknown>): Promise<void>;
}

/**
 * Slack's Socket Mode ingress, through the official `@slack/socket-mode` client: it opens the
 * connection with the app-level token (`apps.connections.open`), keeps it alive and
 * reconnects. Each `events_api` or `interactive` envelope is read exactly as the Events API
 * routes read a request body (no signature: the socket itself is authenticated), committed to
 * the inbox, and only then acknowledged; an envelope that could not be stored is not
 * acknowledged, so Slack delivers it again, and a redelivery is a counted duplicate.
 */
export class SlackSocketIngress {
  private readonly client: SocketModeClient;

  constructor(private readonly options: SlackSocketOptions) {
    this.client = new SocketModeClient({
      appToken: options.appToken,
      logger: slackLogger(options.logger),
      clientOptions: { slackApiUrl: `${options.apiRoot.replace(/\/+$/, '')}/`, retryConfig: { retries: 5, factor: 2, minTimeout: 500, maxTimeout: 10_000 } },
    });
    this.client.on('slack_event', (envelope: SocketEnvelope) => void this.receive(envelope));
  }

  /** Connects; resolves once Slack said hello. */
  async start(): Promise<void> {
    await this.client.start();
  }

  async stop(): Promise<void> {
    await this.client.disconnect();
  }

  /** Handles one envelope: commit, then acknowledge. Never throws. */
  async receive(envelope: SocketEnvelope): Promise<void> {
    const { logger, allowedChannel } = this.options;
    let events: InboundEventRecord[];
    try {
      if (envelope.type === 'events_api') {
        const request = readEventsRequest(envelope.body, { allowedChannel });
        events = request.kind === 'events' ? request.events : [];
      } else if (envelope.type === 'interactive') {
        events = interactionEvents(envelope.body, { allowedChannel });
      } else {
        events = [];
      }
    } catch (err) {
      if (!(err instanceof SlackPayloadError)) {
        logger.error(`could not read a Slack Socket Mode ${envelope.type} envelope; not acknowledging it, so Slack delivers it again: ${formatError(err)}`);
        return;
      }
      // Delivering it again cannot make it readable: acknowledge and say so.
      logger.warn(`a Slack Socket Mode ${envelope.type} envelope Mycel cannot read: ${err.message}`);
      events = [];
    }
    try {
      if (events.length) {
        const result = await commitEvents(this.options.store, 'slack', SLACK_ACCOUNT, events);
        if (result.duplicates) this.options.metrics.duplicatesDropped.inc({ channel: 'slack' }, result.duplicates);
      }
      await envelope.ack();
    } catch (err) {
      logger.error(`could not store or acknowledge a Slack Socket Mode envelope; Slack delivers it again: ${formatError(err)}`);
    }
  }
}
