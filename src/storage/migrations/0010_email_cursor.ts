import type { MigrationFactory } from './types.js';

/**
 * `email_cursor`: how far the email channel has read each mailbox (the highest UID committed
 * to the inbox, under the mailbox's UIDVALIDITY), so a restart fetches what arrived while
 * Mycel was away and nothing it already took.
 */
const migration: MigrationFactory = () => ({
  async up(db) {
    await db.schema
      .createTable('email_cursor')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('mailbox', 'text', (c) => c.notNull())
      .addColumn('uid_validity', 'text', (c) => c.notNull())
      .addColumn('last_uid', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('email_cursor_pk', ['account', 'mailbox'])
      .execute();
  },
});

export default migration;
