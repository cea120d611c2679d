import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { testDialects } from '../../../test/support/databases.js';
import { openDatabase, openMigratedDatabase } from '../../storage/database.js';
import { databaseChecks } from './database-checks.js';

describe.each(testDialects())('doctor database checks on $name', (dialect) => {
  it('pass on a migrated database and report version, encoding and (PostgreSQL) connection headroom', async () => {
    const db = await dialect.create();
    try {
      // Migrate through the product's own path first.
      await (await openMigratedDatabase(db.url)).close();
      const checks = await databaseChecks(db.url);
      const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
      // (Connection headroom depends on what else uses the server; its format is checked below.)
      expect(checks.filter((c) => c.status === 'fail' && c.name !== 'connections')).toEqual([]);
      expect(byName.version!.detail).toMatch(dialect.name === 'sqlite' ? /^SQLite 3\./ : /^PostgreSQL \d+/);
      expect(byName.encoding!.detail).toMatch(/UTF-?8/);
      expect(byName.privileges!.status).toBe('pass');
      if (dialect.name === 'postgres') expect(byName.connections!.detail).toMatch(/max_connections \d+ \(\d+ reserved\), \d+ in use, -?\d+ free; each Mycel process opens up to 10/);
      else expect(byName.connections!.status).toBe('skip');
      // The privilege probe leaves nothing behind.
      const store = await openDatabase(db.url);
      const probe = await sql<{ n: number }>`select count(*) as n from mycel_meta`.execute(store.db);
      await store.close();
      expect(probe.rows[0]!.n).toBe(0);
    } finally {
      await db.dispose();
    }
  });

  it('report pending migrations with the hint to start Mycel', async () => {
    const db = await dialect.create();
    try {
      const checks = await databaseChecks(db.url);
      const migrations = checks.find((c) => c.name === 'migrations')!;
      expect(migrations.status).toBe('fail');
      expect(migrations.detail).toMatch(/migration\(s\) pending: 0001_foundation/);
      expect(migrations.hint).toMatch(/mycel start/);
    } finally {
      await db.dispose();
    }
  });
});
