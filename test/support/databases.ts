import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openMigratedDatabase, type Store } from '../../src/storage/database.js';

/** The PostgreSQL server storage tests run against, when one is configured. */
export const POSTGRES_URL = process.env.MYCEL_TEST_POSTGRES_URL;

export interface TestDialect {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty database URL; `dispose` removes it. */
  create(): Promise<{ url: string; dispose(): Promise<void> }>;
}

const sqlite: TestDialect = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-db-'));
    return { url: `sqlite:${path.join(dir, 'test.db')}`, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

const postgres: TestDialect = {
  name: 'postgres',
  async create() {
    const name = `mycel_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(POSTGRES_URL!);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      async dispose() {
        const c = new pg.Client({ connectionString: POSTGRES_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  },
};

let warned = false;

/**
 * The dialects every storage test runs against: SQLite always, PostgreSQL when
 * MYCEL_TEST_POSTGRES_URL is set (and a clear note in the output when it is not).
 */
export function testDialects(): TestDialect[] {
  if (POSTGRES_URL) return [sqlite, postgres];
  if (!warned) {
    warned = true;
    console.warn('[mycel tests] MYCEL_TEST_POSTGRES_URL is not set: PostgreSQL storage tests are SKIPPED (SQLite only).');
  }
  return [sqlite];
}

/** Opens a fresh migrated store of a dialect; call `dispose` when done. */
export async function freshStore(dialect: TestDialect): Promise<{ store: Store; url: string; dispose(): Promise<void> }> {
  const db = await dialect.create();
  const store = await openMigratedDatabase(db.url);
  return {
    store,
    url: db.url,
    async dispose() {
      await store.close();
      await db.dispose();
    },
  };
}
