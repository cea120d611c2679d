import type { RecalledFact } from '../brain/types.js';
import type { Store } from '../storage/database.js';
import { searchFacts } from './store.js';
import { DEFAULT_RECALL_LIMIT, MAX_RECALL_LIMIT, type ChatRef } from './types.js';

/** What recall needs: the store, and optionally metrics to time itself. */
export interface RecallDeps {
  store: Store;
  metrics?: { memoryRecallDuration?: { observe(labels: { dialect: string }, seconds: number): void } } | undefined;
}

/**
 * The most relevant current facts of a chat for a message, best first: what a turn's brain
 * is given as `memories`. Full-text ranked (bm25 on SQLite, ts_rank on PostgreSQL), scoped
 * to the chat, never a closed or deleted fact.
 */
export async function recallFacts(deps: RecallDeps, chat: ChatRef, text: string, limit = DEFAULT_RECALL_LIMIT): Promise<RecalledFact[]> {
  const started = performance.now();
  const facts = await searchFacts(deps.store, chat, text, { limit: Math.min(Math.max(limit, 1), MAX_RECALL_LIMIT) });
  deps.metrics?.memoryRecallDuration?.observe({ dialect: deps.store.capabilities.name }, (performance.now() - started) / 1000);
  return facts.map((f) => ({ id: f.id, text: f.text, confidence: f.confidence, kind: f.kind, score: f.score }));
}
