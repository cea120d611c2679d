/**
 * Builds the web app into web/dist (run by `npm install` through the `prepare` script,
 * and by `npm run build:web`). Prints the sizes and fails when the gzipped size exceeds
 * the budget.
 */
import { WEB_BUDGET_GZIP_BYTES, WEB_DIST_DIR, buildWebApp } from '../src/web/build.js';
import { formatError } from '../src/shared/errors.js';
import path from 'node:path';

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

try {
  const started = performance.now();
  const manifest = await buildWebApp();
  const ms = Math.round(performance.now() - started);
  console.log(`mycel: web app built in ${ms} ms into ${path.relative(process.cwd(), WEB_DIST_DIR) || WEB_DIST_DIR}`);
  for (const f of manifest.files) console.log(`  ${f.name.padEnd(36)} ${kb(f.bytes).padStart(9)} raw ${kb(f.gzipBytes).padStart(9)} gzip`);
  console.log(`  ${'total'.padEnd(36)} ${kb(manifest.totals.bytes).padStart(9)} raw ${kb(manifest.totals.gzipBytes).padStart(9)} gzip (budget ${kb(WEB_BUDGET_GZIP_BYTES)})`);
  if (manifest.totals.gzipBytes > WEB_BUDGET_GZIP_BYTES) {
    console.error(`mycel: the web app is ${kb(manifest.totals.gzipBytes)} gzipped, over its budget of ${kb(WEB_BUDGET_GZIP_BYTES)}.`);
    process.exitCode = 1;
  }
} catch (err) {
  console.error(`mycel: ${formatError(err)}`);
  process.exitCode = 1;
}
