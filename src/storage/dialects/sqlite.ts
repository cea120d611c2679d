import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { LibsqlDialect } from '@libsql/kysely-libsql';
import type { StorageDialect } from './dialect.js';

/** How long a writer waits for a lock held by another connection before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** `sqlite:<path>` → an absolute file path (`sqlite::memory:` stays in memory). */
export function sqlitePathFromUrl(url: string): string {
  const rest = url.replace(/^sqlite:(\/\/)?/, '');
  return rest === ':memory:' ? rest : path.resolve(rest);
}

/** SQLite through libSQL's N-API client (no install scripts, loads on Node 20 and 24). */
export function createSqliteDialect(url: string): StorageDialect {
  const file = sqlitePathFromUrl(url);
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  // The client keeps a pool of connections; `timeout` is the busy timeout of every one of
  // them (a PRAGMA would reach only the connection that happens to run it).
  const client: Client = createClient({ url: file === ':memory:' ? ':memory:' : `file:${file}`, intMode: 'number', timeout: SQLITE_BUSY_TIMEOUT_MS });
  return {
    capabilities: { name: 'sqlite', fullText: 'fts5', serialType: 'integer', jsonType: 'text', replyFeed: 'table-poll' },
    kyselyDialect: new LibsqlDialect({ client }),
    async prepare() {
      await client.execute('PRAGMA journal_mode=WAL');
      await client.execute(`PRAGMA busy_timeout=${SQLITE_BUSY_TIMEOUT_MS}`);
      await client.execute('PRAGMA foreign_keys=ON');
      await client.execute('PRAGMA synchronous=NORMAL');
    },
    describe: () => `sqlite:${file}`,
    async close() {
      client.close();
    },
  };
}
