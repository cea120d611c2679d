import { CommitSignals } from './commit-signals.js';
import { Kysely, Migrator, sql, type MigrationResultSet } from 'kysely';
import { ConfigError, MycelError, formatError } from '../shared/errors.js';
import { redactUrl } from '../shared/redact.js';
import type { DialectCapabilities, StorageDialect } from './dialects/dialect.js';
import { createPostgresDialect } from './dialects/postgres.js';
import { createSqliteDialect } from './dialects/sqlite.js';
import { MIGRATIONS } from './migrations/index.js';
import type { Database } from './schema.js';

/** An open database: the typed query builder plus what its dialect can do. */
export interface Store {
  db: Kysely<Database>;
  capabilities: DialectCapabilities;
  /** Where it points, secrets masked. */
  description: string;
  /** In-process wake-ups for readers of rows just committed (inbox dispatchers). */
  signals: CommitSignals;
  close(): Promise<void>;
}

/** Picks the dialect from `MYCEL_DATABASE_URL`'s form. */
export function dialectForUrl(url: string): StorageDialect {
  if (url.startsWith('sqlite:')) return createSqliteDialect(url);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return createPostgresDialect(url);
  throw new ConfigError(
    `MYCEL_DATABASE_URL "${url}" is not a supported database URL.`,
    'accepted forms: sqlite:<path> or postgres://user:pass@host:5432/db (postgresql:// also works)',
  );
}

/** Opens (but does not migrate) the database at `url`, and checks it answers. */
export async function openDatabase(url: string): Promise<Store> {
  let dialect: StorageDialect;
  try {
    dialect = dialectForUrl(url);
  } catch (err) {
    // A SQLite folder that cannot be created fails here, before any connection exists.
    if (err instanceof MycelError) throw err;
    throw unreachable(redactUrl(url), err);
  }
  const db = new Kysely<Database>({ dialect: dialect.kyselyDialect });
  try {
    await dialect.prepare();
    await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw unreachable(dialect.describe(), err);
  }
  return {
    db,
    capabilities: dialect.capabilities,
    description: dialect.describe(),
    signals: new CommitSignals(),
    async close() {
      await db.destroy();
      await dialect.close();
    },
  };
}

function unreachable(description: string, err: unknown): MycelError {
  return new MycelError(
    'DATABASE_UNREACHABLE',
    `Cannot open the database ${description}: ${formatError(err)}`,
    'check MYCEL_DATABASE_URL, that the server is running and the credentials are right (for SQLite: that the folder is writable)',
    { cause: err },
  );
}

function migratorFor(store: Store): Migrator {
  return new Migrator({
    db: store.db,
    migrationTableName: 'mycel_migrations',
    migrationLockTableName: 'mycel_migrations_lock',
    // Each capability owns its migration numbers; they are independent of each other.
    allowUnorderedMigrations: true,
    provider: {
      async getMigrations() {
        return Object.fromEntries(Object.entries(MIGRATIONS).map(([name, factory]) => [name, factory(store.capabilities)]));
      },
    },
  });
}

/** Applies every pending migration; returns the names applied. Forward only. */
export async function migrateToLatest(store: Store): Promise<string[]> {
  const { error, results }: MigrationResultSet = await migratorFor(store).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MycelError('MIGRATION_FAILED', `Database migration ${failed} failed: ${formatError(error)}`, 'the database was left at the last good migration; fix the cause and start again', { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Which migrations are applied and which are pending. */
export async function migrationStatus(store: Store): Promise<{ applied: string[]; pending: string[] }> {
  const all = await migratorFor(store).getMigrations();
  return {
    applied: all.filter((m) => m.executedAt).map((m) => m.name),
    pending: all.filter((m) => !m.executedAt).map((m) => m.name),
  };
}

/** Opens and migrates: what every process does at start. */
export async function openMigratedDatabase(url: string): Promise<Store> {
  const store = await openDatabase(url);
  try {
    await migrateToLatest(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
