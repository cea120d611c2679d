import type { Channel } from '../shared/envelope.js';
import type { Store } from '../storage/database.js';
import { describeRecurrence } from './recurrence.js';
import { effectiveBudget, type TokenBudget } from './budget.js';
import { DEFAULT_SCHEDULED_TOKENS_PER_DAY, DEFAULT_SCHEDULED_TOKENS_PER_RUN } from './limits.js';

const BUILT_IN_BUDGET: TokenBudget = { perRun: DEFAULT_SCHEDULED_TOKENS_PER_RUN, perDay: DEFAULT_SCHEDULED_TOKENS_PER_DAY };
import { listPendingPromises, toRecord, MAX_LIST_PROMISES, type PromiseKind, type PromiseRecord, type PromiseStatus } from './store.js';

/**
 * The promise ledger (**contract**): every promise across chats with its receipts, the
 * deliveries it made (when, how late, how it ended). `GET /api/promises`, `/promises`,
 * `mycel promises list` and the web app's Reminders page all read it.
 */

/** Deliveries listed per promise (the most recent ones of a recurring promise). */
export const LEDGER_DELIVERIES_PER_PROMISE = 10;

export interface LedgerDelivery {
  /** When it was delivered (or recorded, while still running). */
  at: string;
  /** How long after its due time; 0 when on time. */
  lateMs: number;
  /** `delivered`, `failed`, `covered` (by a catch-up run), `skipped` (catch-up skip), `running`. */
  outcome: string;
  /** The occurrence's due time. */
  dueAt: string;
  /** Why it was late, or what it covered or skipped. */
  note?: string;
  /** Tokens (input + output) its model calls used, when it made any. */
  tokens?: number;
}

export interface LedgerEntry {
  id: string;
  chatId: string;
  channel: Channel;
  kind: PromiseKind;
  text: string;
  dueAt: string;
  status: PromiseStatus;
  recurrence: string | null;
  catchUp: 'once' | 'skip' | null;
  createdAt: string;
  cancelledAt: string | null;
  deliveries: LedgerDelivery[];
  /** Scheduled work: the token budgets that apply (its own, else the configured defaults); null for a reminder. */
  budget: TokenBudget | null;
  /** Status `paused`: why (which budget ran out, by how much) and since when; null otherwise. */
  pausedReason: string | null;
  pausedAt: string | null;
}

export interface LedgerQuery {
  status?: PromiseStatus | 'all' | undefined;
  chatId?: string | undefined;
  channel?: Channel | undefined;
  /** The configured default budgets (MYCEL_SCHEDULED_TOKENS_PER_RUN / _PER_DAY), to show the budgets that apply (built-in defaults when absent). */
  budgetDefaults?: TokenBudget | undefined;
}

async function listRecords(store: Store, query: LedgerQuery): Promise<PromiseRecord[]> {
  const status = query.status ?? 'pending';
  if (status === 'pending' && !query.chatId && !query.channel) return listPendingPromises(store, MAX_LIST_PROMISES);
  let q = store.db.selectFrom('promises').selectAll().orderBy('due_at', 'asc').orderBy('id', 'asc').limit(MAX_LIST_PROMISES);
  if (status !== 'all') q = q.where('status', '=', status);
  if (query.chatId) q = q.where('chat_id', '=', query.chatId);
  if (query.channel) q = q.where('channel', '=', query.channel);
  return (await q.execute()).map(toRecord);
}

/** The ledger, soonest due first: pending promises unless `status` says otherwise. */
export async function listLedger(store: Store, query: LedgerQuery = {}): Promise<LedgerEntry[]> {
  const records = await listRecords(store, query);
  if (!records.length) return [];
  const rows = await store.db
    .selectFrom('promise_deliveries')
    .selectAll()
    .where(
      'promise_id',
      'in',
      records.map((r) => r.id),
    )
    .orderBy('due_at', 'desc')
    .execute();
  const byPromise = new Map<string, LedgerDelivery[]>();
  for (const row of rows) {
    const list = byPromise.get(row.promise_id) ?? [];
    if (list.length >= LEDGER_DELIVERIES_PER_PROMISE) continue;
    list.push({
      at: row.completed_at ?? row.recorded_at,
      lateMs: Number(row.delay_ms ?? Math.max(0, Date.parse(row.recorded_at) - Date.parse(row.due_at))),
      outcome: row.completed_at ? (row.outcome ?? 'delivered') : 'running',
      dueAt: row.due_at,
      ...(row.note ? { note: row.note } : {}),
      ...(row.input_tokens !== null || row.output_tokens !== null ? { tokens: Number(row.input_tokens ?? 0) + Number(row.output_tokens ?? 0) } : {}),
    });
    byPromise.set(row.promise_id, list);
  }
  return records.map((p) => ({
    id: p.id,
    chatId: p.chat.chatId,
    channel: p.chat.channel,
    kind: p.kind,
    text: p.text,
    dueAt: p.dueAt,
    status: p.status,
    recurrence: p.recurrence ? describeRecurrence(p.recurrence) : null,
    catchUp: p.recurrence ? p.catchUp : null,
    createdAt: p.createdAt,
    cancelledAt: p.cancelledAt,
    // Oldest first, the most recent LEDGER_DELIVERIES_PER_PROMISE.
    deliveries: (byPromise.get(p.id) ?? []).reverse(),
    budget: p.kind === 'scheduled' ? effectiveBudget(p.budget, query.budgetDefaults ?? BUILT_IN_BUDGET) : null,
    pausedReason: p.pauseReason,
    pausedAt: p.pausedAt,
  }));
}
