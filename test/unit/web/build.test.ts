import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WEB_BUDGET_GZIP_BYTES, buildWebApp } from '../../../src/web/build.js';
import { WebAppFiles } from '../../../src/web/assets.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-web-build-'));
const out = path.join(dir, 'dist');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the web app build', () => {
  it(`stays within its size budget of ${WEB_BUDGET_GZIP_BYTES / 1024} KB gzipped (JS + CSS + HTML)`, async () => {
    const manifest = await buildWebApp({ outDir: out });
    console.log(`[mycel web] ${manifest.totals.bytes} bytes raw, ${manifest.totals.gzipBytes} bytes gzipped (budget ${WEB_BUDGET_GZIP_BYTES})`);
    expect(manifest.totals.gzipBytes).toBeLessThanOrEqual(WEB_BUDGET_GZIP_BYTES);
    expect(manifest.entry.js).toMatch(/^assets\/app-[A-Z0-9]+\.js$/);
    expect(manifest.entry.css).toMatch(/^assets\/app-[A-Z0-9]+\.css$/);
  });

  it('writes an index.html that loads only its own hashed assets (no CDN, works offline)', () => {
    const html = readFileSync(path.join(out, 'index.html'), 'utf8');
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.filter((u) => !u.startsWith('data:') && !u.startsWith('/api/'))).toEqual(expect.arrayContaining([expect.stringMatching(/^\/assets\/app-/)]));
    expect(urls.some((u) => /^(https?:)?\/\//.test(u))).toBe(false);
    expect(html).toContain('<noscript>');
  });

  it('is served from memory with gzip and ETags, and reloaded when a new build replaces it', async () => {
    const files = new WebAppFiles(out);
    const first = await files.get();
    expect(first?.index.gzip.byteLength).toBeLessThan(first!.index.body.byteLength);
    expect(first?.assets.size).toBe(2);
    await new Promise((r) => setTimeout(r, 20));
    await buildWebApp({ outDir: out, minify: false });
    const second = await files.get();
    expect(second).not.toBe(first);
    expect([...second!.assets.values()][0]!.body.byteLength).toBeGreaterThan([...first!.assets.values()][0]!.body.byteLength);
  });

  it('says why and how to build when there is no build and none can be made', async () => {
    const files = new WebAppFiles(path.join(dir, 'missing'));
    expect(await files.get()).toBeUndefined();
    expect(files.problem).toMatch(/has not been built/);
  });
});
