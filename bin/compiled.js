// Decides whether `mycel` may run the compiled server in dist/ (built by `npm install` or
// `npm run build`): only when dist/ was built from exactly the sources in src/ now, so an
// edited checkout never runs stale code. MYCEL_FROM_SOURCE=1 always runs the sources.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** True when dist/ holds a build of the current src/ (same files, sizes and modification times). */
export function compiledIsCurrent(root = ROOT) {
  if (process.env.MYCEL_FROM_SOURCE === '1') return false;
  let info;
  try {
    info = JSON.parse(readFileSync(path.join(root, 'dist', 'build-info.json'), 'utf8'));
  } catch {
    return false;
  }
  const src = path.join(root, 'src');
  let seen = 0;
  try {
    for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file.endsWith('.d.ts')) continue;
      const recorded = info.sources[file];
      if (!recorded) return false;
      const stat = statSync(path.join(src, file));
      if (Math.trunc(stat.mtimeMs) !== recorded[0] || stat.size !== recorded[1]) return false;
      seen += 1;
    }
  } catch {
    return false;
  }
  return seen === Object.keys(info.sources).length;
}
