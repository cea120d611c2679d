import type { Context } from 'hono';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { HttpDeps } from '../context.js';
import { WebAppFiles, type ServedFile } from '../../web/assets.js';

/** Paths of the app's pages; each answers with index.html (history API routing). */
export const WEB_PAGES = ['/', '/chat', '/promises', '/reminders', '/memories', '/approvals', '/pipelines', '/audit', '/system'];
const CHAT_PAGE = /^\/chat\/[^/]+\/?$/;
/** A chat of another channel, read-only: `/channels/<channel>/<chatId>`. */
const CHANNEL_CHAT_PAGE = /^\/channels\/(telegram|whatsapp|discord|slack)\/[^/]+\/?$/;
/** Paths that belong to the server, never to the app. */
const SERVER_PATHS = /^\/(api\/|healthz$|readyz$|metrics$)/;

/** Hashed file names never change content: cache for a year. The page itself: revalidate. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const PAGE_CACHE_CONTROL = 'no-cache';

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function isPage(pathname: string): boolean {
  return WEB_PAGES.includes(pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname) || CHAT_PAGE.test(pathname) || CHANNEL_CHAT_PAGE.test(pathname);
}

function send(c: Context, file: ServedFile, status: 200 | 404, cacheControl: string): Response {
  const headers: Record<string, string> = { ...SECURITY_HEADERS, 'content-type': file.type, 'cache-control': cacheControl, etag: file.etag, vary: 'accept-encoding' };
  if (c.req.header('if-none-match') === file.etag && status === 200) return new Response(null, { status: 304, headers });
  const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
  if (gzip) headers['content-encoding'] = 'gzip';
  const body = gzip ? file.gzip : file.body;
  headers['content-length'] = String(body.byteLength);
  return new Response(c.req.method === 'HEAD' ? null : new Uint8Array(body), { status, headers });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** What a browser gets when the app cannot be served: what is wrong, how to fix it. */
function notBuiltPage(problem: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Mycel: web app not built</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5">
<h1>The Mycel web app is not available yet</h1>
<p>${escapeHtml(problem)}</p>
<p>To build it, run this in the Mycel folder, then reload this page:</p>
<pre style="background:#eee;padding:.75rem">npm install     # builds the web app as part of set-up
npm run build:web   # or build only the web app</pre>
<p>The API keeps working meanwhile: <a href="/api/openapi.json">/api/openapi.json</a>, and <code>npx mycel chat</code> in a terminal.</p>
</body></html>`;
}

/**
 * Serves the web app: hashed assets under /assets/ (cached for good) and index.html for
 * every page path (so /chat/<id> can be reloaded and bookmarked). Mounted last: every API,
 * health and metrics route is matched before it.
 */
export function registerWebRoutes(app: OpenAPIHono, deps: HttpDeps): void {
  const files = new WebAppFiles(undefined, deps.logger);
  void files.ensureBuilt();
  mountWebApp(app, files);
}

/** Mounts the routes over a given build folder (tests use their own). */
export function mountWebApp(app: OpenAPIHono, files: WebAppFiles): void {

  app.get('/assets/:name', async (c, next) => {
    const web = await files.get();
    const file = web?.assets.get(`assets/${c.req.param('name')}`);
    if (!file) return next();
    return send(c, file, 200, ASSET_CACHE_CONTROL);
  });

  app.get('*', async (c, next) => {
    const pathname = c.req.path;
    if (SERVER_PATHS.test(pathname)) return next();
    const page = isPage(pathname);
    // Unknown paths get the app's "page not found" only when a browser asks for a page.
    if (!page && !(c.req.header('accept') ?? '').includes('text/html')) return next();
    const web = await files.get();
    if (!web) {
      return c.html(notBuiltPage(files.problem ?? 'The web app has not been built.'), 503, { 'cache-control': 'no-store', 'retry-after': '5' });
    }
    return send(c, web.index, page ? 200 : 404, PAGE_CACHE_CONTROL);
  });
}
