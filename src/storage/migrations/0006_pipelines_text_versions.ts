import { sql } from 'kysely';
import type { MigrationFactory } from './types.js';

/**
 * Pipelines, PostgreSQL: a version may be text (`'2026-06-01'`) as well as a whole number, so
 * the version columns become text (whole numbers keep their digits). SQLite's integer
 * columns already keep text that is not a number, and need nothing here.
 */
const migration: MigrationFactory = (capabilities) => ({
  async up(db) {
    if (capabilities.name !== 'postgres') return;
    await sql`ALTER TABLE pipeline_definitions ALTER COLUMN version TYPE text USING version::text`.execute(db);
    await sql`ALTER TABLE pipeline_runs ALTER COLUMN version TYPE text USING version::text`.execute(db);
  },
});

export default migration;
