import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import type { ChatRef } from '../types.js';

/** The shape every dialect's full-text search has (`fts5.ts`, `tsvector.ts`); `fulltext.ts` picks one. */
export interface RankQuery {
  chat: ChatRef;
  /**
   * Groups of search terms (letters and digits only, see `queryTerms`). A fact matches a
   * group when it contains every term of it; its score is the sum of its groups' scores.
   * `[[a, b]]` finds facts with both words; `[[a], [b]]` facts with either, ranked by both.
   */
  groups: string[][];
  /** Rank at most this many of the newest matches of each group. */
  capPerGroup: number;
  /** How many of the best to return. */
  limit: number;
  /** Also closed (historical) facts; retrieval for a turn never wants them. */
  includeHistory: boolean;
}

/** A matching fact's key and its relevance (higher is better). */
export interface Ranked {
  seq: number;
  score: number;
}

/**
 * Full-text search over one chat's facts. One implementation per dialect, picked by the
 * `fullText` capability; callers never ask which dialect runs. It ranks inside the database
 * and returns the best keys only; rows are read separately.
 */
export interface FullTextSearch {
  rank(db: Kysely<Database>, query: RankQuery): Promise<Ranked[]>;
  /** Run inside the transaction that deletes facts, before the delete. */
  beforeDelete(db: Kysely<Database>): Promise<void>;
  /** Run after deleting facts (outside any transaction): flush what still holds the text. */
  afterDelete(db: Kysely<Database>): Promise<void>;
}
