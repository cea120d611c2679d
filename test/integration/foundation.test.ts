import { describe, expect, it } from 'vitest';
import { startTestMycel } from '../support/harness.js';
import { testDialects } from '../support/databases.js';

describe.each(testDialects())('a worker + gateway process on $name', (dialect) => {
  // Start-up returns once Temporal lists the worker's poller, so /readyz is 200 straight away.
  it('becomes ready: Temporal reachable, database migrated, worker polling', async () => {
    const mycel = await startTestMycel({ dialect });
    try {
      const ready = await mycel.api('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks.map((c: { name: string }) => c.name)).toEqual(['temporal', 'database', 'worker']);
      expect(ready.body.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    } finally {
      await mycel.stop();
    }
  });
});

describe('readiness without a worker', () => {
  it('answers 503 naming the worker check when nothing polls the task queue', async () => {
    const gateway = await startTestMycel({ parts: { embedded: false, worker: false, gateway: true } });
    try {
      const ready = await gateway.api('/readyz');
      expect(ready.status).toBe(503);
      const worker = ready.body.checks.find((c: { name: string }) => c.name === 'worker');
      expect(worker.ok).toBe(false);
      expect(worker.error).toMatch(/no worker polls task queue/);
      expect(ready.body.checks.find((c: { name: string }) => c.name === 'database').ok).toBe(true);
    } finally {
      await gateway.stop();
    }
  });
});

describe('the bare Update baseline workflow', () => {
  it('answers Updates in order and counts them', async () => {
    const mycel = await startTestMycel({ parts: { embedded: false, worker: true, gateway: false } });
    try {
      const client = mycel.proc.client;
      const handle = await client.workflow.start('baselineWorkflow', { taskQueue: mycel.config.temporal.taskQueue, workflowId: `baseline-${Date.now()}` });
      const replies = [];
      for (const text of ['a', 'b', 'c']) replies.push(await handle.executeUpdate<string, [string]>('echo', { args: [text] }));
      await handle.signal('finish');
      expect(replies).toEqual(['a', 'b', 'c']);
      expect(await handle.result()).toBe(3);
    } finally {
      await mycel.stop();
    }
  });
});

describe('metrics and API errors', () => {
  it('serves Prometheus text with mycel_ names and JSON errors for unknown routes', async () => {
    const mycel = await startTestMycel({ parts: { embedded: false, worker: false, gateway: true } });
    try {
      await mycel.api('/healthz');
      const metrics = await mycel.api('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.body).toMatch(/^# HELP mycel_/m);
      expect(metrics.body).toMatch(/mycel_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
      const missing = await mycel.api('/api/nothing-here');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: 'no route for GET /api/nothing-here' });
    } finally {
      await mycel.stop();
    }
  });

  it('requires the bearer token on /api when MYCEL_API_TOKEN is set', async () => {
    const mycel = await startTestMycel({ parts: { embedded: false, worker: false, gateway: true }, env: { MYCEL_API_TOKEN: 'secret-token-123' } });
    try {
      const res = await fetch(`${mycel.url}/api/openapi.json`);
      expect(res.status).toBe(200);
      const denied = await fetch(`${mycel.url}/api/anything`, { headers: { authorization: 'Bearer wrong' } });
      expect(denied.status).toBe(401);
      expect(denied.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect((await denied.json()).error).toMatch(/bearer token/);
      const missing = await fetch(`${mycel.url}/api/anything`);
      expect(missing.status).toBe(401);
      expect((await missing.json()).error).toMatch(/bearer token/);
      const otherScheme = await fetch(`${mycel.url}/api/anything`, { headers: { authorization: 'Basic c2VjcmV0LXRva2VuLTEyMw==' } });
      expect(otherScheme.status).toBe(401);
      expect(otherScheme.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await otherScheme.json()).error).toMatch(/bearer token/);
      const allowed = await fetch(`${mycel.url}/api/anything`, { headers: { authorization: 'Bearer secret-token-123' } });
      expect(allowed.status).toBe(404);
      const health = await fetch(`${mycel.url}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await mycel.stop();
    }
  });
});
