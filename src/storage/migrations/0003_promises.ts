import type { MigrationFactory } from './types.js';

/**
 * Promises (reminders and follow-ups): one row per promise, and one delivery record per
 * firing, keyed by its delivery key (the promise id; `<id>@<occurrence>` for a recurring
 * one). The delivery record is written before anything is sent, so a retried or restarted
 * delivery finds it and never sends twice.
 */
const migration: MigrationFactory = () => ({
  async up(db) {
    await db.schema
      .createTable('promises')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('due_at', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('recurrence', 'text')
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .addColumn('workflow_id', 'text', (c) => c.notNull())
      .addColumn('source_call_id', 'text', (c) => c.notNull().unique())
      .addColumn('source_turn', 'text', (c) => c.notNull())
      .addColumn('source_workflow_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('delivered_at', 'text')
      .addColumn('cancelled_at', 'text')
      .addColumn('cancelled_by', 'text')
      .addColumn('deliveries', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('promises_chat_status').on('promises').columns(['channel', 'chat_id', 'status', 'due_at']).execute();

    await db.schema
      .createTable('promise_deliveries')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('promise_id', 'text', (c) => c.notNull())
      .addColumn('due_at', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .addColumn('completed_at', 'text')
      .addColumn('delay_ms', 'integer')
      .execute();
    await db.schema.createIndex('promise_deliveries_promise').on('promise_deliveries').columns(['promise_id', 'due_at']).execute();
  },
});

export default migration;
