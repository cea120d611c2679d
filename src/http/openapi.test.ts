import { createIngress } from '../conversation/ingress.js';
import type { Client } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { loadConfig } from '../config/config.js';
import { silentLogger } from '../logging/logger.js';
import { Metrics } from '../metrics/metrics.js';
import { createHttpApp } from './app.js';
import { ROUTE_MODULES } from './routes/index.js';

/** The JSON API is described by /api/openapi.json, generated from the schemas that validate it. */
describe('the OpenAPI document', () => {
  let dispose: () => Promise<void>;
  let app: ReturnType<typeof createHttpApp>;
  beforeAll(async () => {
    const db = await freshStore(testDialects()[0]!);
    dispose = db.dispose;
    const config = loadConfig({ MYCEL_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'mycel-openapi-')) });
    app = createHttpApp(
      { config, logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), store: db.store, temporal: {} as Client, ingress: createIngress({} as Client, { taskQueue: 'openapi' }), readiness: [], info: {} },
      ROUTE_MODULES,
    );
  });
  afterAll(() => dispose());

  it('is OpenAPI 3.1 and lists every /api route of the app', async () => {
    const res = await app.request('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{([^}]+)\}/g, ':$1')}`)),
    );
    const routes = app.routes
      .filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL' && !r.path.includes('*') && r.path !== '/api/openapi.json')
      .map((r) => `${r.method} ${r.path}`);
    expect(routes.length).toBeGreaterThan(0);
    expect([...new Set(routes)].filter((r) => !documented.has(r))).toEqual([]);
  });

  it('describes the chat contract routes with their request schemas', async () => {
    const doc = (await (await app.request('/api/openapi.json')).json()) as { paths: Record<string, any> };
    const send = doc.paths['/api/chats/{chatId}/messages']?.post;
    expect(send).toBeDefined();
    const body = send.requestBody.content['application/json'].schema;
    const schema = body.$ref ? (doc as any).components.schemas[body.$ref.split('/').pop()] : body;
    // `text` is required unless the message carries images (checked by the route; said in its description).
    expect(schema.required ?? []).toEqual([]);
    expect(schema.properties.text.description).toMatch(/Required unless the message carries attachments/);
    expect(Object.keys(schema.properties)).toEqual(['text', 'attachments', 'messageId']);
    const upload = (doc as any).components.schemas.AttachmentUpload;
    expect(upload.required).toEqual(['mime', 'dataBase64']);
    expect(Object.keys(send.responses)).toEqual(expect.arrayContaining(['413', '415']));
    expect(doc.paths['/api/chats/{chatId}/messages']?.get).toBeDefined();
    expect(doc.paths['/api/chats/{chatId}/events']?.get).toBeDefined();
  });

  it('documents a 400 for every operation whose query, path or header values are validated', async () => {
    const doc = (await (await app.request('/api/openapi.json')).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ in: string }>; requestBody?: unknown; responses: Record<string, unknown> }>> };
    const missing = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => (op.parameters ?? []).length > 0 || op.requestBody)
        .filter(([, op]) => !op.responses['400'])
        .map(([m]) => `${m.toUpperCase()} ${p}`),
    );
    expect(missing).toEqual([]);
    // And the API really answers 400 for a bad query value where it says so.
    expect((await app.request('/api/chats?limit=abc')).status).toBe(400);
  });
});
