import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import { afterAll, describe, expect, it } from 'vitest';
import { WebAppFiles } from '../../../src/web/assets.js';
import { ASSET_CACHE_CONTROL, mountWebApp } from '../../../src/http/routes/web.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-web-routes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function appOver(files: WebAppFiles): OpenAPIHono {
  const app = new OpenAPIHono();
  app.get('/api/known', (c) => c.json({ ok: true }));
  mountWebApp(app, files);
  app.get('/api/after', (c) => c.json({ after: true }));
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  return app;
}

describe('the web app routes', () => {
  const files = new WebAppFiles(path.join(dir, 'dist'));
  const app = appOver(files);

  it('builds the app on first start when no build exists, then serves it', async () => {
    await files.ensureBuilt();
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toContain('<div id="app">');
  });

  it('serves hashed assets gzipped with long caching, revalidates the page with its ETag, answers HEAD', async () => {
    const html = await (await app.request('/chat/abc')).text();
    const js = /src="(\/assets\/[^"]+)"/.exec(html)![1]!;
    const asset = await app.request(js, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect(asset.headers.get('cache-control')).toBe(ASSET_CACHE_CONTROL);
    const page = await app.request('/system');
    const again = await app.request('/system', { headers: { 'if-none-match': page.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const head = await app.request('/memories', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('leaves API paths and non-page requests to the other routes, wherever they are mounted', async () => {
    expect(await (await app.request('/api/known')).json()).toEqual({ ok: true });
    expect(await (await app.request('/api/after')).json()).toEqual({ after: true });
    expect((await app.request('/api/missing')).status).toBe(404);
    expect((await app.request('/assets/nope.js')).status).toBe(404);
    expect((await app.request('/favicon.ico', { headers: { accept: 'image/*' } })).status).toBe(404);
    const page404 = await app.request('/no/such/page', { headers: { accept: 'text/html' } });
    expect(page404.status).toBe(404);
    expect(await page404.text()).toContain('<div id="app">');
  });

  it('answers every page with how to build the app when there is no build', async () => {
    const bare = appOver(new WebAppFiles(path.join(dir, 'never-built')));
    const res = await bare.request('/');
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).toContain('npm run build:web');
    expect(text).toContain('has not been built');
  });
});
