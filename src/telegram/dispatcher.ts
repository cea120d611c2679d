import { LaneDispatcher, type InboxQueue } from '../channels/lanes.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../storage/database.js';
import type { HandledUpdate } from './handler.js';
import { countPending, nextPending, onInboxCommit, pendingLanes, pruneTelegramRecords, recordFailedAttempt, settleRow, type InboxRow, type InboxStatus } from './inbox.js';
import { DISPATCH_CONCURRENCY, INBOX_POLL_MS } from './limits.js';

export interface DispatcherDeps {
  store: Store;
  botId: string;
  logger: Logger;
  metrics: Metrics;
  handle(row: InboxRow): Promise<HandledUpdate>;
  concurrency?: number;
  pollMs?: number;
}

/** The Telegram inbox table as the shared lane dispatcher reads it. */
export function telegramInboxQueue(store: Store, botId: string): InboxQueue<InboxRow, Exclude<InboxStatus, 'pending'>> {
  return {
    pendingLanes: (limit) => pendingLanes(store, botId, limit),
    nextPending: (lane) => nextPending(store, botId, lane),
    settle: (row, outcome) => settleRow(store, row, outcome.status, outcome.detail, { forget: outcome.forget }),
    recordFailedAttempt: (row, reason) => recordFailedAttempt(store, row, reason),
    countPending: () => countPending(store, botId),
    onCommit: (fn) => onInboxCommit(store, fn),
    prune: () => pruneTelegramRecords(store),
  };
}

/**
 * Works through the Telegram inbox on the shared lane dispatcher (src/channels/lanes.ts):
 * one update at a time per chat, in update order, up to `concurrency` chats in parallel,
 * a transiently failed update retried with back-off while its chat waits.
 */
export class InboxDispatcher extends LaneDispatcher<InboxRow, Exclude<InboxStatus, 'pending'>> {
  constructor(deps: DispatcherDeps) {
    super({
      name: 'Telegram',
      queue: telegramInboxQueue(deps.store, deps.botId),
      logger: deps.logger,
      handle: deps.handle,
      describe: (row) => ({ updateId: `telegram:${deps.botId}:${row.updateId}` }),
      onSettled: (row, outcome) => deps.metrics.telegramUpdates.inc({ type: row.kind, outcome: outcome.status }),
      onBacklog: (pending) => deps.metrics.telegramInboxPending.set(pending),
      concurrency: deps.concurrency ?? DISPATCH_CONCURRENCY,
      pollMs: deps.pollMs ?? INBOX_POLL_MS,
    });
  }
}
