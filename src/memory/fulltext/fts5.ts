import { sql } from 'kysely';
import { MIN_EXACT_TERM_CHARS } from '../text.js';
import type { FullTextSearch } from './search.js';

/** bm25 weights of the FTS5 columns (text, subject): the subject repeats part of the text. */
const BM25_WEIGHTS = [1.0, 0.5] as const;

/** `"sister" AND "birthday" AND "tv"*`: every term, short ones as prefixes (the short-query fallback). */
export function fts5Expression(terms: string[]): string {
  return terms.map((t) => (t.length < MIN_EXACT_TERM_CHARS ? `"${t}"*` : `"${t}"`)).join(' AND ');
}

/**
 * SQLite: an FTS5 external-content table (`memory_facts_fts`, porter stemming) kept in
 * sync with `memory_facts` by triggers, ranked by bm25. FTS5 walks its index newest first
 * and bm25 is computed for the capped candidates only.
 *
 * The index was created with `secure-delete`, and deletes run with `PRAGMA secure_delete`,
 * so a deleted fact's text is overwritten in the database file, not just unlinked; the WAL
 * is then checkpointed and truncated so no old page copy keeps it either.
 */
export const fts5Search: FullTextSearch = {
  async rank(db, query) {
    const groups = query.groups.filter((g) => g.length > 0);
    if (groups.length === 0) return [];
    const history = query.includeHistory ? sql`` : sql`AND m.valid_to IS NULL`;
    // Per group: its newest `capPerGroup` matches in the chat (FTS5 walks its index newest
    // first, so bm25 is computed for those only); then scores summed per fact, best first.
    const parts = groups.map(
      (terms) => sql`SELECT * FROM (
        SELECT m.seq AS seq, -bm25(memory_facts_fts, ${sql.lit(BM25_WEIGHTS[0])}, ${sql.lit(BM25_WEIGHTS[1])}) AS score
        FROM memory_facts_fts
        JOIN memory_facts m ON m.seq = memory_facts_fts.rowid
        WHERE memory_facts_fts MATCH ${fts5Expression(terms)}
          AND m.channel = ${query.chat.channel} AND m.chat_id = ${query.chat.chatId} ${history}
        ORDER BY memory_facts_fts.rowid DESC
        LIMIT ${query.capPerGroup})`,
    );
    const result = await sql<{ seq: number; score: number }>`
      SELECT seq, sum(score) AS score FROM (${sql.join(parts, sql` UNION ALL `)})
      GROUP BY seq ORDER BY score DESC, seq DESC LIMIT ${query.limit}`.execute(db);
    return result.rows.map((r) => ({ seq: Number(r.seq), score: Number(r.score) }));
  },
  async beforeDelete(db) {
    await sql`PRAGMA secure_delete = ON`.execute(db);
  },
  async afterDelete(db) {
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
  },
};
