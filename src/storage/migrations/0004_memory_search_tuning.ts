import { sql } from 'kysely';
import type { MigrationFactory } from './types.js';

/**
 * Memory search, PostgreSQL: turn off the GIN index's pending list (`fastupdate`). With it on,
 * new facts collect in an unsorted list that every search scans until (auto)vacuum merges
 * it — up to `gin_pending_list_limit` (4 MB) per query, which made a recall over 100,000
 * facts take tens of milliseconds. Off, each insert updates the index at once (a few
 * entries per fact) and searches stay fast. SQLite needs nothing here.
 */
const migration: MigrationFactory = (capabilities) => ({
  async up(db) {
    if (capabilities.fullText !== 'tsvector') return;
    await sql`ALTER INDEX memory_facts_search SET (fastupdate = off)`.execute(db);
    await sql`SELECT gin_clean_pending_list('memory_facts_search'::regclass)`.execute(db);
  },
});

export default migration;
