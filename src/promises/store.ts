import { createHash } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { Channel, ChatRef } from '../shared/envelope.js';
import type { Store } from '../storage/database.js';
import type { PromisesTable } from '../storage/schema.js';
import type { Recurrence } from './recurrence.js';

/**
 * The promises table and its delivery records. Every change of state is one conditional
 * statement (`… where status = 'pending'`), so a cancel racing a delivery, or two attempts
 * of the same delivery, are decided by the database: exactly one of them wins.
 */

export type PromiseStatus = PromisesTable['status'];
/** `reminder` says its text; `scheduled` runs its text as a turn of the chat. */
export type PromiseKind = PromisesTable['kind'];
/** Recurring promises: what happens to occurrences missed while Mycel was down. */
export type CatchUp = 'once' | 'skip';

/** A promise as the rest of Mycel sees it. */
export interface PromiseRecord {
  id: string;
  chat: ChatRef;
  userId: string;
  text: string;
  /** ISO UTC; the next occurrence for a recurring promise. */
  dueAt: string;
  status: PromiseStatus;
  recurrence: Recurrence | null;
  timeZone: string;
  workflowId: string;
  sourceCallId: string;
  sourceTurn: string;
  sourceWorkflowId: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  cancelledAt: string | null;
  cancelledBy: string | null;
  deliveries: number;
  kind: PromiseKind;
  /** Recurring promises only (`once` unless the promise says otherwise). */
  catchUp: CatchUp;
  coveredUntil: string | null;
  /** Scheduled work: the promise's own token budgets; null where the configured default applies. */
  budget: BudgetOverrides;
  /** While paused (status `paused`): since when and why. */
  pausedAt: string | null;
  pauseReason: string | null;
  /** When it was last resumed (its per-day token allowance counts from then). */
  resumedAt: string | null;
}

/** A promise's own token budgets (null: the configured default). */
export interface BudgetOverrides {
  perRun: number | null;
  perDay: number | null;
}

const ID_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
/** Characters of a promise id after its `r` prefix (31^8 ≈ 8.5·10^11 ids). */
export const PROMISE_ID_LENGTH = 8;

/**
 * The id of the promise a tool call creates: derived from the call id, so a retried
 * activity computes the same id and finds the promise it already made.
 */
export function promiseIdFor(callId: string): string {
  const digest = createHash('sha256').update(callId).digest();
  let id = 'r';
  for (let i = 0; i < PROMISE_ID_LENGTH; i++) id += ID_ALPHABET[digest[i]! % ID_ALPHABET.length];
  return id;
}

export { promiseWorkflowId } from '../workflows/definitions.js';

/** The key of one delivery: the id for a one-off, `<id>@<occurrence>` for a recurring promise. */
export function deliveryKeyFor(promiseId: string, occurrence?: string): string {
  return occurrence ? `${promiseId}@${occurrence}` : promiseId;
}

/** A promises row as the rest of Mycel sees it. */
export function toRecord(row: Selectable<PromisesTable>): PromiseRecord {
  return {
    id: row.id,
    chat: { channel: row.channel as Channel, chatId: row.chat_id },
    userId: row.user_id,
    text: row.text,
    dueAt: row.due_at,
    status: row.status,
    recurrence: row.recurrence ? (JSON.parse(row.recurrence) as Recurrence) : null,
    timeZone: row.time_zone,
    workflowId: row.workflow_id,
    sourceCallId: row.source_call_id,
    sourceTurn: row.source_turn,
    sourceWorkflowId: row.source_workflow_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deliveredAt: row.delivered_at,
    cancelledAt: row.cancelled_at,
    cancelledBy: row.cancelled_by,
    deliveries: Number(row.deliveries),
    kind: row.kind ?? 'reminder',
    catchUp: row.catch_up ?? 'once',
    coveredUntil: row.covered_until,
    budget: { perRun: row.budget_per_run === null ? null : Number(row.budget_per_run), perDay: row.budget_per_day === null ? null : Number(row.budget_per_day) },
    pausedAt: row.paused_at ?? null,
    pauseReason: row.pause_reason ?? null,
    resumedAt: row.resumed_at ?? null,
  };
}

export interface NewPromise {
  id: string;
  chat: ChatRef;
  userId: string;
  text: string;
  dueAt: string;
  recurrence: Recurrence | null;
  timeZone: string;
  workflowId: string;
  sourceCallId: string;
  sourceTurn: string;
  sourceWorkflowId?: string | undefined;
  createdAt: string;
  kind?: PromiseKind;
  catchUp?: CatchUp | undefined;
  budget?: Partial<BudgetOverrides> | undefined;
}

/** Inserts a pending promise, or finds the one with the same id (a retried call). */
export async function insertPromise(store: Store, p: NewPromise): Promise<{ record: PromiseRecord; created: boolean }> {
  const result = await store.db
    .insertInto('promises')
    .values({
      id: p.id,
      channel: p.chat.channel,
      chat_id: p.chat.chatId,
      user_id: p.userId,
      text: p.text,
      due_at: p.dueAt,
      status: 'pending',
      recurrence: p.recurrence ? JSON.stringify(p.recurrence) : null,
      time_zone: p.timeZone,
      workflow_id: p.workflowId,
      source_call_id: p.sourceCallId,
      source_turn: p.sourceTurn,
      source_workflow_id: p.sourceWorkflowId ?? null,
      created_at: p.createdAt,
      updated_at: p.createdAt,
      delivered_at: null,
      cancelled_at: null,
      cancelled_by: null,
      kind: p.kind ?? 'reminder',
      catch_up: p.recurrence ? (p.catchUp ?? 'once') : null,
      covered_until: null,
      budget_per_run: p.budget?.perRun ?? null,
      budget_per_day: p.budget?.perDay ?? null,
      paused_at: null,
      pause_reason: null,
      resumed_at: null,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  const record = await getPromise(store, p.id);
  if (!record) throw new Error(`promise ${p.id} was neither inserted nor found`);
  return { record, created: Number(result.numInsertedOrUpdatedRows ?? 0n) === 1 };
}

export async function getPromise(store: Store, id: string): Promise<PromiseRecord | undefined> {
  const row = await store.db.selectFrom('promises').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/** A promise of this chat (another chat's id is as unknown as a wrong one). */
export async function getChatPromise(store: Store, chat: ChatRef, id: string): Promise<PromiseRecord | undefined> {
  const row = await store.db
    .selectFrom('promises')
    .selectAll()
    .where('id', '=', id)
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/** Most promises one listing returns. */
export const MAX_LIST_PROMISES = 500;

/** A chat's promises, soonest first: pending ones by default. */
export async function listChatPromises(store: Store, chat: ChatRef, status: PromiseStatus | 'all' = 'pending'): Promise<PromiseRecord[]> {
  let query = store.db
    .selectFrom('promises')
    .selectAll()
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .orderBy('due_at', 'asc')
    .orderBy('id', 'asc')
    .limit(MAX_LIST_PROMISES);
  if (status !== 'all') query = query.where('status', '=', status);
  return (await query.execute()).map(toRecord);
}

/** Every pending promise (for re-arming after a restore); soonest first. */
export async function listPendingPromises(store: Store, limit = 10_000): Promise<PromiseRecord[]> {
  const rows = await store.db.selectFrom('promises').selectAll().where('status', '=', 'pending').orderBy('due_at', 'asc').limit(limit).execute();
  return rows.map(toRecord);
}

/** Moves a pending (or paused) promise to cancelled, once. Returns whether this call cancelled it. */
export async function cancelPending(store: Store, id: string, by: string, at: Date): Promise<boolean> {
  const result = await store.db
    .updateTable('promises')
    .set({ status: 'cancelled', cancelled_at: at.toISOString(), cancelled_by: by, updated_at: at.toISOString() })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'paused'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Pauses a pending promise, once, saying why. Returns whether this call paused it. A paused
 * promise records no occurrence (`recordDelivery` requires pending), so nothing it asked for
 * runs until it is resumed.
 */
export async function pausePending(store: Store, id: string, reason: string, at: Date): Promise<boolean> {
  const result = await store.db
    .updateTable('promises')
    .set({ status: 'paused', paused_at: at.toISOString(), pause_reason: reason, updated_at: at.toISOString() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Resumes a paused promise, once (paused → pending), optionally with new token budgets.
 * Returns whether this call resumed it.
 */
export async function resumePaused(store: Store, id: string, at: Date, budget: Partial<BudgetOverrides> = {}): Promise<boolean> {
  const result = await store.db
    .updateTable('promises')
    .set({
      status: 'pending',
      paused_at: null,
      pause_reason: null,
      resumed_at: at.toISOString(),
      updated_at: at.toISOString(),
      ...(budget.perRun !== undefined ? { budget_per_run: budget.perRun } : {}),
      ...(budget.perDay !== undefined ? { budget_per_day: budget.perDay } : {}),
    })
    .where('id', '=', id)
    .where('status', '=', 'paused')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Moves a pending one-off promise's due time. Returns whether it was still pending. */
export async function reschedulePending(store: Store, id: string, dueAt: Date, at: Date): Promise<boolean> {
  const result = await store.db
    .updateTable('promises')
    .set({ due_at: dueAt.toISOString(), updated_at: at.toISOString() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('recurrence', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Claims a one-off promise for delivery: pending → delivered, only when it is due (within
 * `toleranceMs` of `at`). The claim is the record that the delivery happens: a cancel or a
 * snooze after it finds the promise no longer pending.
 */
export async function claimOneOff(store: Store, id: string, at: Date, toleranceMs: number): Promise<boolean> {
  const result = await store.db
    .updateTable('promises')
    .set({ status: 'delivered', delivered_at: at.toISOString(), updated_at: at.toISOString() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('recurrence', 'is', null)
    .where('due_at', '<=', new Date(at.getTime() + toleranceMs).toISOString())
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Writes the delivery record for `key` if there is none yet. With `requirePending`, only
 * while the promise is still pending (one statement, so a cancel either comes before and
 * stops it, or after and finds the occurrence already recorded). Returns whether this call
 * wrote it.
 */
export async function recordDelivery(
  store: Store,
  d: { key: string; promiseId: string; dueAt: string; at: Date; requirePending: boolean },
): Promise<boolean> {
  // Bound parameters, cast so that both dialects type them as text inside the SELECT list.
  const text = (value: string) => sql<string>`cast(${value} as text)`;
  const values = {
    key: text(d.key).as('key'),
    promise_id: text(d.promiseId).as('promise_id'),
    due_at: text(d.dueAt).as('due_at'),
    recorded_at: text(d.at.toISOString()).as('recorded_at'),
  };
  let source = store.db.selectFrom('promises').select([values.key, values.promise_id, values.due_at, values.recorded_at]).where('id', '=', d.promiseId);
  if (d.requirePending) source = source.where('status', '=', 'pending');
  const result = await store.db
    .insertInto('promise_deliveries')
    .columns(['key', 'promise_id', 'due_at', 'recorded_at'])
    .expression(source)
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function getDelivery(store: Store, key: string) {
  return store.db.selectFrom('promise_deliveries').selectAll().where('key', '=', key).executeTakeFirst();
}

/**
 * Marks a delivery complete (once) with its delay against `dueAt`, and recounts the
 * promise's deliveries. Returns the delay when this call completed it, undefined when it
 * was already complete.
 */
export async function completeDelivery(
  store: Store,
  d: { key: string; promiseId: string; dueAt: string; at: Date; outcome?: DeliveryOutcomeName; note?: string | undefined },
): Promise<number | undefined> {
  const delayMs = Math.max(0, d.at.getTime() - Date.parse(d.dueAt));
  const result = await store.db
    .updateTable('promise_deliveries')
    .set({ completed_at: d.at.toISOString(), delay_ms: delayMs, outcome: d.outcome ?? 'delivered', note: d.note ?? null })
    .where('key', '=', d.key)
    .where('completed_at', 'is', null)
    .executeTakeFirst();
  // Recounted every time (idempotent), so a crash between the two statements heals on retry.
  await store.db
    .updateTable('promises')
    .set((eb) => ({
      deliveries: eb.selectFrom('promise_deliveries').select((e) => e.fn.countAll<number>().as('n')).where('promise_id', '=', d.promiseId).where('completed_at', 'is not', null).where((w) => w.or([w('outcome', 'is', null), w('outcome', '=', 'delivered')])),
    }))
    .where('id', '=', d.promiseId)
    .execute();
  return Number(result.numUpdatedRows) === 1 ? delayMs : undefined;
}

/** How a delivery ended: sent, failed, covered by a catch-up run, or skipped (catch-up `skip`). */
export type DeliveryOutcomeName = 'delivered' | 'failed' | 'covered' | 'skipped';

/** Occurrences of a recurring promise up to `until` were covered by one catch-up run. */
export async function setCoveredUntil(store: Store, id: string, until: string): Promise<void> {
  await store.db
    .updateTable('promises')
    .set({ covered_until: until })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('covered_until', 'is', null), eb('covered_until', '<', until)]))
    .execute();
}

/**
 * Writes what an occurrence's first attempt decided (run with a note, covered, skipped) into
 * its delivery record, once: a retry reads it back instead of deciding again.
 */
export async function notePlan(store: Store, key: string, plan: { outcome: DeliveryOutcomeName | null; note: string | null }): Promise<void> {
  await store.db.updateTable('promise_deliveries').set({ outcome: plan.outcome, note: plan.note }).where('key', '=', key).where('completed_at', 'is', null).execute();
}

/** The latest occurrence of a promise before `before` that has a delivery record (any outcome). */
export async function lastRecordedOccurrence(store: Store, promiseId: string, before: string): Promise<string | undefined> {
  const row = await store.db
    .selectFrom('promise_deliveries')
    .select((eb) => eb.fn.max('due_at').as('last'))
    .where('promise_id', '=', promiseId)
    .where('due_at', '<', before)
    .executeTakeFirst();
  return row?.last ? String(row.last) : undefined;
}

/** A recurring promise's next occurrence (after one fired), while it is pending. */
export async function advanceRecurring(store: Store, id: string, nextDueAt: Date, at: Date): Promise<void> {
  await store.db
    .updateTable('promises')
    .set({ due_at: nextDueAt.toISOString(), updated_at: at.toISOString() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('due_at', '<', nextDueAt.toISOString())
    .execute();
}

/** Adds one model call's tokens to the occurrence recorded under `key`. */
export async function addDeliveryTokens(store: Store, key: string, usage: { inputTokens: number; outputTokens: number }): Promise<void> {
  await store.db
    .updateTable('promise_deliveries')
    .set({
      input_tokens: sql`coalesce(input_tokens, 0) + ${usage.inputTokens}`,
      output_tokens: sql`coalesce(output_tokens, 0) + ${usage.outputTokens}`,
    })
    .where('key', '=', key)
    .execute();
}

/** Tokens (input + output) the occurrence recorded under `key` used so far. */
export async function deliveryTokens(store: Store, key: string): Promise<number> {
  const row = await store.db.selectFrom('promise_deliveries').select(['input_tokens', 'output_tokens']).where('key', '=', key).executeTakeFirst();
  return Number(row?.input_tokens ?? 0) + Number(row?.output_tokens ?? 0);
}

/** Tokens (input + output) used by the occurrences of a promise recorded at or after `since` (ISO). */
export async function promiseTokensSince(store: Store, promiseId: string, since: string): Promise<number> {
  const row = await store.db
    .selectFrom('promise_deliveries')
    .select((eb) => [eb.fn.sum<string | number>('input_tokens').as('input'), eb.fn.sum<string | number>('output_tokens').as('output')])
    .where('promise_id', '=', promiseId)
    .where('recorded_at', '>=', since)
    .executeTakeFirst();
  return Number(row?.input ?? 0) + Number(row?.output ?? 0);
}

/** Delivery records of a promise, oldest first (tests, the web app's history). */
export async function listDeliveries(store: Store, promiseId: string) {
  return store.db.selectFrom('promise_deliveries').selectAll().where('promise_id', '=', promiseId).orderBy('due_at', 'asc').execute();
}
