import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../../storage/dialects/dialect.js';
import type { Database } from '../../storage/schema.js';
import type { ChatRef } from '../types.js';
import { fts5Search } from './fts5.js';
import { tsvectorSearch } from './tsvector.js';
import type { FactRow } from './rows.js';

export { FACT_COLUMNS, type FactRow } from './rows.js';

export interface FullTextQuery {
  chat: ChatRef;
  /** Search terms: letters and digits only (see `queryTerms`). */
  terms: string[];
  limit: number;
  /** Also closed (historical) facts; retrieval for a turn never wants them. */
  includeHistory: boolean;
}

/**
 * Full-text search over one chat's facts, ranked best first. One implementation per
 * dialect, picked by the `fullText` capability; callers never ask which dialect runs.
 */
export interface FullTextSearch {
  search(db: Kysely<Database>, query: FullTextQuery): Promise<Array<FactRow & { score: number }>>;
  /** Run inside the transaction that deletes facts, before the delete. */
  beforeDelete(db: Kysely<Database>): Promise<void>;
  /** Run after deleting facts (outside any transaction): flush what still holds the text. */
  afterDelete(db: Kysely<Database>): Promise<void>;
}

export function fullTextFor(capabilities: DialectCapabilities): FullTextSearch {
  return capabilities.fullText === 'fts5' ? fts5Search : tsvectorSearch;
}
