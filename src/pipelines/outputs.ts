import type { Store } from '../storage/database.js';
import type { JsonValue } from './json.js';
import { isOutputRef, type OutputRef } from './run-types.js';
import { loadOutputs } from './store.js';

/** Replaces output references (large outputs kept in the run history) with the stored values. */
export async function resolveOutputs(store: Store, outputs: Record<string, JsonValue | OutputRef>): Promise<Record<string, JsonValue>> {
  const refs = Object.values(outputs).filter(isOutputRef);
  const byRun = new Map<string, string[]>();
  for (const r of refs) byRun.set(r.runId, [...(byRun.get(r.runId) ?? []), r.taskId]);
  const loaded = new Map<string, unknown>();
  for (const [runId, taskIds] of byRun) {
    for (const [taskId, value] of await loadOutputs(store, runId, taskIds)) loaded.set(`${runId}/${taskId}`, value);
  }
  return Object.fromEntries(
    Object.entries(outputs).map(([taskId, value]) => [taskId, isOutputRef(value) ? ((loaded.get(`${value.runId}/${value.taskId}`) ?? null) as JsonValue) : value]),
  );
}
