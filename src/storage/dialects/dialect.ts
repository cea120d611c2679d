import type { Dialect } from 'kysely';

/**
 * What differs between the storage dialects, as capability flags rather than
 * `if (dialect === 'postgres')` scattered through callers.
 */
export interface DialectCapabilities {
  name: 'sqlite' | 'postgres';
  /** Full-text search: SQLite FTS5 virtual tables, or PostgreSQL tsvector + GIN. */
  fullText: 'fts5' | 'tsvector';
  /** Column type for an auto-incrementing integer key in migrations. */
  serialType: 'integer' | 'bigserial';
  /** Column type for JSON documents (stored as text on SQLite, jsonb on PostgreSQL). */
  jsonType: 'text' | 'jsonb';
  /**
   * How reply parts cross processes (src/conversation/reply-streams/): PostgreSQL's
   * LISTEN/NOTIFY, or a table of recent parts that followers poll (SQLite).
   */
  replyFeed: 'listen-notify' | 'table-poll';
}

/** One storage backend: a Kysely dialect plus its capabilities and its own set-up. */
export interface StorageDialect {
  capabilities: DialectCapabilities;
  kyselyDialect: Dialect;
  /** Dialect-specific set-up run once after connecting (pragmas, extensions). */
  prepare(): Promise<void>;
  /** A short description for logs and `doctor`, secrets masked. */
  describe(): string;
  /** Closes what `kyselyDialect` does not own. */
  close(): Promise<void>;
}
