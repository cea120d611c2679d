import type { MigrationFactory } from './types.js';

/**
 * Recent parts of replies being written, for a gateway in another process than the worker
 * (`mycel worker` + `mycel gateway` on SQLite): the worker appends, gateways poll by id, and
 * rows older than a minute are pruned. PostgreSQL carries the parts with LISTEN/NOTIFY and
 * leaves the table empty.
 */
const migration: MigrationFactory = (capabilities) => ({
  async up(db) {
    await db.schema
      .createTable('reply_parts')
      .addColumn('id', capabilities.serialType, (c) => (capabilities.serialType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey()))
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('turn_key', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('reply_parts_at').on('reply_parts').column('at').execute();
  },
});

export default migration;
