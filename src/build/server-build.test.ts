import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript beside the `mycel` entry point, without type declarations.
import { compiledIsCurrent } from '../../bin/compiled.js';
import { buildServer } from './server-build.js';

describe('the compiled server', () => {
  let root: string;
  const src = (file: string) => path.join(root, 'src', file);
  const build = () => buildServer({ sourceDir: path.join(root, 'src'), distDir: path.join(root, 'dist') });

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'mycel-build-'));
    mkdirSync(path.join(root, 'src', 'cli'), { recursive: true });
    writeFileSync(src('cli/main.ts'), "import { twice } from '../shared/twice.js';\nexport const answer: number = twice(21);\n");
    mkdirSync(path.join(root, 'src', 'shared'));
    writeFileSync(src('shared/twice.ts'), 'export const twice = (n: number): number => n * 2;\n');
    writeFileSync(src('shared/twice.test.ts'), 'throw new Error("tests are not part of the build");\n');
  });
  afterEach(() => {
    delete process.env.MYCEL_FROM_SOURCE;
    rmSync(root, { recursive: true, force: true });
  });

  it('compiles every module one to one at the same depth, without the tests, and the result runs', async () => {
    const { modules } = await build();
    expect(modules).toBe(2);
    const main = (await import(pathToFileURL(path.join(root, 'dist', 'cli', 'main.js')).href)) as { answer: number };
    expect(main.answer).toBe(42);
    expect(readFileSync(path.join(root, 'dist', 'shared', 'twice.js.map'), 'utf8')).toContain('twice.ts');
    expect(() => readFileSync(path.join(root, 'dist', 'shared', 'twice.test.js'))).toThrow();
  });

  it('is current only while the sources are exactly those it was built from', async () => {
    expect(compiledIsCurrent(root)).toBe(false); // never built
    await build();
    expect(compiledIsCurrent(root)).toBe(true);

    process.env.MYCEL_FROM_SOURCE = '1';
    expect(compiledIsCurrent(root)).toBe(false);
    delete process.env.MYCEL_FROM_SOURCE;

    const later = new Date(Date.now() + 5_000);
    utimesSync(src('shared/twice.ts'), later, later); // edited (same size)
    expect(compiledIsCurrent(root)).toBe(false);
    await build();
    expect(compiledIsCurrent(root)).toBe(true);

    writeFileSync(src('shared/extra.ts'), 'export const extra = 1;\n'); // added
    expect(compiledIsCurrent(root)).toBe(false);
    await build();
    rmSync(src('shared/extra.ts')); // removed
    expect(compiledIsCurrent(root)).toBe(false);
  });
});
