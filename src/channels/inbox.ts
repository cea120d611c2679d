import { sql } from 'kysely';
import type { Channel } from '../shared/envelope.js';
import type { Store } from '../storage/database.js';
import type { ChannelInboxTable } from '../storage/schema.js';
import type { InboxQueue } from './lanes.js';
import { CHANNEL_RECORD_RETENTION_DAYS } from './limits.js';

/**
 * The durable inbox of every channel after Telegram (`channel_inbox`). Ingress commits each
 * event here before it acknowledges it (the webhook answers 200 only after the commit); the
 * lane dispatcher then handles the rows one at a time per chat, in arrival order. The
 * primary key (channel, account, event id) makes a redelivered event a counted duplicate
 * instead of a second turn.
 */
export type ChannelInboxStatus = ChannelInboxTable['status'];
export type SettledStatus = Exclude<ChannelInboxStatus, 'pending'>;

export interface ChannelInboxRow {
  channel: Channel;
  account: string;
  eventId: string;
  lane: string;
  kind: string;
  /** The event as received (JSON text). */
  payload: string;
  attempts: number;
  receivedAt: string;
}

/** One event to commit: its id (the idempotency key), its chat, its type and its body. */
export interface InboundEventRecord {
  eventId: string;
  chatId: string;
  kind: string;
  payload: unknown;
}

export interface ChannelCommitResult {
  inserted: number;
  duplicates: number;
}

/** Commits events in one transaction; a repeat (in the batch or already stored) only counts as a duplicate. */
export async function commitEvents(store: Store, channel: Channel, account: string, events: InboundEventRecord[], now = new Date()): Promise<ChannelCommitResult> {
  const result: ChannelCommitResult = { inserted: 0, duplicates: 0 };
  const byId = new Map<string, { event: InboundEventRecord; repeats: number; position: number }>();
  for (const [position, event] of events.entries()) {
    const seen = byId.get(event.eventId);
    if (seen) seen.repeats += 1;
    else byId.set(event.eventId, { event, repeats: 0, position });
  }
  if (!byId.size) return result;
  await store.db.transaction().execute(async (trx) => {
    const ids = [...byId.keys()];
    const existing = new Set(
      (await trx.selectFrom('channel_inbox').select('event_id').where('channel', '=', channel).where('account', '=', account).where('event_id', 'in', ids).execute()).map((r) => r.event_id),
    );
    for (const [id, { event, repeats, position }] of byId) {
      result.duplicates += repeats;
      if (existing.has(id)) {
        result.duplicates += 1;
        await trx
          .updateTable('channel_inbox')
          .set({ duplicates: sql`duplicates + ${repeats + 1}` })
          .where('channel', '=', channel)
          .where('account', '=', account)
          .where('event_id', '=', id)
          .execute();
        continue;
      }
      await trx
        .insertInto('channel_inbox')
        .values({
          channel,
          account,
          event_id: id,
          lane: `chat:${event.chatId}`,
          kind: event.kind,
          payload: JSON.stringify(event.payload),
          status: 'pending',
          detail: null,
          attempts: 0,
          duplicates: repeats,
          position,
          received_at: now.toISOString(),
          handled_at: null,
        })
        .execute();
      result.inserted += 1;
    }
  });
  if (result.inserted) notify(store, channel);
  return result;
}

/** The inbox of one channel account, as the shared lane dispatcher reads it. */
export function channelInboxQueue(store: Store, channel: Channel, account: string): InboxQueue<ChannelInboxRow, SettledStatus> {
  const pending = () => store.db.selectFrom('channel_inbox').where('channel', '=', channel).where('account', '=', account).where('status', '=', 'pending');
  const byKey = (row: Pick<ChannelInboxRow, 'eventId'>) =>
    store.db.updateTable('channel_inbox').where('channel', '=', channel).where('account', '=', account).where('event_id', '=', row.eventId);
  return {
    async pendingLanes(limit) {
      const rows = await pending()
        .select(['lane', (eb) => eb.fn.min('received_at').as('first')])
        .groupBy('lane')
        .orderBy('first', 'asc')
        .limit(limit)
        .execute();
      return rows.map((r) => r.lane);
    },
    async nextPending(lane) {
      const row = await pending().selectAll().where('lane', '=', lane).orderBy('received_at', 'asc').orderBy('position', 'asc').limit(1).executeTakeFirst();
      if (!row) return undefined;
      return { channel, account, eventId: row.event_id, lane: row.lane, kind: row.kind, payload: row.payload, attempts: Number(row.attempts), receivedAt: row.received_at };
    },
    async settle(row, outcome) {
      await byKey(row)
        .set({ status: outcome.status, detail: outcome.detail.slice(0, 500), handled_at: new Date().toISOString(), ...(outcome.forget ? { payload: '{}' } : {}) })
        .where('status', '=', 'pending')
        .execute();
    },
    async recordFailedAttempt(row, reason) {
      await byKey(row).set({ attempts: sql`attempts + 1`, detail: reason.slice(0, 500) }).execute();
    },
    async countPending() {
      const row = await pending().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    onCommit: (fn) => onChannelCommit(store, channel, fn),
    prune: () => pruneChannelRecords(store, channel),
  };
}

/** Deletes a channel's handled rows, send records and buttons older than the retention. */
export async function pruneChannelRecords(store: Store, channel: Channel, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - CHANNEL_RECORD_RETENTION_DAYS * 86_400_000).toISOString();
  const inbox = await store.db.deleteFrom('channel_inbox').where('channel', '=', channel).where('status', '!=', 'pending').where('handled_at', '<', cutoff).executeTakeFirst();
  const outbox = await store.db.deleteFrom('channel_outbox').where('channel', '=', channel).where('updated_at', '<', cutoff).executeTakeFirst();
  const buttons = await store.db.deleteFrom('channel_buttons').where('channel', '=', channel).where('created_at', '<', cutoff).executeTakeFirst();
  return Number(inbox.numDeletedRows ?? 0) + Number(outbox.numDeletedRows ?? 0) + Number(buttons.numDeletedRows ?? 0);
}

// Wake-ups: the webhook route commits, the dispatcher of the same process hears about it at
// once through the store's commit signals (other processes find the rows on their next poll).
const topicOf = (channel: Channel) => `channel_inbox:${channel}`;

function onChannelCommit(store: Store, channel: Channel, fn: () => void): () => void {
  return store.signals.on(topicOf(channel), fn);
}

function notify(store: Store, channel: Channel): void {
  store.signals.emit(topicOf(channel));
}
