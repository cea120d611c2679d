import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { formatError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';
import type { HandledUpdate } from './handler.js';
import { countPending, nextPending, onInboxCommit, pendingLanes, pruneTelegramRecords, recordFailedAttempt, settleRow, type InboxRow } from './inbox.js';
import { DISPATCH_CONCURRENCY, INBOX_POLL_MS, INBOX_RETRY_BACKOFF_MS } from './limits.js';

export interface DispatcherDeps {
  store: Store;
  botId: string;
  logger: Logger;
  metrics: Metrics;
  handle(row: InboxRow): Promise<HandledUpdate>;
  concurrency?: number;
  pollMs?: number;
}

const PRUNE_EVERY_MS = 6 * 60 * 60 * 1000;

/**
 * Works through the inbox: one update at a time per lane (chat), in update order, with up
 * to `concurrency` chats in parallel. A row leaves `pending` only once handled; a
 * transient failure keeps it (and so its chat) waiting, retried with back-off, so a turn
 * is neither lost nor overtaken by a later message of the same chat. Wakes when this
 * process commits updates, and re-reads the inbox every `pollMs` for rows committed
 * elsewhere or left by an earlier run.
 */
export class InboxDispatcher {
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly sleepers = new Set<() => void>();
  private stopping = false;
  private pumping = false;
  private pumpAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private lastPrune = 0;
  private readonly concurrency: number;

  constructor(private readonly deps: DispatcherDeps) {
    this.concurrency = deps.concurrency ?? DISPATCH_CONCURRENCY;
  }

  start(): void {
    this.unsubscribe = onInboxCommit(this.deps.store, () => this.wake());
    this.timer = setInterval(() => this.wake(), this.deps.pollMs ?? INBOX_POLL_MS);
    this.timer.unref();
    this.wake();
  }

  wake(): void {
    void this.pump();
  }

  /** Stops taking rows, lets the rows being handled finish, and returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    for (const wake of this.sleepers) wake();
    await Promise.allSettled([...this.lanes.values()]);
  }

  /** Resolves when nothing is pending and no lane is busy (tests, bench). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lanes.size || (await countPending(this.deps.store, this.deps.botId))) {
      if (Date.now() > deadline) throw new Error(`the Telegram inbox did not drain within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async pump(): Promise<void> {
    if (this.stopping) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        if (this.lanes.size >= this.concurrency) break;
        const lanes = await pendingLanes(this.deps.store, this.deps.botId, this.concurrency + this.lanes.size);
        for (const lane of lanes) {
          if (this.stopping || this.lanes.size >= this.concurrency) break;
          if (!this.lanes.has(lane)) this.runLane(lane);
        }
        this.deps.metrics.telegramInboxPending.set(await countPending(this.deps.store, this.deps.botId));
      } while (this.pumpAgain && !this.stopping);
      await this.maybePrune();
    } catch (err) {
      this.deps.logger.warn(`could not read the Telegram inbox: ${formatError(err)}`);
    } finally {
      this.pumping = false;
    }
  }

  private runLane(lane: string): void {
    const run = this.drainLane(lane)
      .catch((err) => this.deps.logger.error({ lane }, `Telegram inbox lane stopped: ${formatError(err)}`))
      .finally(() => {
        this.lanes.delete(lane);
        this.wake();
      });
    this.lanes.set(lane, run);
  }

  private async drainLane(lane: string): Promise<void> {
    const { store, botId, logger, metrics } = this.deps;
    let failures = 0;
    while (!this.stopping) {
      const row = await nextPending(store, botId, lane);
      if (!row) return;
      const log = logger.child({ updateId: `telegram:${botId}:${row.updateId}`, lane });
      try {
        const outcome = await this.deps.handle(row);
        await settleRow(store, row, outcome.status, outcome.detail, { forget: outcome.forget });
        metrics.telegramUpdates.inc({ type: row.kind, outcome: outcome.status });
        if (outcome.status === 'skipped') log.warn(`skipped a Telegram update: ${outcome.detail}`);
        else log.debug({ status: outcome.status }, outcome.detail);
        failures = 0;
      } catch (err) {
        failures += 1;
        const reason = formatError(err);
        await recordFailedAttempt(store, row, reason).catch(() => undefined);
        const [first, last] = INBOX_RETRY_BACKOFF_MS;
        const delay = Math.min(last, first * 2 ** (failures - 1));
        log.warn({ attempt: row.attempts + 1, retryInMs: delay }, `handling a Telegram update failed; the chat waits and it is retried: ${reason}`);
        await this.sleep(delay);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  private async maybePrune(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    const removed = await pruneTelegramRecords(this.deps.store);
    if (removed) this.deps.logger.info({ removed }, 'pruned old Telegram inbox and send records');
  }
}
