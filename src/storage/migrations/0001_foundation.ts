import type { MigrationFactory } from './types.js';

/** Instance metadata (instance id, first start time). */
const migration: MigrationFactory = () => ({
  async up(db) {
    await db.schema
      .createTable('mycel_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
});

export default migration;
