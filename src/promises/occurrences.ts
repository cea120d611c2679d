import type { Store } from '../storage/database.js';
import { downtimeAround, formatDuration, LATE_THRESHOLD_MS, occurrencesBetween } from './lateness.js';
import { getDelivery, lastRecordedOccurrence, notePlan, recordDelivery, type PromiseRecord } from './store.js';

/**
 * What one occurrence of a recurring promise does, given the occurrences before it that
 * never ran and how late it is, under the promise's catch-up policy (**contract**):
 * - `once` (default): a late occurrence runs once for all that were missed up to now and
 *   says how many; the catch-up runs Temporal starts after it find them covered;
 * - `skip`: a late occurrence does not run, and says how many were skipped; an on-time one
 *   after a gap says how many were skipped before it.
 * Temporal Schedules fire the missed occurrences (catch-up window, overlap policy, see
 * service.ts); this only decides what each firing says. Nothing is skipped silently.
 */

export type OccurrencePlan =
  /** Run (deliver) it; `note` says what was missed, `coverUntil` marks the later ones covered. */
  | { action: 'run'; note?: string; coverUntil?: string }
  /** Do not run it: an earlier catch-up run covered it (that run said so). */
  | { action: 'covered'; note: string }
  /** Do not run it (catch-up `skip`): post `note`, which says how many were skipped. */
  | { action: 'skip'; note: string };

function when(d: Date | string): string {
  return `${(typeof d === 'string' ? d : d.toISOString()).slice(0, 16).replace('T', ' ')} UTC`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function why(store: Store, dueAt: string, now: Date): Promise<string> {
  const down = await downtimeAround(store, dueAt, now);
  if (!down) return 'the worker was busy or could not reach Temporal';
  return down.from ? `Mycel was not running from ${when(down.from)} to ${when(down.to)}` : `Mycel was not running until ${when(down.to)}`;
}

export async function planOccurrence(store: Store, promise: PromiseRecord, occurrence: string, now: Date): Promise<OccurrencePlan> {
  if (!promise.recurrence) return { action: 'run' };
  if (promise.coveredUntil && occurrence <= promise.coveredUntil) {
    return { action: 'covered', note: `covered by the catch-up run before ${when(promise.coveredUntil)}` };
  }
  // Occurrences are whole seconds: one in the second of the resume (a trigger right after it) runs.
  if (promise.resumedAt && occurrence < `${promise.resumedAt.slice(0, 19)}.000Z`) {
    // Due while the promise was paused (fired late, after the resume): paused work stays undone.
    return { action: 'skip', note: `Skipped the occurrence of ${when(occurrence)} of "${promise.text}": it was due while the promise was paused (resumed ${when(promise.resumedAt)}).` };
  }
  const at = Date.parse(occurrence);
  // The last occurrence accounted for: recorded, covered by a catch-up run, the last resume
  // (occurrences while paused were not missed: the chat was told it paused), or the creation.
  const recorded = await lastRecordedOccurrence(store, promise.id, occurrence);
  const last = [recorded, promise.coveredUntil, promise.resumedAt, promise.createdAt].filter((t): t is string => !!t && t < occurrence).sort().at(-1) ?? promise.createdAt;
  const before = occurrencesBetween(promise.recurrence, new Date(last), new Date(at));
  const late = now.getTime() - at > LATE_THRESHOLD_MS;
  if (!late) {
    if (!before.count) return { action: 'run' };
    return {
      action: 'run',
      note: `(${plural(before.count, 'earlier occurrence')} from ${when(before.first!)} to ${when(before.last!)} did not run: ${await why(store, before.first!.toISOString(), now)})`,
    };
  }
  const after = occurrencesBetween(promise.recurrence, new Date(at), now);
  const missed = before.count + 1 + after.count;
  const first = before.first ?? new Date(at);
  const lastMissed = after.last ?? new Date(at);
  const reason = await why(store, first.toISOString(), now);
  if (promise.catchUp === 'skip') {
    return { action: 'skip', note: `Skipped ${plural(missed, 'missed occurrence')} (${when(first)} to ${when(lastMissed)}) of "${promise.text}": ${reason}. Catch-up is "skip", so none of them ran (the last was late by ${formatDuration(now.getTime() - at)}); the next one runs on time.` };
  }
  const span = missed > 1 ? `${plural(missed, 'missed occurrence')} (${when(first)} to ${when(lastMissed)})` : `the occurrence of ${when(first)}`;
  return { action: 'run', note: `(late by ${formatDuration(now.getTime() - at)}, running once for ${span}: ${reason})`, coverUntil: now.toISOString() };
}

/**
 * Records an occurrence and decides what it does, once: the first attempt plans it and writes
 * the plan into the delivery record; a retry (worker killed, activity retried) reads it back.
 * Returns undefined when the promise was cancelled before the occurrence was recorded.
 */
export async function recordOccurrence(store: Store, promise: PromiseRecord, key: string, occurrence: string, now: Date): Promise<OccurrencePlan | undefined> {
  const existing = await getDelivery(store, key);
  if (existing) {
    if (existing.outcome === 'covered' || existing.outcome === 'skipped') return { action: existing.outcome === 'covered' ? 'covered' : 'skip', note: existing.note ?? '' };
    return { action: 'run', ...(existing.note ? { note: existing.note } : {}) };
  }
  const plan = await planOccurrence(store, promise, occurrence, now);
  const recorded = await recordDelivery(store, { key, promiseId: promise.id, dueAt: occurrence, at: now, requirePending: true });
  if (!recorded) {
    // Another attempt recorded it first: its plan stands.
    return (await getDelivery(store, key)) ? recordOccurrence(store, promise, key, occurrence, now) : undefined;
  }
  await notePlan(store, key, { outcome: plan.action === 'run' ? null : plan.action === 'covered' ? 'covered' : 'skipped', note: plan.note ?? null });
  return plan;
}
