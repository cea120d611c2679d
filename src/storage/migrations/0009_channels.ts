import type { MigrationFactory } from './types.js';

/**
 * The shared machinery of every channel after Telegram (which keeps its own tables):
 * - `channel_inbox`: each inbound event, committed before the webhook answers 200 (primary
 *   key channel + account + event id: a redelivery is a counted duplicate); handled one at a
 *   time per lane (chat) in arrival order (`received_at`, then `position` in its delivery);
 * - `channel_outbox`: each message part sent under its idempotency key (no double sends on retry);
 * - `channel_buttons`: what each button does; the first press of any button of a message wins.
 */
const migration: MigrationFactory = () => ({
  async up(db) {
    await db.schema
      .createTable('channel_inbox')
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('lane', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('duplicates', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('handled_at', 'text')
      .addPrimaryKeyConstraint('channel_inbox_pk', ['channel', 'account', 'event_id'])
      .execute();
    await db.schema.createIndex('channel_inbox_pending').on('channel_inbox').columns(['channel', 'account', 'status', 'lane', 'received_at']).execute();
    await db.schema.createIndex('channel_inbox_handled').on('channel_inbox').column('handled_at').execute();

    await db.schema
      .createTable('channel_outbox')
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('channel_outbox_pk', ['channel', 'key'])
      .execute();
    await db.schema.createIndex('channel_outbox_updated').on('channel_outbox').column('updated_at').execute();

    await db.schema
      .createTable('channel_buttons')
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('message_key', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('used_by', 'text')
      .addColumn('result', 'text')
      .addPrimaryKeyConstraint('channel_buttons_pk', ['channel', 'id'])
      .execute();
    await db.schema.createIndex('channel_buttons_message').on('channel_buttons').columns(['channel', 'message_key']).execute();
  },
});

export default migration;
