import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { ConfigError, MycelError } from '../shared/errors.js';
import { dialectForUrl, migrateToLatest, migrationStatus, openDatabase, openMigratedDatabase, type Store } from './database.js';
import { MIGRATIONS } from './migrations/index.js';

const ALL_MIGRATIONS = Object.keys(MIGRATIONS).sort();

/** Things to close after each test, newest first. */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe.each(testDialects())('migrations on $name', (dialect) => {
  async function emptyDatabase(): Promise<{ url: string; store: Store }> {
    const db = await dialect.create();
    cleanups.push(db.dispose);
    const store = await openDatabase(db.url);
    cleanups.push(() => store.close());
    return { url: db.url, store };
  }

  it('reports every migration pending on an empty database', async () => {
    const { store } = await emptyDatabase();
    expect(store.capabilities.name).toBe(dialect.name);
    expect(await migrationStatus(store)).toEqual({ applied: [], pending: ALL_MIGRATIONS });
  });

  it('applies every migration in order and records each one', async () => {
    const { store } = await emptyDatabase();
    expect(await migrateToLatest(store)).toEqual(ALL_MIGRATIONS);
    expect(await migrationStatus(store)).toEqual({ applied: ALL_MIGRATIONS, pending: [] });
    const recorded = await sql<{ name: string }>`select name from mycel_migrations order by name`.execute(store.db);
    expect(recorded.rows.map((r) => r.name)).toEqual(ALL_MIGRATIONS);
  });

  it('does nothing on a second migrate, also from a new connection', async () => {
    const { url, store } = await emptyDatabase();
    await migrateToLatest(store);
    await store.db.insertInto('mycel_meta').values({ key: 'instance', value: 'first' }).execute();
    expect(await migrateToLatest(store)).toEqual([]);

    const again = await openMigratedDatabase(url);
    cleanups.push(() => again.close());
    expect(await migrationStatus(again)).toEqual({ applied: ALL_MIGRATIONS, pending: [] });
    const rows = await again.db.selectFrom('mycel_meta').selectAll().execute();
    expect(rows).toEqual([{ key: 'instance', value: 'first' }]);
  });

  it('gives freshStore a migrated, usable database', async () => {
    const fresh = await freshStore(dialect);
    cleanups.push(fresh.dispose);
    expect((await migrationStatus(fresh.store)).pending).toEqual([]);
    await fresh.store.db.insertInto('mycel_meta').values({ key: 'k', value: 'v' }).execute();
    expect(await fresh.store.db.selectFrom('mycel_meta').select('value').where('key', '=', 'k').executeTakeFirst()).toEqual({ value: 'v' });
  });
});

describe('database URLs', () => {
  it.each(['mysql://root@localhost/mycel', 'file:./mycel.db', './mycel.db', 'postgres:/missing-slashes'])('refuses %s, naming the accepted forms', async (url) => {
    expect(() => dialectForUrl(url)).toThrow(ConfigError);
    const err = await openDatabase(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(`MYCEL_DATABASE_URL "${url}" is not a supported database URL.`);
    expect((err as ConfigError).hint).toMatch(/sqlite:<path>.*postgres:\/\/user:pass@host:5432\/db/);
  });

  it('gives DATABASE_UNREACHABLE with a hint, and no password, when PostgreSQL does not answer', async () => {
    const err = await openDatabase('postgres://mycel:s3cretpw@127.0.0.1:1/mycel').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MycelError);
    const { code, message, hint } = err as MycelError;
    expect(code).toBe('DATABASE_UNREACHABLE');
    expect(message).toContain('Cannot open the database postgres://mycel:***@127.0.0.1:1/mycel');
    expect(message).not.toContain('s3cretpw');
    expect(hint).toMatch(/check MYCEL_DATABASE_URL/);
  });

  it('gives DATABASE_UNREACHABLE when the SQLite folder cannot be created', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-db-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const blocker = path.join(dir, 'a-file');
    writeFileSync(blocker, '');
    const url = `sqlite:${blocker}/sub/mycel.db`;
    const err = await openDatabase(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MycelError);
    expect((err as MycelError).code).toBe('DATABASE_UNREACHABLE');
    expect((err as MycelError).message).toContain(`Cannot open the database ${url}: ENOTDIR`);
    expect((err as MycelError).hint).toMatch(/folder is writable/);
  });
});
