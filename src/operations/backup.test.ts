import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tar from 'tar';
import { loadConfig } from '../config/config.js';
import { writeRuntimeInfo, removeRuntimeInfo } from '../runtime/runtime-file.js';
import { openMigratedDatabase } from '../storage/database.js';
import { createBackup, restoreBackup } from './backup.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-backup-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function seed(dataDir: string, value: string) {
  const config = loadConfig({ MYCEL_DATA_DIR: dataDir });
  const store = await openMigratedDatabase(config.databaseUrl);
  await store.db.insertInto('mycel_meta').values({ key: 'probe', value }).execute();
  await store.close();
  writeFileSync(config.toolsPolicyPath, '{"version":1}\n');
  mkdirSync(config.pipelinesPath, { recursive: true });
  writeFileSync(path.join(config.pipelinesPath, 'hello.mjs'), 'export default [];\n');
  return config;
}

describe('mycel backup / restore (embedded default)', () => {
  it('round-trips the Mycel database, the tools policy and the pipelines folder, keeping what it replaced', async () => {
    const dataDir = tempDir();
    const config = await seed(dataDir, 'before');
    const file = path.join(tempDir(), 'mycel.backup.tgz');
    const backup = await createBackup(config, file);
    expect(backup.manifest.contents).toEqual(['mycel.db', 'tools-policy.json', 'pipelines']);
    expect(backup.manifest.takenWhileRunning).toBe(false);
    const listed: string[] = [];
    await tar.list({ file, onReadEntry: (e) => listed.push(e.path) });
    expect(listed).toEqual(expect.arrayContaining(['manifest.json', 'mycel.db', 'tools-policy.json', 'pipelines/hello.mjs']));

    // Change everything, then restore.
    const store = await openMigratedDatabase(config.databaseUrl);
    await store.db.updateTable('mycel_meta').set({ value: 'after' }).where('key', '=', 'probe').execute();
    await store.close();
    writeFileSync(config.toolsPolicyPath, '{"version":1,"changed":true}\n');
    rmSync(config.pipelinesPath, { recursive: true });

    const restored = await restoreBackup(config, file);
    expect(restored.previous).toBeDefined();
    const reopened = await openMigratedDatabase(config.databaseUrl);
    const row = await reopened.db.selectFrom('mycel_meta').select('value').where('key', '=', 'probe').executeTakeFirst();
    await reopened.close();
    expect(row?.value).toBe('before');
    expect(readFileSync(config.toolsPolicyPath, 'utf8')).toBe('{"version":1}\n');
    expect(existsSync(path.join(config.pipelinesPath, 'hello.mjs'))).toBe(true);
    expect(readdirSync(restored.previous!)).toEqual(expect.arrayContaining(['database', 'tools-policy.json']));
    expect(readdirSync(dataDir).filter((f) => f.startsWith('.restore-'))).toEqual([]);
  });

  it('refuses to restore while Mycel runs on the data dir', async () => {
    const dataDir = tempDir();
    const config = await seed(dataDir, 'x');
    const file = path.join(tempDir(), 'b.tgz');
    await createBackup(config, file);
    writeRuntimeInfo(dataDir, { pid: process.pid, temporalAddress: '127.0.0.1:1', embeddedTemporal: true, startedAt: new Date().toISOString() });
    try {
      await expect(restoreBackup(config, file)).rejects.toThrow(/Mycel is running on data dir/);
    } finally {
      removeRuntimeInfo(dataDir);
    }
  });

  it('refuses PostgreSQL and external Temporal setups with a clear message', async () => {
    const pg = loadConfig({ MYCEL_DATA_DIR: tempDir(), MYCEL_DATABASE_URL: 'postgres://mycel:pw@127.0.0.1:5432/mycel' });
    await expect(createBackup(pg, path.join(tempDir(), 'x.tgz'))).rejects.toMatchObject({ code: 'BACKUP_POSTGRES', hint: expect.stringMatching(/pg_dump/) });
    await expect(restoreBackup(pg, path.join(tempDir(), 'x.tgz'))).rejects.toMatchObject({ code: 'BACKUP_POSTGRES' });
    const external = loadConfig({ MYCEL_DATA_DIR: tempDir(), TEMPORAL_ADDRESS: 'temporal:7233' });
    await expect(restoreBackup(external, path.join(tempDir(), 'x.tgz'))).rejects.toMatchObject({ code: 'BACKUP_EXTERNAL_TEMPORAL', message: expect.stringMatching(/TEMPORAL_ADDRESS is set/) });
  });

  it('refuses a file that is not a Mycel backup', async () => {
    const config = loadConfig({ MYCEL_DATA_DIR: tempDir() });
    const bogus = path.join(tempDir(), 'bogus.tgz');
    writeFileSync(bogus, 'not a tar file');
    await expect(restoreBackup(config, bogus)).rejects.toMatchObject({ code: 'RESTORE_BAD_FILE' });
  });
});
