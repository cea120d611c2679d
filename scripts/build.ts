/**
 * Builds what `mycel` runs (run by `npm install` through the `prepare` script, and by
 * `npm run build`): the server compiled into dist/, the workflow bundle into the project
 * cache (so a first `mycel start` does not run the bundler), then the web app into web/dist.
 */
import path from 'node:path';
import { buildServer, DIST_DIR } from '../src/build/server-build.js';
import { formatError } from '../src/shared/errors.js';
import { createLogger } from '../src/logging/logger.js';
import { loadWorkflowBundle } from '../src/worker/bundle.js';

try {
  const { modules, ms } = await buildServer();
  console.log(`mycel: server compiled in ${ms} ms (${modules} modules) into ${path.relative(process.cwd(), DIST_DIR) || DIST_DIR}`);
  const started = performance.now();
  await loadWorkflowBundle(createLogger({ level: 'warn' }));
  console.log(`mycel: workflow bundle ready in ${Math.round(performance.now() - started)} ms`);
} catch (err) {
  console.error(`mycel: the server could not be built: ${formatError(err)}`);
  process.exit(1);
}
await import('./build-web.js');
