import type { MigrationFactory } from './types.js';

/** Tool approvals waiting for the owner, and the audit trail of every tool call. */
const migration: MigrationFactory = () => ({
  async up(db) {
    await db.schema
      .createTable('tool_approvals')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('call_id', 'text', (c) => c.notNull().unique())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('tool', 'text', (c) => c.notNull())
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('workflow_id', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tool_approvals_status').on('tool_approvals').columns(['status', 'requested_at']).execute();

    await db.schema
      .createTable('tool_audit')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('call_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('tool', 'text', (c) => c.notNull())
      .addColumn('decision', 'text', (c) => c.notNull())
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('duration_ms', 'integer')
      .addUniqueConstraint('tool_audit_call_decision', ['call_id', 'decision'])
      .execute();
    await db.schema.createIndex('tool_audit_at').on('tool_audit').column('at').execute();
  },
});

export default migration;
