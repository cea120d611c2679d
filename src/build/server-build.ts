import { readdirSync, rmSync, statSync, writeFileSync, mkdirSync, renameSync, existsSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { PACKAGE_ROOT } from '../shared/paths.js';

/**
 * The compiled server: every module of `src/` transpiled one to one into `dist/` (same
 * depth, so paths computed from a module's own location hold in both trees), with source
 * maps. `bin/mycel.js` runs it when it is current and falls back to the sources otherwise.
 */
export const SOURCE_DIR = path.join(PACKAGE_ROOT, 'src');
export const DIST_DIR = path.join(PACKAGE_ROOT, 'dist');
/** Written last: the list of sources the build saw, each with its size and modification time. */
export const BUILD_INFO_FILE = 'build-info.json';

export interface BuildInfo {
  version: 1;
  builtAt: string;
  /** Source path relative to `src/` → [mtimeMs, size]. */
  sources: Record<string, [number, number]>;
}

/** The modules that make up the server: every `.ts` under `src/` except tests. */
export function serverSources(dir = SOURCE_DIR): string[] {
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .map((file) => path.join(dir, file))
    .sort();
}

/** Compiles `src/` into `dist/` (replacing it whole) and returns how many modules it wrote. */
export async function buildServer(options: { sourceDir?: string; distDir?: string } = {}): Promise<{ modules: number; ms: number }> {
  const sourceDir = options.sourceDir ?? SOURCE_DIR;
  const distDir = options.distDir ?? DIST_DIR;
  const started = performance.now();
  const sources = serverSources(sourceDir);
  const staging = `${distDir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  await build({
    entryPoints: sources,
    outdir: staging,
    outbase: sourceDir,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'silent',
  });
  const info: BuildInfo = { version: 1, builtAt: new Date().toISOString(), sources: {} };
  for (const file of sources) {
    const stat = statSync(file);
    info.sources[path.relative(sourceDir, file)] = [Math.trunc(stat.mtimeMs), stat.size];
  }
  mkdirSync(staging, { recursive: true });
  writeFileSync(path.join(staging, BUILD_INFO_FILE), `${JSON.stringify(info)}\n`);
  const old = `${distDir}.old-${process.pid}`;
  if (existsSync(distDir)) renameSync(distDir, old);
  renameSync(staging, distDir);
  rmSync(old, { recursive: true, force: true });
  return { modules: sources.length, ms: Math.round(performance.now() - started) };
}
