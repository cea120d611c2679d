import { sql } from 'kysely';
import { MIN_EXACT_TERM_CHARS } from '../text.js';
import type { FullTextSearch } from './fulltext.js';
import { FACT_COLUMNS, type FactRow } from './rows.js';

/** `'sister' | 'birthday' | 'tv':*`: any term, short ones as prefixes. */
export function tsqueryExpression(terms: string[]): string {
  return terms.map((t) => (t.length < MIN_EXACT_TERM_CHARS ? `'${t}':*` : `'${t}'`)).join(' | ');
}

/**
 * PostgreSQL: a generated `search` tsvector column (english configuration) with a GIN index,
 * ranked by ts_rank. A delete removes the row and its index entries in the transaction;
 * the bytes are reclaimed when (auto)vacuum reuses the space.
 */
export const tsvectorSearch: FullTextSearch = {
  async search(db, query) {
    if (query.terms.length === 0) return [];
    const columns = sql.join(FACT_COLUMNS.map((c) => sql.ref(`f.${c}`)));
    const history = query.includeHistory ? sql`` : sql`AND f.valid_to IS NULL`;
    const result = await sql<FactRow & { score: number }>`
      SELECT ${columns}, ts_rank(f.search, q) AS score
      FROM memory_facts f, to_tsquery('english', ${tsqueryExpression(query.terms)}) q
      WHERE f.search @@ q
        AND f.channel = ${query.chat.channel} AND f.chat_id = ${query.chat.chatId} ${history}
      ORDER BY score DESC, f.seq DESC
      LIMIT ${query.limit}`.execute(db);
    return result.rows.map((r) => ({ ...r, score: Number(r.score) }));
  },
  async beforeDelete() {},
  async afterDelete() {},
};
