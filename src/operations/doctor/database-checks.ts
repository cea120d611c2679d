import { sql, type Kysely } from 'kysely';
import type { DialectCapabilities } from '../../storage/dialects/dialect.js';
import { POSTGRES_POOL_SIZE } from '../../storage/dialects/postgres.js';
import { migrationStatus, openDatabase, type Store } from '../../storage/database.js';
import type { Database } from '../../storage/schema.js';
import { measureLatency, LATENCY_SAMPLES } from './temporal-checks.js';
import { runCheck, skipped, type CheckOutcome, type CheckResult } from './report.js';

/** A median database round trip above this is reported as a warning. */
export const DATABASE_LATENCY_WARN_MS = 50;

/** What differs per dialect for the doctor; one object per dialect, same shape. */
interface DatabaseProbe {
  version(db: Kysely<Database>): Promise<string>;
  encoding(db: Kysely<Database>): Promise<CheckOutcome | string>;
  /** Connection headroom against the pool this process opens, where the server has a limit. */
  headroom(db: Kysely<Database>): Promise<CheckOutcome | string>;
}

const sqliteProbe: DatabaseProbe = {
  async version(db) {
    const { rows } = await sql<{ v: string }>`select sqlite_version() as v`.execute(db);
    return `SQLite ${rows[0]?.v ?? 'unknown'}`;
  },
  async encoding(db) {
    const { rows } = await sql<{ encoding: string }>`pragma encoding`.execute(db);
    const encoding = rows[0]?.encoding ?? 'unknown';
    if (!/^UTF-8$/i.test(encoding)) return { status: 'fail', detail: `database encoding is ${encoding}`, hint: 'Mycel stores UTF-8 text; restore into a fresh database (SQLite files created by Mycel are UTF-8)' };
    return `encoding ${encoding}`;
  },
  async headroom() {
    return { status: 'skip', detail: 'not applicable: SQLite is a file, not a server with a connection limit' };
  },
};

const postgresProbe: DatabaseProbe = {
  async version(db) {
    const { rows } = await sql<{ server_version: string }>`show server_version`.execute(db);
    return `PostgreSQL ${rows[0]?.server_version ?? 'unknown'}`;
  },
  async encoding(db) {
    const { rows } = await sql<{ server: string; client: string }>`select current_setting('server_encoding') as server, current_setting('client_encoding') as client`.execute(db);
    const server = rows[0]?.server ?? 'unknown';
    const client = rows[0]?.client ?? 'unknown';
    if (server !== 'UTF8') return { status: 'fail', detail: `server encoding ${server}, client ${client}`, hint: 'create the database with ENCODING \'UTF8\' (CREATE DATABASE mycel ENCODING \'UTF8\' TEMPLATE template0) and restore into it' };
    return `server encoding ${server}, client ${client}`;
  },
  async headroom(db) {
    const { rows } = await sql<{ max: number; reserved: number; used: number }>`
      select current_setting('max_connections')::int as max,
             current_setting('superuser_reserved_connections')::int as reserved,
             (select count(*) from pg_stat_activity)::int as used`.execute(db);
    const r = rows[0]!;
    const free = r.max - r.reserved - r.used;
    const detail = `max_connections ${r.max} (${r.reserved} reserved), ${r.used} in use, ${free} free; each Mycel process opens up to ${POSTGRES_POOL_SIZE}`;
    if (free < POSTGRES_POOL_SIZE) {
      return { status: 'fail', detail, hint: `raise max_connections, put PgBouncer in front, or run fewer Mycel processes: each needs up to ${POSTGRES_POOL_SIZE} connections` };
    }
    if (free < 2 * POSTGRES_POOL_SIZE) return { status: 'warn', detail, hint: 'room for only one more Mycel process; raise max_connections before scaling out' };
    return detail;
  },
};

const PROBES: Record<DialectCapabilities['name'], DatabaseProbe> = { sqlite: sqliteProbe, postgres: postgresProbe };

/** Carries a rollback through Kysely's transaction without reporting it as an error. */
class Rollback extends Error {}

/** Creates and drops a table inside a transaction that is rolled back: DDL privileges, no trace left. */
async function canMigrate(db: Kysely<Database>): Promise<void> {
  try {
    await db.transaction().execute(async (trx) => {
      await sql`create table mycel_doctor_probe (id integer primary key, note text)`.execute(trx);
      await sql`insert into mycel_doctor_probe (id, note) values (1, 'probe')`.execute(trx);
      await sql`drop table mycel_doctor_probe`.execute(trx);
      throw new Rollback('rollback');
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
}

/**
 * The database checks, with a connection of the doctor's own (nothing is migrated here):
 * reachable, version, migrations current, privileges to migrate, encoding, connection
 * headroom (PostgreSQL) and round-trip latency.
 */
export async function databaseChecks(url: string): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  let store: Store | undefined;
  checks.push(
    await runCheck(
      'database',
      'reachable',
      async () => {
        store = await openDatabase(url);
        return `${store.description} answers`;
      },
      'check MYCEL_DATABASE_URL, that the server is running and the credentials are right',
    ),
  );
  if (!store) {
    for (const name of ['version', 'migrations', 'privileges', 'encoding', 'connections', 'latency']) checks.push(skipped('database', name, 'skipped: the database is unreachable'));
    return checks;
  }
  const opened: Store = store;
  const { db } = opened;
  const probe = PROBES[opened.capabilities.name];
  try {
    checks.push(await runCheck('database', 'version', () => probe.version(db), 'the server answered but not to a version query; check the database logs'));
    checks.push(
      await runCheck(
        'database',
        'migrations',
        async () => {
          const { applied, pending } = await migrationStatus(opened);
          if (pending.length) {
            return { status: 'fail', detail: `${pending.length} migration(s) pending: ${pending.join(', ')}`, hint: 'start Mycel once (`mycel start` or `mycel worker`): migrations run at start, forward only' };
          }
          return `all ${applied.length} migrations applied (latest ${applied[applied.length - 1] ?? 'none'})`;
        },
        'the migration table could not be read; check the database user can read mycel_migrations',
      ),
    );
    checks.push(
      await runCheck(
        'database',
        'privileges',
        async () => {
          await canMigrate(db);
          return 'may create and drop tables (probed in a rolled-back transaction)';
        },
        opened.capabilities.name === 'postgres'
          ? 'grant the Mycel user CREATE on its schema (GRANT CREATE ON SCHEMA public TO <user>) so migrations can run'
          : 'make the database file and its folder writable by the user that runs Mycel',
      ),
    );
    checks.push(await runCheck('database', 'encoding', () => probe.encoding(db), 'the encoding could not be read; check the database logs'));
    checks.push(await runCheck('database', 'connections', () => probe.headroom(db), 'the connection counts could not be read (the user may lack access to pg_stat_activity)'));
    checks.push(
      await runCheck(
        'database',
        'latency',
        async () => {
          const { median, max } = await measureLatency(() => sql`select 1`.execute(db));
          const detail = `round trip median ${median} ms, max ${max} ms over ${LATENCY_SAMPLES} queries`;
          if (median > DATABASE_LATENCY_WARN_MS) return { status: 'warn', detail, hint: 'run Mycel close to its database; every activity pays this round trip' };
          return detail;
        },
        'the database stopped answering during the check',
      ),
    );
  } finally {
    await opened.close();
  }
  return checks;
}
