import type { Client } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { loadConfig } from '../config/config.js';
import { createIngress } from '../conversation/ingress.js';
import { silentLogger } from '../logging/logger.js';
import { Metrics } from '../metrics/metrics.js';
import { MycelError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';
import { createApproval, settleApproval } from '../tools/approvals-store.js';
import { createHttpApp, type RouteModule } from './app.js';
import { ErrorSchema } from './error-schema.js';
import { MAX_BODY_BYTES } from './limits.js';
import { ROUTE_MODULES } from './routes/index.js';

type Schema = { $ref?: string; allOf?: Schema[]; properties?: Record<string, unknown> };
interface Doc {
  paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>;
  components: { schemas: Record<string, Schema> };
}

const ERROR_REF = '#/components/schemas/Error';
const TOKEN = 'error-shape-test-token';

/** Routes that fail the way the app's own error handler has to answer: an outage, a bug, a known failure. */
const failingRoutes: RouteModule = (app) => {
  app.get('/api/test/outage', () => {
    throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' });
  });
  app.get('/api/test/bug', () => {
    throw new TypeError('cannot read properties of undefined');
  });
  app.get('/api/test/known', () => {
    throw new MycelError('TEST_KNOWN', 'the thing failed', 'do the other thing');
  });
};

/** Every error answer has one shape, registered once in the OpenAPI document as `Error`. */
describe('the one error shape of the API', () => {
  let dispose: () => Promise<void>;
  let store: Store;
  let app: ReturnType<typeof createHttpApp>;
  let doc: Doc;

  beforeAll(async () => {
    const db = await freshStore(testDialects()[0]!);
    dispose = db.dispose;
    store = db.store;
    const config = loadConfig({ MYCEL_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'mycel-errors-')), MYCEL_API_TOKEN: TOKEN });
    app = createHttpApp(
      // No Temporal: every request below is answered before a workflow would be reached.
      { config, logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), store, temporal: {} as Client, ingress: createIngress({} as Client, { taskQueue: 'errors' }), readiness: [], info: {} },
      [...ROUTE_MODULES, failingRoutes],
    );
    doc = (await (await app.request('/api/openapi.json')).json()) as Doc;
  });
  afterAll(() => dispose());

  /** Whether a response schema is `Error`, or a component that extends it. */
  function isErrorSchema(schema: Schema | undefined): boolean {
    if (!schema?.$ref) return false;
    if (schema.$ref === ERROR_REF) return true;
    const component = doc.components.schemas[schema.$ref.split('/').pop()!];
    return component?.allOf?.[0]?.$ref === ERROR_REF;
  }

  it('has every error response of every route reference the one Error component', () => {
    const errors = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops).flatMap(([method, op]) =>
        Object.entries(op.responses)
          .filter(([status]) => Number(status) >= 400)
          .map(([status, res]) => ({ at: `${method.toUpperCase()} ${p} ${status}`, schema: res.content?.['application/json']?.schema })),
      ),
    );
    expect(errors.length).toBeGreaterThan(50);
    expect(errors.filter((e) => !isErrorSchema(e.schema)).map((e) => e.at)).toEqual([]);
  });

  it('registers Error once, with hint, and no second error component beside it', () => {
    const error = doc.components.schemas.Error as { required?: string[]; properties: Record<string, unknown> };
    expect(Object.keys(error.properties)).toEqual(['error', 'hint']);
    expect(error.required).toEqual(['error']);
    const errorLike = Object.entries(doc.components.schemas)
      .filter(([name, s]) => /error/i.test(name) || (s.properties && 'error' in s.properties && 'hint' in s.properties))
      .filter(([name]) => name !== 'Error' && !isErrorSchema({ $ref: `#/components/schemas/${name}` }))
      .map(([name]) => name);
    expect(errorLike).toEqual([]);
  });

  it('documents the answers of the token, edge guard, outage and body limit on every /api operation', () => {
    const missing = Object.entries(doc.paths)
      .filter(([p]) => p.startsWith('/api/'))
      .flatMap(([p, ops]) =>
        Object.entries(ops).flatMap(([method, op]) =>
          ['401', '403', '500', '503', ...(op.requestBody ? ['413'] : [])].filter((s) => !op.responses[s]).map((s) => `${method.toUpperCase()} ${p} ${s}`),
        ),
      );
    expect(missing).toEqual([]);
  });

  /** Sends a request and returns the status, the parsed body and the Retry-After header. */
  async function answer(pathname: string, init: RequestInit & { token?: false } = {}) {
    const headers = new Headers(init.headers);
    if (init.token !== false) headers.set('authorization', `Bearer ${TOKEN}`);
    const res = await app.request(pathname, { ...init, headers });
    return { status: res.status, body: (await res.json()) as unknown, retryAfter: res.headers.get('retry-after') };
  }

  const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('answers every kind of failure with a body that validates against it', async () => {
    await createApproval(store, {
      id: 'ap-decided',
      call_id: 'call-1',
      channel: 'web',
      chat_id: 'c',
      user_id: 'owner',
      tool: 'shell',
      input: '{}',
      requested_at: new Date().toISOString(),
      expires_at: new Date(Date.now() + 60_000).toISOString(),
      workflow_id: 'approval-ap-decided',
    });
    await settleApproval(store, 'ap-decided', 'denied', 'test');

    const cases: Array<[number, () => ReturnType<typeof answer>]> = [
      [400, () => answer('/api/chats/c/messages', json({ text: '' }))],
      [400, () => answer('/api/chats?limit=abc')],
      [401, () => answer('/api/approvals', { token: false })],
      [403, () => answer('http://evil.example/api/approvals')],
      [403, () => answer('/api/approvals/x', { ...json({ decision: 'approve' }), headers: { 'content-type': 'application/json', origin: 'http://evil.example' } })],
      [404, () => answer('/api/nothing-here')],
      [404, () => answer('/api/approvals/unknown', json({ decision: 'approve' }))],
      [404, () => answer('/api/chats/c/memories/unknown', { method: 'DELETE' })],
      [405, () => answer('/api/approvals', { method: 'PROPFIND' })],
      [409, () => answer('/api/approvals/ap-decided', json({ decision: 'approve' }))],
      [413, () => answer('/api/chats/c/messages', json({ text: 'x'.repeat(MAX_BODY_BYTES + 1) }))],
      [500, () => answer('/api/test/bug')],
      [500, () => answer('/api/test/known')],
      [503, () => answer('/api/test/outage')],
    ];
    for (const [expected, send] of cases) {
      const { status, body } = await send();
      expect(status, JSON.stringify(body)).toBe(expected);
      expect(ErrorSchema.safeParse(body).success, `${status}: ${JSON.stringify(body)}`).toBe(true);
    }
    // Known failures carry their hint; an outage says when to retry.
    expect((await answer('/api/approvals/ap-decided', json({ decision: 'deny' }))).body).toMatchObject({ hint: expect.any(String) });
    expect((await answer('/api/test/known')).body).toEqual({ error: 'the thing failed', hint: 'do the other thing' });
    const outage = await answer('/api/test/outage');
    expect(outage.retryAfter).toMatch(/^\d+$/);
    expect(JSON.stringify(outage.body)).not.toContain('10.0.0.5');
  });
});
