import type { Client, Connection } from '@temporalio/client';
import type { MycelConfig } from '../config/config.js';
import { readRuntimeInfo } from '../runtime/runtime-file.js';
import { MycelError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';

/**
 * The Temporal address of the running instance: TEMPORAL_ADDRESS, or the embedded server
 * that `mycel start` recorded in `<data dir>/runtime.json`.
 */
export function instanceTemporalAddress(config: MycelConfig): string {
  if (config.temporal.address) return config.temporal.address;
  const info = readRuntimeInfo(config.dataDir);
  if (!info) {
    throw new MycelError(
      'NOT_RUNNING',
      `Mycel is not running on data dir ${config.dataDir}, and TEMPORAL_ADDRESS is not set.`,
      'start it with `npx mycel start` (or set TEMPORAL_ADDRESS / MYCEL_DATA_DIR to reach the running one)',
    );
  }
  return info.temporalAddress;
}

/** The running instance's HTTP base URL (from runtime.json, else MYCEL_HTTP_HOST/PORT). */
export function instanceHttpUrl(config: MycelConfig): string {
  const info = readRuntimeInfo(config.dataDir);
  if (info?.httpUrl) return info.httpUrl;
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  return `http://${host}:${config.http.port}`;
}

// The database driver and the Temporal SDK load only for the commands that use them: `mycel
// chat` needs nothing here but the HTTP address.

/** Opens the database (migrating it if needed). */
export async function openInstanceDatabase(config: MycelConfig): Promise<Store> {
  const { openMigratedDatabase } = await import('../storage/database.js');
  return openMigratedDatabase(config.databaseUrl);
}

/** Connects a Temporal client to the running instance. */
export async function connectInstanceTemporal(config: MycelConfig): Promise<{ client: Client; connection: Connection }> {
  const { connectClient, targetFromConfig } = await import('../temporal/client.js');
  return connectClient(targetFromConfig(config, instanceTemporalAddress(config)));
}
