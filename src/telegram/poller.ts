import { GrammyError } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../storage/database.js';
import { describeApiError, type TelegramClient } from './client.js';
import { commitUpdates, loadOffset, rawUpdateId } from './inbox.js';
import { ALLOWED_UPDATES, POLL_BACKOFF_MS, POLL_LIMIT, POLL_TIMEOUT_S } from './limits.js';
import { sleepUnlessAborted } from '../shared/sleep.js';

export interface PollerDeps {
  client: TelegramClient;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  /** Long-poll timeout (s); tests shorten it. */
  pollTimeoutS?: number;
}

/**
 * Long polling with Mycel's own offset. Each batch from `getUpdates` is committed to the
 * inbox together with the next offset in one transaction, and only then is the next
 * `getUpdates` sent with that offset — which is what confirms the batch to Telegram. So a
 * crash before the commit gets the same updates again (the inbox drops repeats), and a
 * restart resumes from the stored offset: nothing lost, nothing doubled. (grammY's own
 * runner confirms updates before their handlers finish, so it is not used for this.)
 */
export class UpdatePoller {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private stopping = false;
  /** The offset the next `getUpdates` sends (undefined: Telegram's oldest unconfirmed update). */
  offset: number | undefined;

  constructor(private readonly deps: PollerDeps) {}

  async start(): Promise<void> {
    // A webhook left from an earlier run would make getUpdates answer 409; pending updates are kept.
    await this.deps.client.api.deleteWebhook({ drop_pending_updates: false });
    this.offset = await loadOffset(this.deps.store, this.deps.client.botId);
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { client, store, logger, metrics } = this.deps;
    let failures = 0;
    while (!this.stopping) {
      try {
        const updates: Update[] = await client.api.getUpdates(
          { ...(this.offset !== undefined ? { offset: this.offset } : {}), timeout: this.deps.pollTimeoutS ?? POLL_TIMEOUT_S, limit: POLL_LIMIT, allowed_updates: [...ALLOWED_UPDATES] },
          // grammY types the signal with the abort-controller shim; Node's own works at run time.
          this.abort.signal as unknown as Parameters<TelegramClient['api']['getUpdates']>[1],
        );
        failures = 0;
        const ids = updates.map(rawUpdateId).filter((id): id is number => id !== undefined);
        if (!ids.length) continue;
        const next = Math.max(...ids) + 1;
        const result = await commitUpdates(store, client.botId, updates as unknown as Array<Record<string, unknown>>, 'polling', next);
        this.offset = next;
        if (result.duplicates) metrics.duplicatesDropped.inc({ channel: 'telegram' }, result.duplicates);
        logger.debug({ received: updates.length, ...result, offset: next }, 'Telegram updates committed');
      } catch (err) {
        if (this.stopping) break;
        failures += 1;
        const [first, last] = POLL_BACKOFF_MS;
        const delay = Math.min(last, first * 2 ** (failures - 1));
        if (err instanceof GrammyError && err.error_code === 409) {
          logger.error({ retryInMs: delay }, `getUpdates conflicts with another consumer of this bot (${err.description}); only one Mycel gateway may poll a bot token`);
        } else {
          logger.warn({ retryInMs: delay }, `getUpdates failed: ${describeApiError(err)}`);
        }
        await sleepUnlessAborted(delay, this.abort.signal);
      }
    }
  }
}
