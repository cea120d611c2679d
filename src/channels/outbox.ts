import { sql } from 'kysely';
import type { Logger } from '../logging/logger.js';
import type { Channel } from '../shared/envelope.js';
import type { Store } from '../storage/database.js';

/** What became of one message part. */
export type PartResult = 'sent' | 'already_sent' | 'failed';

/** How a channel's failed send reads: refused for good, and whether the service answered at all. */
export interface SendFailure {
  /** Retrying cannot help (a number that is not on the service, a bad request). */
  permanent: boolean;
  /** The service answered with an error, so it certainly did not post the message. */
  answered: boolean;
  reason: string;
}

/** The idempotency key of part `index` (0-based) of a message sent under `key`. */
export function partKey(key: string, index: number): string {
  return index === 0 ? key : `${key}#${index + 1}`;
}

/**
 * The outbox of a channel (`channel_outbox`): each message part is recorded under its key,
 * `sending` before the request and `sent` (with the service's message id) after it, so a
 * retried delivery reads the record and skips a part already sent. The window left: the
 * process dies after the service accepted a part and before `sent` is committed; the retry
 * then sends that part again (logged as a possible duplicate). A service without its own
 * idempotency key allows no better.
 */
export class ChannelOutbox {
  constructor(
    private readonly store: Store,
    private readonly channel: Channel,
    private readonly logger: Logger,
  ) {}

  /**
   * Sends one part through `send` unless it was sent before. A permanent refusal is
   * recorded as `failed` and returned; anything else is recorded and rethrown (through
   * `wrap`) for the calling activity to retry.
   */
  async sendPart(key: string, chatId: string, send: () => Promise<string>, classify: (err: unknown) => SendFailure, wrap: (err: unknown, reason: string) => Error): Promise<PartResult> {
    const { store, channel } = this;
    const log = this.logger.child({ key, chatId });
    const existing = await store.db.selectFrom('channel_outbox').select(['status']).where('channel', '=', channel).where('key', '=', key).executeTakeFirst();
    if (existing?.status === 'sent') return 'already_sent';
    if (existing?.status === 'failed') return 'failed';
    if (existing?.status === 'sending') log.warn('an earlier attempt may already have sent this message part (it stopped before recording the answer); sending it again');
    const now = new Date().toISOString();
    await store.db
      .insertInto('channel_outbox')
      .values({ channel, key, chat_id: chatId, status: 'sending', message_id: null, attempts: 1, error: null, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['channel', 'key']).doUpdateSet({ status: 'sending', attempts: sql`channel_outbox.attempts + 1`, updated_at: now }))
      .execute();
    try {
      const messageId = await send();
      await this.record(key, { status: 'sent', message_id: messageId, error: null });
      return 'sent';
    } catch (err) {
      const failure = classify(err);
      if (failure.permanent) {
        await this.record(key, { status: 'failed', error: failure.reason });
        log.warn(`the ${channel} service refused the message for good, not retrying: ${failure.reason}`);
        return 'failed';
      }
      if (failure.answered) await this.record(key, { status: 'pending', error: failure.reason });
      throw wrap(err, failure.reason);
    }
  }

  /** How a part stands (tests and diagnostics). */
  async status(key: string): Promise<string | undefined> {
    const row = await this.store.db.selectFrom('channel_outbox').select('status').where('channel', '=', this.channel).where('key', '=', key).executeTakeFirst();
    return row?.status;
  }

  private async record(key: string, values: { status: 'pending' | 'sent' | 'failed'; message_id?: string; error: string | null }): Promise<void> {
    await this.store.db
      .updateTable('channel_outbox')
      .set({ ...values, updated_at: new Date().toISOString() })
      .where('channel', '=', this.channel)
      .where('key', '=', key)
      .execute();
  }
}
