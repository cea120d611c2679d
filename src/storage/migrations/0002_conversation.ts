import { sql } from 'kysely';
import type { MigrationFactory } from './types.js';

/**
 * Conversations: the transcript of every chat (`messages`, with a monotonic id that the
 * live event stream resumes from), per-chat settings (`chat_settings`: time zone), and
 * the durable dedupe record of each inbound update (`turn_dedupe`).
 */
const migration: MigrationFactory = (capabilities) => ({
  async up(db) {
    const idColumn = capabilities.serialType === 'bigserial' ? sql`bigserial primary key` : sql`integer primary key autoincrement`;
    await db.schema
      .createTable('messages')
      .addColumn('id', idColumn as never)
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('kind', 'text')
      .addColumn('key', 'text', (c) => c.unique())
      .addColumn('turn', 'integer')
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('messages_chat').on('messages').columns(['channel', 'chat_id', 'id']).execute();

    await db.schema
      .createTable('chat_settings')
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('time_zone', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('chat_settings_pk', ['channel', 'chat_id'])
      .execute();

    await db.schema
      .createTable('turn_dedupe')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('turn', 'integer', (c) => c.notNull())
      .addColumn('reply', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('turn_dedupe_recorded_at').on('turn_dedupe').column('recorded_at').execute();
  },
});

export default migration;
