import type { Logger } from '../logging/logger.js';
import { formatError } from '../shared/errors.js';
import { sleepUnlessAborted } from '../shared/sleep.js';

/** Chats whose events are handled at the same time (one event at a time per chat). */
export const LANE_CONCURRENCY = 16;
/** How often the inbox is re-read for rows another process committed. */
export const LANE_POLL_MS = 1_000;
/** Back-off of a row whose handling failed transiently: from the first to the last value (ms). */
export const LANE_RETRY_BACKOFF_MS = [250, 30_000] as const;
/** How often handled rows past their retention are pruned. */
export const LANE_PRUNE_EVERY_MS = 6 * 60 * 60 * 1000;

/** What became of an inbox row. `forget` blanks the stored event (a stranger's words). */
export interface Settled<Status extends string> {
  status: Status;
  detail: string;
  forget?: boolean;
}

/**
 * The durable inbox a lane dispatcher works through; each channel's inbox table implements
 * it. A row is one inbound event; its lane is its chat.
 */
export interface InboxQueue<Row extends { lane: string; attempts: number }, Status extends string> {
  pendingLanes(limit: number): Promise<string[]>;
  nextPending(lane: string): Promise<Row | undefined>;
  settle(row: Row, outcome: Settled<Status>): Promise<void>;
  recordFailedAttempt(row: Row, reason: string): Promise<void>;
  countPending(): Promise<number>;
  /** Calls `fn` when this process commits new rows; returns the unsubscribe function. */
  onCommit(fn: () => void): () => void;
  /** Deletes handled rows past their retention; returns how many went. */
  prune(): Promise<number>;
}

export interface LaneDispatcherDeps<Row extends { lane: string; attempts: number }, Status extends string> {
  /** Names the channel in logs and errors. */
  name: string;
  queue: InboxQueue<Row, Status>;
  logger: Logger;
  handle(row: Row): Promise<Settled<Status>>;
  /** Log fields of a row (its idempotency key). */
  describe(row: Row): Record<string, unknown>;
  /** Called after each settled row (metrics). */
  onSettled?(row: Row, outcome: Settled<Status>): void;
  /** Called after each pump with the backlog (metrics). */
  onBacklog?(pending: number): void;
  concurrency?: number;
  pollMs?: number;
}

/**
 * Works through a channel's inbox: one event at a time per lane (chat), in arrival order,
 * with up to `concurrency` chats in parallel. A row leaves `pending` only once handled; a
 * transient failure keeps it (and so its chat) waiting, retried with back-off, so a turn is
 * neither lost nor overtaken by a later message of the same chat. Wakes when this process
 * commits rows, and re-reads the inbox every `pollMs` for rows committed elsewhere or left
 * by an earlier run. Shared by every channel.
 */
export class LaneDispatcher<Row extends { lane: string; attempts: number }, Status extends string> {
  private readonly lanes = new Map<string, Promise<void>>();
  /** Aborted at stop: back-off waits end at once. */
  private readonly stopped = new AbortController();
  private stopping = false;
  private pumping = false;
  private pumpAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private lastPrune = 0;
  private readonly concurrency: number;

  constructor(private readonly deps: LaneDispatcherDeps<Row, Status>) {
    this.concurrency = deps.concurrency ?? LANE_CONCURRENCY;
  }

  start(): void {
    this.unsubscribe = this.deps.queue.onCommit(() => this.wake());
    this.timer = setInterval(() => this.wake(), this.deps.pollMs ?? LANE_POLL_MS);
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
    this.stopped.abort();
    await Promise.allSettled([...this.lanes.values()]);
  }

  /** Resolves when nothing is pending and no lane is busy (tests, bench). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lanes.size || (await this.deps.queue.countPending())) {
      if (Date.now() > deadline) throw new Error(`the ${this.deps.name} inbox did not drain within ${timeoutMs} ms`);
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
        const lanes = await this.deps.queue.pendingLanes(this.concurrency + this.lanes.size);
        for (const lane of lanes) {
          if (this.stopping || this.lanes.size >= this.concurrency) break;
          if (!this.lanes.has(lane)) this.runLane(lane);
        }
        this.deps.onBacklog?.(await this.deps.queue.countPending());
      } while (this.pumpAgain && !this.stopping);
      await this.maybePrune();
    } catch (err) {
      this.deps.logger.warn(`could not read the ${this.deps.name} inbox: ${formatError(err)}`);
    } finally {
      this.pumping = false;
    }
  }

  private runLane(lane: string): void {
    const run = this.drainLane(lane)
      .catch((err) => this.deps.logger.error({ lane }, `${this.deps.name} inbox lane stopped: ${formatError(err)}`))
      .finally(() => {
        this.lanes.delete(lane);
        this.wake();
      });
    this.lanes.set(lane, run);
  }

  private async drainLane(lane: string): Promise<void> {
    const { queue, logger } = this.deps;
    let failures = 0;
    while (!this.stopping) {
      const row = await queue.nextPending(lane);
      if (!row) return;
      const log = logger.child({ ...this.deps.describe(row), lane });
      try {
        const outcome = await this.deps.handle(row);
        await queue.settle(row, outcome);
        this.deps.onSettled?.(row, outcome);
        if (outcome.status === 'skipped') log.warn(`skipped a ${this.deps.name} update: ${outcome.detail}`);
        else log.debug({ status: outcome.status }, outcome.detail);
        failures = 0;
      } catch (err) {
        failures += 1;
        const reason = formatError(err);
        await queue.recordFailedAttempt(row, reason).catch(() => undefined);
        const [first, last] = LANE_RETRY_BACKOFF_MS;
        const delay = Math.min(last, first * 2 ** (failures - 1));
        log.warn({ attempt: row.attempts + 1, retryInMs: delay }, `handling a ${this.deps.name} update failed; the chat waits and it is retried: ${reason}`);
        await sleepUnlessAborted(delay, this.stopped.signal);
      }
    }
  }

  private async maybePrune(): Promise<void> {
    if (Date.now() - this.lastPrune < LANE_PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    const removed = await this.deps.queue.prune();
    if (removed) this.deps.logger.info({ removed }, `pruned old ${this.deps.name} inbox and send records`);
  }
}
