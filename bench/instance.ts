import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/logging/logger.js';
import { startProcess, type MycelProcess } from '../src/runtime/processes.js';

export interface BenchInstance {
  proc: MycelProcess;
  dispose(): Promise<void>;
}

/**
 * A Mycel process of a bench section's own (temporary data dir, its own task queue), on the
 * given Temporal server or an embedded one. `gateway` adds the HTTP server; `env` adds variables.
 */
export async function startBenchInstance(
  name: string,
  temporalAddress: string | undefined,
  options: { gateway?: boolean; env?: Record<string, string> } = {},
): Promise<BenchInstance> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `mycel-bench-${name}-`));
  const config = loadConfig({
    MYCEL_DATA_DIR: dataDir,
    MYCEL_HTTP_PORT: '0',
    MYCEL_TASK_QUEUE: `bench-${name}-${randomBytes(3).toString('hex')}`,
    MYCEL_LOG_LEVEL: 'warn',
    ...(temporalAddress ? { TEMPORAL_ADDRESS: temporalAddress } : {}),
    ...(process.env.MYCEL_TEMPORAL_BIN ? { MYCEL_TEMPORAL_BIN: process.env.MYCEL_TEMPORAL_BIN } : {}),
    ...options.env,
  });
  const proc = await startProcess(config, createLogger({ level: 'warn', pretty: false }), {
    embedded: !temporalAddress,
    worker: true,
    gateway: options.gateway ?? true,
  });
  return {
    proc,
    async dispose() {
      await proc.lifecycle.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The URL of a process's HTTP server; throws when it runs no gateway part. */
export function httpUrlOf(proc: MycelProcess): string {
  if (!proc.http) throw new Error('this bench process runs no HTTP server (start it with the gateway part)');
  return proc.http.url;
}
