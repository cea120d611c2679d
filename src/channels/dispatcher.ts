import type { Client } from '@temporalio/client';
import type { Ingress } from '../conversation/ingress.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../storage/database.js';
import { inboundKey, type ChannelAdapter } from './adapter.js';
import { handleChannelRow } from './handler.js';
import { channelInboxQueue, type ChannelInboxRow, type SettledStatus } from './inbox.js';
import { LaneDispatcher } from './lanes.js';

export interface ChannelDispatcherDeps {
  /** Shown in logs: "WhatsApp", "Discord", … */
  name: string;
  adapter: ChannelAdapter;
  /** The channel's owner list (user ids as the channel gives them). */
  owners: readonly string[];
  store: Store;
  metrics: Metrics;
  logger: Logger;
  temporal: Client;
  ingress: Ingress;
}

/**
 * The lane dispatcher of a channel on the shared adapter: its inbox (by the adapter's channel
 * and account), the shared handler, and the channel metrics. Every adapter's ingress builds
 * it here, so they differ only in how events reach the inbox.
 */
export function channelDispatcher(deps: ChannelDispatcherDeps): LaneDispatcher<ChannelInboxRow, SettledStatus> {
  const { adapter, store, metrics, logger } = deps;
  const { channel, account } = adapter;
  const handlerDeps = {
    store,
    logger,
    temporal: deps.temporal,
    adapter,
    owners: deps.owners,
    submitTurn: (envelope: Parameters<Ingress['submit']>[0]) => deps.ingress.submit(envelope, { logger }),
  };
  return new LaneDispatcher<ChannelInboxRow, SettledStatus>({
    name: deps.name,
    queue: channelInboxQueue(store, channel, account),
    logger,
    describe: (row) => ({ updateId: inboundKey(channel, account, row.eventId) }),
    onSettled: (row, outcome) => metrics.channelEvents.inc({ channel, type: row.kind, outcome: outcome.status }),
    onBacklog: (pending) => metrics.channelInboxPending.set({ channel }, pending),
    handle: (row) => handleChannelRow(handlerDeps, row),
  });
}
