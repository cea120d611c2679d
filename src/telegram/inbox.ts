import { sql } from 'kysely';
import type { Store } from '../storage/database.js';
import type { TelegramInboxTable } from '../storage/schema.js';
import { INBOX_RETENTION_DAYS } from './limits.js';
import { updateSchema, updateType } from './updates.js';

/**
 * The durable inbox of Telegram updates. Ingress (the polling loop or the webhook route)
 * commits each update here before it lets go of it — before the next `getUpdates` confirms
 * it with a higher offset, before the webhook answers 200 — and the dispatcher then
 * handles the rows one at a time per chat. The primary key (bot, update id) makes a
 * redelivered update a counted duplicate instead of a second turn.
 */
export type InboxStatus = TelegramInboxTable['status'];

export interface InboxRow {
  botId: string;
  updateId: number;
  lane: string;
  kind: string;
  /** The update as received (JSON text). */
  payload: string;
  source: TelegramInboxTable['source'];
  attempts: number;
  receivedAt: string;
}

export interface CommitResult {
  inserted: number;
  duplicates: number;
  /** Malformed updates, recorded as `skipped` (never handed on, but their offset may advance). */
  skipped: number;
}

/** Why an update fails the boundary schema, or undefined when it is well formed. */
function malformation(update: Record<string, unknown>): string | undefined {
  const parsed = updateSchema.safeParse(update);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return `malformed ${updateType(update)} update: ${issue?.path.join('.') || 'update'}: ${issue?.message ?? 'invalid'}`;
}

/** An update's raw id when it has a usable one. */
export function rawUpdateId(update: unknown): number | undefined {
  const id = (update as { update_id?: unknown } | null)?.update_id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

/**
 * The lane an update is handled in: its chat (so one chat's updates run in order, one at a
 * time), or the update itself when it has no chat. Read loosely: a malformed update still
 * needs a lane to be recorded and skipped in.
 */
export function laneOf(update: Record<string, unknown>): string {
  const body = update[updateType(update)] as Record<string, unknown> | undefined;
  const chat = (body?.chat ?? (body?.message as Record<string, unknown> | undefined)?.chat) as { id?: unknown } | undefined;
  if (typeof chat?.id === 'number' || typeof chat?.id === 'string') return `chat:${chat.id}`;
  return `update:${String(update.update_id)}`;
}

/**
 * Commits updates to the inbox in one transaction, and — when `nextOffset` is given — the
 * polling offset with them, so the offset never runs ahead of what is stored. A repeat of
 * an update already in the inbox only bumps its `duplicates` count. A malformed update is
 * recorded as `skipped` in the same transaction, so it too is on record before its offset
 * is confirmed.
 */
export async function commitUpdates(
  store: Store,
  botId: string,
  updates: Array<Record<string, unknown>>,
  source: TelegramInboxTable['source'],
  nextOffset?: number,
  now = new Date(),
): Promise<CommitResult> {
  const result: CommitResult = { inserted: 0, duplicates: 0, skipped: 0 };
  // Repeats inside the batch count as duplicates too.
  const byId = new Map<number, { update: Record<string, unknown>; repeats: number }>();
  for (const update of updates) {
    const id = rawUpdateId(update);
    if (id === undefined) continue;
    const seen = byId.get(id);
    if (seen) seen.repeats += 1;
    else byId.set(id, { update, repeats: 0 });
  }
  await store.db.transaction().execute(async (trx) => {
    const ids = [...byId.keys()];
    const existing = ids.length
      ? new Set((await trx.selectFrom('telegram_inbox').select('update_id').where('bot_id', '=', botId).where('update_id', 'in', ids).execute()).map((r) => Number(r.update_id)))
      : new Set<number>();
    for (const [id, { update, repeats }] of byId) {
      result.duplicates += repeats;
      if (existing.has(id)) {
        result.duplicates += 1;
        await trx
          .updateTable('telegram_inbox')
          .set({ duplicates: sql`duplicates + ${repeats + 1}` })
          .where('bot_id', '=', botId)
          .where('update_id', '=', id)
          .execute();
        continue;
      }
      const malformed = malformation(update);
      await trx
        .insertInto('telegram_inbox')
        .values({
          bot_id: botId,
          update_id: id,
          lane: laneOf(update),
          kind: updateType(update),
          payload: JSON.stringify(update),
          source,
          status: malformed ? 'skipped' : 'pending',
          detail: malformed ?? null,
          attempts: 0,
          duplicates: repeats,
          received_at: now.toISOString(),
          handled_at: malformed ? now.toISOString() : null,
        })
        .execute();
      if (malformed) result.skipped += 1;
      else result.inserted += 1;
    }
    if (nextOffset !== undefined) {
      await trx
        .insertInto('telegram_offsets')
        .values({ bot_id: botId, next_offset: nextOffset, updated_at: now.toISOString() })
        .onConflict((oc) =>
          oc
            .column('bot_id')
            .doUpdateSet({ next_offset: nextOffset, updated_at: now.toISOString() })
            .where('telegram_offsets.next_offset', '<', nextOffset),
        )
        .execute();
    }
  });
  if (result.inserted) notifyInbox(store);
  return result;
}

/** The stored `getUpdates` offset of a bot, if it ever polled. */
export async function loadOffset(store: Store, botId: string): Promise<number | undefined> {
  const row = await store.db.selectFrom('telegram_offsets').select('next_offset').where('bot_id', '=', botId).executeTakeFirst();
  return row ? Number(row.next_offset) : undefined;
}

/** Lanes with pending rows, the lane of the oldest pending update first. */
export async function pendingLanes(store: Store, botId: string, limit: number): Promise<string[]> {
  const rows = await store.db
    .selectFrom('telegram_inbox')
    .select(['lane', (eb) => eb.fn.min('update_id').as('first')])
    .where('bot_id', '=', botId)
    .where('status', '=', 'pending')
    .groupBy('lane')
    .orderBy('first', 'asc')
    .limit(limit)
    .execute();
  return rows.map((r) => r.lane);
}

/** The oldest pending row of a lane. */
export async function nextPending(store: Store, botId: string, lane: string): Promise<InboxRow | undefined> {
  const row = await store.db
    .selectFrom('telegram_inbox')
    .selectAll()
    .where('bot_id', '=', botId)
    .where('lane', '=', lane)
    .where('status', '=', 'pending')
    .orderBy('update_id', 'asc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    botId: row.bot_id,
    updateId: Number(row.update_id),
    lane: row.lane,
    kind: row.kind,
    payload: row.payload,
    source: row.source,
    attempts: Number(row.attempts),
    receivedAt: row.received_at,
  };
}

/** Marks a row handled. `forget` blanks the payload (a stranger's words are not kept). */
export async function settleRow(store: Store, row: Pick<InboxRow, 'botId' | 'updateId'>, status: Exclude<InboxStatus, 'pending'>, detail: string | null, options: { forget?: boolean } = {}, now = new Date()): Promise<void> {
  await store.db
    .updateTable('telegram_inbox')
    .set({ status, detail: detail?.slice(0, 500) ?? null, handled_at: now.toISOString(), ...(options.forget ? { payload: '{}' } : {}) })
    .where('bot_id', '=', row.botId)
    .where('update_id', '=', row.updateId)
    .where('status', '=', 'pending')
    .execute();
}

/** Counts a failed attempt at a row that stays pending. */
export async function recordFailedAttempt(store: Store, row: Pick<InboxRow, 'botId' | 'updateId'>, detail: string): Promise<void> {
  await store.db
    .updateTable('telegram_inbox')
    .set({ attempts: sql`attempts + 1`, detail: detail.slice(0, 500) })
    .where('bot_id', '=', row.botId)
    .where('update_id', '=', row.updateId)
    .execute();
}

/** Pending rows of a bot (the backlog gauge). */
export async function countPending(store: Store, botId: string): Promise<number> {
  const row = await store.db
    .selectFrom('telegram_inbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('bot_id', '=', botId)
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Deletes handled rows and send records older than the retention; returns how many rows went. */
export async function pruneTelegramRecords(store: Store, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - INBOX_RETENTION_DAYS * 86_400_000).toISOString();
  const inbox = await store.db.deleteFrom('telegram_inbox').where('status', '!=', 'pending').where('handled_at', '<', cutoff).executeTakeFirst();
  const outbox = await store.db.deleteFrom('telegram_outbox').where('updated_at', '<', cutoff).executeTakeFirst();
  const buttons = await store.db.deleteFrom('telegram_buttons').where('created_at', '<', cutoff).executeTakeFirst();
  return Number(inbox.numDeletedRows ?? 0) + Number(outbox.numDeletedRows ?? 0) + Number(buttons.numDeletedRows ?? 0);
}

/** The topic of a store's commit signals that the Telegram inbox uses. */
const INBOX_TOPIC = 'telegram_inbox';

/**
 * Calls `fn` whenever updates are committed to this store's inbox in this process (the
 * webhook route and the poller commit; the dispatcher of the same process hears at once).
 */
export function onInboxCommit(store: Store, fn: () => void): () => void {
  return store.signals.on(INBOX_TOPIC, fn);
}

function notifyInbox(store: Store): void {
  store.signals.emit(INBOX_TOPIC);
}
