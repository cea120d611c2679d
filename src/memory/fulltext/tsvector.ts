import { sql } from 'kysely';
import { MIN_EXACT_TERM_CHARS } from '../text.js';
import type { FullTextSearch } from './search.js';

/** `'sister' & 'birthday' & 'tv':*`: every term, short ones as prefixes (the short-query fallback). */
export function tsqueryExpression(terms: string[]): string {
  return terms.map((t) => (t.length < MIN_EXACT_TERM_CHARS ? `'${t}':*` : `'${t}'`)).join(' & ');
}

/**
 * PostgreSQL: a generated `search` tsvector column (english configuration) with a GIN index,
 * ranked by ts_rank over the capped candidates (the newest matches of the chat). A delete
 * removes the row and its index entries in the transaction; the bytes are reclaimed when
 * (auto)vacuum reuses the space.
 */
export const tsvectorSearch: FullTextSearch = {
  async rank(db, query) {
    const groups = query.groups.filter((g) => g.length > 0);
    if (groups.length === 0) return [];
    const history = query.includeHistory ? sql`` : sql`AND m.valid_to IS NULL`;
    // Per group: its newest `capPerGroup` matches in the chat (found through GIN), ranked by
    // ts_rank; then scores summed per fact, best first.
    const parts = groups.map((terms) => {
      const tsquery = sql`to_tsquery('english', ${tsqueryExpression(terms)})`;
      return sql`(SELECT c.seq, ts_rank(c.search, ${tsquery}) AS score FROM (
        SELECT m.seq, m.search FROM memory_facts m
        WHERE m.search @@ ${tsquery}
          AND m.channel = ${query.chat.channel} AND m.chat_id = ${query.chat.chatId} ${history}
        ORDER BY m.seq DESC
        LIMIT ${query.capPerGroup}) c)`;
    });
    const result = await sql<{ seq: number; score: number }>`
      SELECT seq, sum(score) AS score FROM (${sql.join(parts, sql` UNION ALL `)}) AS ranked
      GROUP BY seq ORDER BY score DESC, seq DESC LIMIT ${query.limit}`.execute(db);
    return result.rows.map((r) => ({ seq: Number(r.seq), score: Number(r.score) }));
  },
  async beforeDelete() {},
  async afterDelete() {},
};
