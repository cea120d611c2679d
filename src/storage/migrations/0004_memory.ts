import { sql } from 'kysely';
import type { MigrationFactory } from './types.js';

/**
 * Memory: facts with provenance, confidence, validity and retention; the questions asked
 * when two facts disagree; and the deletion audit (who deleted which fact id, when — never
 * the text).
 *
 * `memory_facts.seq` is an integer key that never changes (nor is reused on SQLite), so
 * that the full-text index can point at it: an FTS5 external-content table kept in sync
 * by triggers on SQLite, a generated tsvector column with a GIN index on PostgreSQL.
 */
const migration: MigrationFactory = (capabilities) => ({
  async up(db) {
    await db.schema
      .createTable('memory_facts')
      .addColumn('seq', capabilities.serialType, (c) => (capabilities.serialType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey()))
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('write_key', 'text', (c) => c.notNull().unique())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject', 'text')
      .addColumn('value', 'text')
      .addColumn('confidence', 'double precision', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('provenance', 'text', (c) => c.notNull())
      .addColumn('retention', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('valid_from', 'text', (c) => c.notNull())
      .addColumn('valid_to', 'text')
      .addColumn('closed_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('memory_facts_chat').on('memory_facts').columns(['channel', 'chat_id', 'created_at']).execute();
    await db.schema.createIndex('memory_facts_subject').on('memory_facts').columns(['channel', 'chat_id', 'subject']).execute();
    await db.schema.createIndex('memory_facts_expiry').on('memory_facts').column('expires_at').execute();

    if (capabilities.fullText === 'fts5') {
      // External content: the index holds only tokens; text lives once, in memory_facts.
      // `secure-delete` makes a delete remove every trace of the row's tokens from the index.
      await sql`CREATE VIRTUAL TABLE memory_facts_fts USING fts5(text, subject, content='memory_facts', content_rowid='seq', tokenize='porter unicode61 remove_diacritics 2')`.execute(db);
      await sql`INSERT INTO memory_facts_fts(memory_facts_fts, rank) VALUES ('secure-delete', 1)`.execute(db);
      await sql`CREATE TRIGGER memory_facts_fts_insert AFTER INSERT ON memory_facts BEGIN
        INSERT INTO memory_facts_fts(rowid, text, subject) VALUES (new.seq, new.text, new.subject);
      END`.execute(db);
      await sql`CREATE TRIGGER memory_facts_fts_delete AFTER DELETE ON memory_facts BEGIN
        INSERT INTO memory_facts_fts(memory_facts_fts, rowid, text, subject) VALUES ('delete', old.seq, old.text, old.subject);
      END`.execute(db);
      await sql`CREATE TRIGGER memory_facts_fts_update AFTER UPDATE OF text, subject ON memory_facts BEGIN
        INSERT INTO memory_facts_fts(memory_facts_fts, rowid, text, subject) VALUES ('delete', old.seq, old.text, old.subject);
        INSERT INTO memory_facts_fts(rowid, text, subject) VALUES (new.seq, new.text, new.subject);
      END`.execute(db);
    } else {
      // Derived by the server from the row itself, so it can never drift from the text.
      await sql`ALTER TABLE memory_facts ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('english', coalesce(subject, '') || ' ' || text)) STORED`.execute(db);
      await sql`CREATE INDEX memory_facts_search ON memory_facts USING gin (search)`.execute(db);
    }

    await db.schema
      .createTable('memory_questions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('write_key', 'text', (c) => c.notNull().unique())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('old_fact_id', 'text', (c) => c.notNull())
      .addColumn('new_fact_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('choice', 'integer')
      .addColumn('asked_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('workflow_id', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('memory_questions_chat').on('memory_questions').columns(['channel', 'chat_id', 'status']).execute();

    await db.schema
      .createTable('memory_deletions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('fact_id', 'text', (c) => c.notNull().unique())
      .addColumn('deleted_by', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('memory_deletions_chat').on('memory_deletions').columns(['channel', 'chat_id', 'at']).execute();
  },
});

export default migration;
