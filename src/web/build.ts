import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { MycelError } from '../shared/errors.js';

/** The web app's sources (`web/src`) and its build output (`web/dist`, not committed). */
export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');
export const WEB_SOURCE_ENTRY = path.join(WEB_ROOT, 'src', 'main.tsx');
export const WEB_DIST_DIR = path.join(WEB_ROOT, 'dist');

/**
 * Size budget of everything the browser downloads for the app (JS + CSS + HTML), gzipped.
 * A test fails the build that exceeds it; the README states it.
 */
export const WEB_BUDGET_GZIP_BYTES = 40 * 1024;

/** Browsers the bundle is compiled for (2021 and newer: every current phone and desktop). */
export const WEB_TARGETS = ['chrome100', 'firefox100', 'safari15', 'edge100'];

export interface WebFile {
  /** Path under the dist folder, as served: `index.html`, `assets/app-3F2K….js`. */
  name: string;
  type: string;
  bytes: number;
  gzipBytes: number;
}

/** What a build wrote; saved as `manifest.json` beside the files. */
export interface WebManifest {
  version: 1;
  builtAt: string;
  entry: { js: string; css: string | undefined };
  files: WebFile[];
  totals: { bytes: number; gzipBytes: number };
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.map': 'application/json',
};

export function contentType(name: string): string {
  return TYPES[path.extname(name)] ?? 'application/octet-stream';
}

/** The page every app path answers with; the script renders the page the URL names. */
export function indexHtml(js: string, css: string | undefined): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<meta name="description" content="Mycel, your self-hosted assistant: chat, reminders, memories, approvals, pipelines and health.">',
    '<title>Mycel</title>',
    '<link rel="icon" href="data:,">',
    css ? `<link rel="stylesheet" href="/${css}">` : '',
    `<script type="module" src="/${js}"></script>`,
    '</head>',
    '<body>',
    '<div id="app"><p class="boot">Loading Mycel… If this message stays, the web app\'s script did not load: reload the page, and check that Mycel is still running.</p></div>',
    '<noscript><p>Mycel\'s web app needs JavaScript. Without it, use <code>npx mycel chat</code> or the HTTP API (<a href="/api/openapi.json">/api/openapi.json</a>).</p></noscript>',
    '</body>',
    '</html>',
    '',
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * Bundles the web app with esbuild (Preact + TypeScript, minified, content-hashed file
 * names) and writes it to `outDir` in one step: the new folder is built beside the old one
 * and swapped in, so a server reading the folder never sees half a build.
 */
export async function buildWebApp(options: { outDir?: string; minify?: boolean } = {}): Promise<WebManifest> {
  const outDir = options.outDir ?? WEB_DIST_DIR;
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (err) {
    throw new MycelError('WEB_BUILD_UNAVAILABLE', `esbuild is not installed, so the web app cannot be built: ${(err as Error).message}`, 'run `npm install` in the Mycel folder');
  }
  let result: import('esbuild').BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: { app: WEB_SOURCE_ENTRY },
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      splitting: false,
      minify: options.minify ?? true,
      sourcemap: false,
      target: WEB_TARGETS,
      jsx: 'automatic',
      jsxImportSource: 'preact',
      outdir: path.join(outDir, 'assets'),
      entryNames: '[name]-[hash]',
      assetNames: '[name]-[hash]',
      legalComments: 'none',
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
      absWorkingDir: WEB_ROOT,
    });
  } catch (err) {
    const errors = (err as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors ?? [];
    const first = errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).slice(0, 5).join('\n  ');
    throw new MycelError('WEB_BUILD_FAILED', `The web app did not build:\n  ${first || (err as Error).message}`, 'fix the error in web/src, then run `npm run build:web`');
  }

  const staging = `${outDir}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  mkdirSync(path.join(staging, 'assets'), { recursive: true });
  const files: WebFile[] = [];
  const write = (name: string, contents: Uint8Array) => {
    writeFileSync(path.join(staging, name), contents);
    files.push({ name, type: contentType(name), bytes: contents.byteLength, gzipBytes: gzipSync(contents, { level: 9 }).byteLength });
  };
  let js: string | undefined;
  let css: string | undefined;
  for (const file of result.outputFiles) {
    const name = `assets/${path.basename(file.path)}`;
    if (name.endsWith('.js')) js = name;
    if (name.endsWith('.css')) css = name;
    write(name, file.contents);
  }
  if (!js) throw new MycelError('WEB_BUILD_FAILED', 'The web app build produced no JavaScript file.', 'check web/src/main.tsx');
  write('index.html', Buffer.from(indexHtml(js, css)));

  const manifest: WebManifest = {
    version: 1,
    builtAt: new Date().toISOString(),
    entry: { js, css },
    files,
    totals: { bytes: files.reduce((n, f) => n + f.bytes, 0), gzipBytes: files.reduce((n, f) => n + f.gzipBytes, 0) },
  };
  writeFileSync(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  const old = `${outDir}.old-${process.pid}-${randomBytes(3).toString('hex')}`;
  if (existsSync(outDir)) renameSync(outDir, old);
  renameSync(staging, outDir);
  rmSync(old, { recursive: true, force: true });
  return manifest;
}
