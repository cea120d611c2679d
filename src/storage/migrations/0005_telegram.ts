import type { MigrationFactory } from './types.js';

/**
 * The Telegram channel:
 * - `telegram_inbox`: every update, committed before the polling offset moves past it or
 *   the webhook answers 200 (primary key bot + update id: a redelivery is a duplicate);
 * - `telegram_offsets`: the next `getUpdates` offset per bot;
 * - `telegram_pairing`: users who asked for access with a pairing code, and who was approved;
 * - `telegram_outbox`: each message part sent under its idempotency key (no double sends on retry);
 * - `telegram_buttons`: what each inline button does (Telegram allows 64 bytes of callback data);
 * - `telegram_chats`: the last message id seen per chat, and how many arrived out of order.
 */
const migration: MigrationFactory = () => ({
  async up(db) {
    await db.schema
      .createTable('telegram_inbox')
      .addColumn('bot_id', 'text', (c) => c.notNull())
      .addColumn('update_id', 'bigint', (c) => c.notNull())
      .addColumn('lane', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('duplicates', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('handled_at', 'text')
      .addPrimaryKeyConstraint('telegram_inbox_pk', ['bot_id', 'update_id'])
      .execute();
    await db.schema.createIndex('telegram_inbox_pending').on('telegram_inbox').columns(['bot_id', 'status', 'lane', 'update_id']).execute();
    await db.schema.createIndex('telegram_inbox_handled').on('telegram_inbox').column('handled_at').execute();

    await db.schema
      .createTable('telegram_offsets')
      .addColumn('bot_id', 'text', (c) => c.primaryKey())
      .addColumn('next_offset', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('telegram_pairing')
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('username', 'text')
      .addColumn('name', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .addColumn('notified_at', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('decided_by', 'text')
      .execute();

    await db.schema
      .createTable('telegram_outbox')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('message_id', 'bigint')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('telegram_outbox_updated').on('telegram_outbox').column('updated_at').execute();

    await db.schema
      .createTable('telegram_buttons')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('message_key', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('used_by_update', 'text')
      .addColumn('result', 'text')
      .execute();

    await db.schema
      .createTable('telegram_chats')
      .addColumn('bot_id', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('last_message_id', 'bigint', (c) => c.notNull())
      .addColumn('out_of_order', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('telegram_chats_pk', ['bot_id', 'chat_id'])
      .execute();
  },
});

export default migration;
