import { randomUUID } from 'node:crypto';
import type { Store } from '../storage/database.js';
import { nextOccurrence, type Recurrence } from './recurrence.js';

/**
 * Late and missed promises, never silent (**contract**): a delivery more than
 * LATE_THRESHOLD_MS after its due time carries `lateMs` and says why it is late; a recurring
 * promise's occurrences that did not run say how many were missed or covered.
 *
 * Why it was late comes from `process_heartbeats`: each worker process writes when it
 * started and, every HEARTBEAT_INTERVAL_MS, when it was last seen. A due time that falls
 * between the last sign of life of an earlier process and the start of the one delivering
 * now was missed because Mycel was not running.
 */

/** A delivery later than this after its due time is late (**contract**: 60 s). */
export const LATE_THRESHOLD_MS = 60_000;
/** How often a worker process records that it is alive. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** Most missed occurrences counted one by one (a larger number is reported as "more than"). */
export const MAX_COUNTED_OCCURRENCES = 10_000;

/** Records that this process is alive; call at start and every HEARTBEAT_INTERVAL_MS. */
export async function recordHeartbeat(store: Store, process: { id: string; role: string; startedAt: string }, now = new Date()): Promise<void> {
  await store.db
    .insertInto('process_heartbeats')
    .values({ id: process.id, role: process.role, started_at: process.startedAt, last_seen_at: now.toISOString() })
    .onConflict((oc) => oc.column('id').doUpdateSet({ last_seen_at: now.toISOString() }))
    .execute();
}

/** Starts the heartbeat of a worker process; the returned function stops it. */
export function startHeartbeat(store: Store, role: string, onError: (err: unknown) => void): { stop: () => void; ready: Promise<void> } {
  const me = { id: `${role}-${randomUUID()}`, role, startedAt: new Date().toISOString() };
  const beat = () => recordHeartbeat(store, me).catch(onError);
  const timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), ready: beat() };
}

/** When Mycel was not running around a due time, as far as the heartbeats tell. */
export interface Downtime {
  /** Last sign of life before the gap (absent when no earlier process left one). */
  from?: string;
  /** When the process that ended the gap started. */
  to: string;
}

/**
 * The gap in the heartbeats that `dueAt` falls into: the first process that started after
 * `dueAt` (and not after `now`), and the last sign of life of any process before it, when
 * those are more than two heartbeats apart.
 */
export async function downtimeAround(store: Store, dueAt: string, now: Date): Promise<Downtime | undefined> {
  const started = await store.db
    .selectFrom('process_heartbeats')
    .select('started_at')
    .where('started_at', '>', dueAt)
    .where('started_at', '<=', now.toISOString())
    .orderBy('started_at', 'asc')
    .limit(1)
    .executeTakeFirst();
  if (!started) return undefined;
  const before = await store.db
    .selectFrom('process_heartbeats')
    .select((eb) => eb.fn.max('last_seen_at').as('last'))
    .where('started_at', '<', started.started_at)
    .executeTakeFirst();
  const last = before?.last ? String(before.last) : undefined;
  // Seen alive shortly before the new start: a handover, not an outage.
  if (last && Date.parse(started.started_at) - Date.parse(last) <= 2 * HEARTBEAT_INTERVAL_MS) return undefined;
  const from = last;
  return { ...(from ? { from } : {}), to: started.started_at };
}

/** "3 min 12 s", "2 h 5 min", "1 d 3 h". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

function shortTime(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** How late a delivery is, and the sentence that says so (undefined when on time). */
export async function lateness(store: Store, dueAt: string, at: Date): Promise<{ lateMs: number; note: string } | undefined> {
  const lateMs = at.getTime() - Date.parse(dueAt);
  if (!(lateMs > LATE_THRESHOLD_MS)) return undefined;
  const down = await downtimeAround(store, dueAt, at);
  const why = down
    ? down.from
      ? `Mycel was not running from ${shortTime(down.from)} to ${shortTime(down.to)}`
      : `Mycel was not running until ${shortTime(down.to)}`
    : 'the worker was busy or could not reach Temporal at the due time';
  return { lateMs, note: `(late by ${formatDuration(lateMs)}, due ${shortTime(dueAt)}: ${why})` };
}

/**
 * Occurrences of `rule` strictly between `from` and `to` (at most MAX_COUNTED_OCCURRENCES):
 * the ones a recurring promise did not run.
 */
export function occurrencesBetween(rule: Recurrence, from: Date, to: Date): { count: number; first?: Date; last?: Date } {
  let count = 0;
  let first: Date | undefined;
  let last: Date | undefined;
  for (let t = nextOccurrence(rule, from); t.getTime() < to.getTime() && count < MAX_COUNTED_OCCURRENCES; t = nextOccurrence(rule, t)) {
    count += 1;
    first ??= t;
    last = t;
  }
  return { count, ...(first ? { first } : {}), ...(last ? { last } : {}) };
}
