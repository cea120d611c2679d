import type { MigrationFactory } from './types.js';

/**
 * Tokens the models used, added up per UTC day, chat, origin (turn, memory, …) and model:
 * one row per combination, counted up by each call.
 */
const migration: MigrationFactory = () => ({
  async up(db) {
    await db.schema
      .createTable('model_usage')
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('calls', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('model_usage_pk', ['day', 'channel', 'chat_id', 'origin', 'model'])
      .execute();
  },
});

export default migration;
