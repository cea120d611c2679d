import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createClient } from '@libsql/client';
import * as tar from 'tar';
import type { MycelConfig } from '../config/config.js';
import { readRuntimeInfo } from '../runtime/runtime-file.js';
import { MycelError } from '../shared/errors.js';
import { sqlitePathFromUrl } from '../storage/dialects/sqlite.js';

/**
 * `mycel backup` / `mycel restore` for the embedded default: the Mycel SQLite database,
 * the embedded Temporal server's temporal.db, the tools policy and the pipelines folder,
 * packed into one gzipped tar file with a manifest.
 *
 * Consistency (see docs/runbook.md): each database is a transactionally consistent snapshot
 * that can be taken while Mycel runs (both files are in WAL mode): Mycel's with SQLite's
 * `VACUUM INTO`, Temporal's by copying the file and its WAL under a read transaction (see
 * copyUnderReadLock). Temporal's state is taken first and Mycel's right after, so the Mycel database is
 * never older than Temporal's view of it: after a restore, Temporal re-runs whatever
 * happened between the two snapshots, and Mycel's idempotency keys (dedupe records,
 * delivery records, tool call ids) make those re-runs do nothing twice. With Mycel stopped,
 * both snapshots are of the same instant.
 */

/** The manifest's format name and version; restore refuses anything else. */
export const BACKUP_FORMAT = 'mycel-backup';
export const BACKUP_FORMAT_VERSION = 1;
/** Names inside the archive. */
const MANIFEST = 'manifest.json';
const MYCEL_DB = 'mycel.db';
const TEMPORAL_DB = 'temporal.db';
const TEMPORAL_WAL = 'temporal.db-wal';
const POLICY = 'tools-policy.json';
const PIPELINES = 'pipelines';
/** How long a snapshot waits for a writer's lock. */
export const SNAPSHOT_BUSY_TIMEOUT_MS = 10_000;
/** File name of the embedded Temporal state inside the data dir (as `mycel start` uses it). */
export const TEMPORAL_DB_FILE = 'temporal.db';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_FORMAT_VERSION;
  createdAt: string;
  /** Whether Mycel was running on the data dir while the snapshots were taken. */
  takenWhileRunning: boolean;
  /** What the archive holds (paths inside it). */
  contents: string[];
  /** Snapshot order: Temporal first, then Mycel (see the consistency note above). */
  order: [typeof TEMPORAL_DB, typeof MYCEL_DB];
}

export interface BackupResult {
  file: string;
  bytes: number;
  manifest: BackupManifest;
}

/** Backup and restore cover the embedded default only: SQLite and the embedded Temporal server. */
function requireEmbeddedDefault(config: MycelConfig, action: 'back up' | 'restore'): string {
  if (config.temporal.address) {
    throw new MycelError(
      'BACKUP_EXTERNAL_TEMPORAL',
      `Cannot ${action} this setup: TEMPORAL_ADDRESS is set, so Temporal's state lives in that server's own database, not in ${config.dataDir}.`,
      "back up Temporal's database with the tools of that deployment (pg_dump for PostgreSQL, see docs/runbook.md), and the Mycel database likewise",
    );
  }
  if (!config.databaseUrl.startsWith('sqlite:')) {
    throw new MycelError(
      'BACKUP_POSTGRES',
      `Cannot ${action} this setup: MYCEL_DATABASE_URL points at PostgreSQL; \`mycel ${action === 'back up' ? 'backup' : 'restore'}\` covers the embedded default (SQLite) only.`,
      'use pg_dump / pg_restore for PostgreSQL (see docs/runbook.md "Backup and restore")',
    );
  }
  const file = sqlitePathFromUrl(config.databaseUrl);
  if (file === ':memory:') throw new MycelError('BACKUP_MEMORY', 'Cannot back up an in-memory database.', 'set MYCEL_DATABASE_URL to a sqlite file');
  return file;
}

/** A transactionally consistent copy of a SQLite file, taken while others may be writing it. */
async function snapshotSqlite(source: string, target: string): Promise<void> {
  const client = createClient({ url: `file:${source}` });
  try {
    await client.execute(`PRAGMA busy_timeout=${SNAPSHOT_BUSY_TIMEOUT_MS}`);
    await client.execute({ sql: 'VACUUM INTO ?', args: [target] });
  } finally {
    client.close();
  }
}

/**
 * A consistent copy of a SQLite file in WAL mode whose schema only its owner can compile
 * (Temporal's uses double-quoted JSON paths, which `VACUUM INTO` re-parses and this SQLite
 * refuses): a read transaction pins a snapshot, then the database file and then its WAL are
 * copied byte for byte. While the snapshot is held the WAL is never reset, so every page a
 * checkpoint changes during the copy is also in the copied WAL, which SQLite replays when
 * the copy is opened; a frame half-written after the snapshot fails its checksum and is
 * ignored. The result is the state at the snapshot or a later committed one.
 */
async function copyUnderReadLock(source: string, target: string): Promise<string[]> {
  const client = createClient({ url: `file:${source}` });
  try {
    await client.execute(`PRAGMA busy_timeout=${SNAPSHOT_BUSY_TIMEOUT_MS}`);
    const tx = await client.transaction('read');
    try {
      await tx.execute('SELECT count(*) FROM sqlite_master');
      copyFileSync(source, target);
      const copied = [path.basename(target)];
      if (existsSync(`${source}-wal`)) {
        copyFileSync(`${source}-wal`, `${target}-wal`);
        copied.push(`${path.basename(target)}-wal`);
      }
      return copied;
    } finally {
      await tx.rollback().catch(() => undefined);
      tx.close();
    }
  } finally {
    client.close();
  }
}

function pipelinesFolder(config: MycelConfig): string | undefined {
  if (!existsSync(config.pipelinesPath)) return undefined;
  return statSync(config.pipelinesPath).isDirectory() ? config.pipelinesPath : undefined;
}

/**
 * Writes a backup of the embedded default to `file` (a gzipped tar). Works while Mycel
 * runs; refuses a PostgreSQL or external-Temporal setup.
 */
export async function createBackup(config: MycelConfig, file: string): Promise<BackupResult> {
  const mycelDb = requireEmbeddedDefault(config, 'back up');
  const temporalDb = path.join(config.dataDir, TEMPORAL_DB_FILE);
  if (!existsSync(mycelDb)) {
    throw new MycelError('BACKUP_NOTHING', `There is no Mycel database at ${mycelDb} to back up.`, 'start Mycel once (`mycel start`) or check MYCEL_DATA_DIR / MYCEL_DATABASE_URL');
  }
  const target = path.resolve(file);
  const staging = mkdtempSync(path.join(path.dirname(target), '.mycel-backup-'));
  try {
    const contents: string[] = [];
    const takenWhileRunning = readRuntimeInfo(config.dataDir) !== undefined;
    if (existsSync(temporalDb)) contents.push(...(await copyUnderReadLock(temporalDb, path.join(staging, TEMPORAL_DB))));
    await snapshotSqlite(mycelDb, path.join(staging, MYCEL_DB));
    contents.push(MYCEL_DB);
    if (existsSync(config.toolsPolicyPath)) {
      cpSync(config.toolsPolicyPath, path.join(staging, POLICY));
      contents.push(POLICY);
    }
    const pipelines = pipelinesFolder(config);
    if (pipelines) {
      cpSync(pipelines, path.join(staging, PIPELINES), { recursive: true });
      contents.push(PIPELINES);
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      takenWhileRunning,
      contents,
      order: [TEMPORAL_DB, MYCEL_DB],
    };
    writeFileSync(path.join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    const partial = `${target}.partial`;
    await tar.create({ gzip: true, file: partial, cwd: staging, portable: true }, [MANIFEST, ...contents]);
    renameSync(partial, target);
    return { file: target, bytes: statSync(target).size, manifest };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** rename, or copy and remove when source and target are on different file systems. */
function move(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    cpSync(from, to, { recursive: true });
    rmSync(from, { recursive: true, force: true });
  }
}

function liveServerOn(dataDir: string): number | undefined {
  try {
    const { pid } = JSON.parse(readFileSync(path.join(dataDir, `${TEMPORAL_DB_FILE}.pid`), 'utf8')) as { pid: number };
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Moves a SQLite file and its WAL/shared-memory companions aside (a stale WAL must never meet a restored file). */
function moveDatabaseAside(file: string, keepDir: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    const f = `${file}${suffix}`;
    if (existsSync(f)) {
      mkdirSync(keepDir, { recursive: true });
      move(f, path.join(keepDir, path.basename(f)));
    }
  }
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Where the files that were replaced were kept (undefined when there were none). */
  previous: string | undefined;
}

/**
 * Restores a backup into the data dir. Refuses while Mycel (or its embedded Temporal
 * server) runs on it, and refuses PostgreSQL and external-Temporal setups. Files it
 * replaces are kept in `<data dir>/pre-restore-<time>/`.
 */
export async function restoreBackup(config: MycelConfig, file: string): Promise<RestoreResult> {
  const mycelDb = requireEmbeddedDefault(config, 'restore');
  const running = readRuntimeInfo(config.dataDir);
  if (running) {
    throw new MycelError('RESTORE_WHILE_RUNNING', `Mycel is running on data dir ${config.dataDir} (pid ${running.pid}); restore replaces its databases.`, 'stop it first (Ctrl-C or SIGTERM), then run `mycel restore` again');
  }
  const serverPid = liveServerOn(config.dataDir);
  if (serverPid) {
    throw new MycelError('RESTORE_WHILE_RUNNING', `A Temporal server (pid ${serverPid}) still holds ${path.join(config.dataDir, TEMPORAL_DB_FILE)}.`, 'stop the Mycel process that started it, then run `mycel restore` again');
  }
  const source = path.resolve(file);
  if (!existsSync(source)) throw new MycelError('RESTORE_NO_FILE', `There is no backup file at ${source}.`, 'pass the path of a file written by `mycel backup`');

  mkdirSync(config.dataDir, { recursive: true });
  const staging = mkdtempSync(path.join(config.dataDir, '.restore-'));
  try {
    try {
      await tar.extract({ file: source, cwd: staging, strict: true });
    } catch (err) {
      throw new MycelError('RESTORE_BAD_FILE', `${source} is not a readable Mycel backup: ${(err as Error).message}`, 'pass a file written by `mycel backup` (a gzipped tar with manifest.json)');
    }
    let manifest: BackupManifest;
    try {
      manifest = JSON.parse(readFileSync(path.join(staging, MANIFEST), 'utf8')) as BackupManifest;
    } catch {
      throw new MycelError('RESTORE_BAD_FILE', `${source} has no readable ${MANIFEST}; it is not a Mycel backup.`, 'pass a file written by `mycel backup`');
    }
    if (manifest.format !== BACKUP_FORMAT || manifest.version !== BACKUP_FORMAT_VERSION) {
      throw new MycelError('RESTORE_BAD_FILE', `${source} is a ${manifest.format ?? 'unknown'} v${manifest.version ?? '?'} file; this Mycel restores ${BACKUP_FORMAT} v${BACKUP_FORMAT_VERSION}.`, 'restore it with the Mycel version that wrote it');
    }
    if (!manifest.contents.includes(MYCEL_DB) || !existsSync(path.join(staging, MYCEL_DB))) {
      throw new MycelError('RESTORE_BAD_FILE', `${source} holds no Mycel database.`, 'pass a complete file written by `mycel backup`');
    }

    const previous = path.join(config.dataDir, `pre-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    const temporalDb = path.join(config.dataDir, TEMPORAL_DB_FILE);
    moveDatabaseAside(mycelDb, path.join(previous, 'database'));
    moveDatabaseAside(temporalDb, previous);
    mkdirSync(path.dirname(mycelDb), { recursive: true });
    move(path.join(staging, MYCEL_DB), mycelDb);
    if (manifest.contents.includes(TEMPORAL_DB)) move(path.join(staging, TEMPORAL_DB), temporalDb);
    if (manifest.contents.includes(TEMPORAL_WAL)) move(path.join(staging, TEMPORAL_WAL), `${temporalDb}-wal`);
    if (manifest.contents.includes(POLICY)) {
      if (existsSync(config.toolsPolicyPath)) {
        mkdirSync(previous, { recursive: true });
        move(config.toolsPolicyPath, path.join(previous, POLICY));
      }
      mkdirSync(path.dirname(config.toolsPolicyPath), { recursive: true });
      move(path.join(staging, POLICY), config.toolsPolicyPath);
    }
    if (manifest.contents.includes(PIPELINES)) {
      if (existsSync(config.pipelinesPath)) {
        mkdirSync(previous, { recursive: true });
        move(config.pipelinesPath, path.join(previous, PIPELINES));
      }
      mkdirSync(path.dirname(config.pipelinesPath), { recursive: true });
      move(path.join(staging, PIPELINES), config.pipelinesPath);
    }
    return { manifest, previous: existsSync(previous) ? previous : undefined };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
