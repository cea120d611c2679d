import type { Client } from '@temporalio/client';
import type { OutboundChannels } from '../channels/outbound.js';
import type { MycelConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { OwnPorts } from '../runtime/own-ports.js';
import type { Store } from '../storage/database.js';
import type { ReplyStreams } from '../conversation/reply-stream.js';

/**
 * What activities may use. The worker passes real clients; a test passes its own.
 * No activity reads a module-level singleton or the environment.
 */
export interface ActivityDeps {
  config: MycelConfig;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  /** For activities that start or signal other workflows (promises, approvals). */
  temporal: Client;
  /** Senders of channels that push messages (Telegram); the web channel reads the transcript. */
  outbound: OutboundChannels;
  /** Ports of this process and its Temporal server, which the http tool never reaches. */
  ownPorts?: OwnPorts;
  /** Where brain steps publish reply parts as they come (absent: nothing is streamed). */
  replies?: ReplyStreams;
}
