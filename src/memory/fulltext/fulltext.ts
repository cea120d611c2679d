import type { DialectCapabilities } from '../../storage/dialects/dialect.js';
import { fts5Search } from './fts5.js';
import { tsvectorSearch } from './tsvector.js';
import type { FullTextSearch } from './search.js';

export { FACT_COLUMNS, type FactRow } from './rows.js';
export type { FullTextSearch, RankQuery, Ranked } from './search.js';

/**
 * Most matching facts one full-text query ranks: the newest this many matches of the chat.
 * Ranking (bm25 / ts_rank per matching row) is the expensive part of full-text search; the
 * cap keeps recall over a very large memory within its latency budget. A search for several
 * words ranks each word's newest matches separately (see `searchFacts`), so a rare word's
 * matches are never crowded out by a common word's.
 */
export const MAX_RANKED_CANDIDATES = 200;

export function fullTextFor(capabilities: DialectCapabilities): FullTextSearch {
  return capabilities.fullText === 'fts5' ? fts5Search : tsvectorSearch;
}
