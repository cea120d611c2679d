import type { MigrationFactory } from './types.js';

/**
 * Promises that do work, late and missed deliveries, and the ledger:
 * - `promises.kind` (`reminder` | `scheduled`: the text is a chat turn to run), `catch_up`
 *   (`once` | `skip`, recurring promises) and `covered_until` (occurrences up to this time
 *   were covered by one catch-up run);
 * - `promise_deliveries.outcome` (`delivered`, `failed`, `covered`, `cancelled`) and `note`
 *   (why it was late, or how many occurrences it covered or skipped);
 * - `messages.late_ms` (**contract**: a delivery more than 60 s late carries it);
 * - `process_heartbeats`: when each Mycel process started and when it was last seen, so a
 *   late delivery can say that Mycel was not running from … to ….
 */
const migration: MigrationFactory = () => ({
  async up(db) {
    await db.schema.alterTable('promises').addColumn('kind', 'text', (c) => c.notNull().defaultTo('reminder')).execute();
    await db.schema.alterTable('promises').addColumn('catch_up', 'text').execute();
    await db.schema.alterTable('promises').addColumn('covered_until', 'text').execute();
    await db.schema.alterTable('promise_deliveries').addColumn('outcome', 'text').execute();
    await db.schema.alterTable('promise_deliveries').addColumn('note', 'text').execute();
    await db.schema.alterTable('messages').addColumn('late_ms', 'integer').execute();
    await db.schema
      .createTable('process_heartbeats')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('process_heartbeats_seen').on('process_heartbeats').column('last_seen_at').execute();
  },
});

export default migration;
