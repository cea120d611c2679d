import { PostgresDialect } from 'kysely';
import pg from 'pg';
import { redactUrl } from '../../shared/redact.js';
import type { StorageDialect } from './dialect.js';

/** Connections the pool may open; `doctor` compares it with the server's headroom. */
export const POSTGRES_POOL_SIZE = 10;

// BIGINT (int8) and NUMERIC come back as JavaScript numbers, as they do from SQLite.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/** PostgreSQL through node-postgres with a bounded pool. */
export function createPostgresDialect(url: string): StorageDialect {
  const pool = new pg.Pool({ connectionString: url, max: POSTGRES_POOL_SIZE, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => undefined);
  // Nor one in use (a transaction between statements): its query fails with the outage, and
  // the pool drops the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return {
    capabilities: { name: 'postgres', fullText: 'tsvector', serialType: 'bigserial', jsonType: 'jsonb', replyFeed: 'listen-notify' },
    kyselyDialect: new PostgresDialect({ pool }),
    async prepare() {},
    describe: () => redactUrl(url),
    async close() {
      // The pool is ended by Kysely's destroy().
    },
  };
}
