/**
 * Prints the README's configuration table, generated from the configuration schema; with
 * `--write`, puts it in README.md in place of the table there.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configTableMarkdown } from '../src/config/config-docs.js';
import { PACKAGE_ROOT } from '../src/shared/paths.js';

const table = configTableMarkdown();
if (process.argv.includes('--write')) {
  const file = path.join(PACKAGE_ROOT, 'README.md');
  const readme = readFileSync(file, 'utf8');
  const start = readme.indexOf('| variable | default | meaning |');
  if (start < 0) throw new Error('README.md has no configuration table to replace');
  const end = readme.indexOf('\n\n', start);
  writeFileSync(file, `${readme.slice(0, start)}${table}${readme.slice(end)}`);
  console.log('README.md: configuration table written');
} else {
  console.log(table);
}
