import { sql } from 'kysely';
import { MIN_EXACT_TERM_CHARS } from '../text.js';
import type { FullTextSearch } from './fulltext.js';
import { FACT_COLUMNS, type FactRow } from './rows.js';

/** bm25 weights of the FTS5 columns (text, subject): the subject repeats part of the text. */
const BM25_WEIGHTS = [1.0, 0.5] as const;

/** `"sister" OR "birthday" OR "tv"*`: any term, short ones as prefixes. */
export function fts5Expression(terms: string[]): string {
  return terms.map((t) => (t.length < MIN_EXACT_TERM_CHARS ? `"${t}"*` : `"${t}"`)).join(' OR ');
}

/**
 * SQLite: an FTS5 external-content table (`memory_facts_fts`, porter stemming) kept in
 * sync with `memory_facts` by triggers, ranked by bm25. The index was created with
 * `secure-delete`, and deletes run with `PRAGMA secure_delete`, so a deleted fact's text
 * is overwritten in the database file, not just unlinked; the WAL is then checkpointed
 * and truncated so no old page copy keeps it either.
 */
export const fts5Search: FullTextSearch = {
  async search(db, query) {
    if (query.terms.length === 0) return [];
    const columns = sql.join(FACT_COLUMNS.map((c) => sql.ref(`f.${c}`)));
    const history = query.includeHistory ? sql`` : sql`AND f.valid_to IS NULL`;
    const result = await sql<FactRow & { score: number }>`
      SELECT ${columns}, -bm25(memory_facts_fts, ${sql.lit(BM25_WEIGHTS[0])}, ${sql.lit(BM25_WEIGHTS[1])}) AS score
      FROM memory_facts_fts
      JOIN memory_facts f ON f.seq = memory_facts_fts.rowid
      WHERE memory_facts_fts MATCH ${fts5Expression(query.terms)}
        AND f.channel = ${query.chat.channel} AND f.chat_id = ${query.chat.chatId} ${history}
      ORDER BY score DESC, f.seq DESC
      LIMIT ${query.limit}`.execute(db);
    return result.rows;
  },
  async beforeDelete(db) {
    await sql`PRAGMA secure_delete = ON`.execute(db);
  },
  async afterDelete(db) {
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
  },
};
