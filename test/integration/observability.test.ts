import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import getPort from 'get-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runValidation } from '../../src/operations/doctor/validation.js';
import { flushTracing, tracingEnabled } from '../../src/telemetry/tracing.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';

/** A stand-in OTLP/HTTP collector: records the name of every span posted to /v1/traces. */
let collector: Server;
const spanNames: string[] = [];
let mycel: TestMycel;

beforeAll(async () => {
  collector = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const doc = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string }> }> }> };
        for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) for (const span of ss.spans) spanNames.push(span.name);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const { port } = collector.address() as AddressInfo;
  mycel = await startTestMycel({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` } });
});

afterAll(async () => {
  await mycel?.stop();
  collector?.closeAllConnections();
  await new Promise<void>((resolve) => collector?.close(() => resolve()));
});

describe('observability', () => {
  it('exports OpenTelemetry spans across client, workflow and activities over OTLP', async () => {
    expect(tracingEnabled()).toBe(true);
    const run = await runValidation(mycel.proc.client, mycel.config.temporal.taskQueue);
    expect(run.checks.every((c) => c.status === 'pass')).toBe(true);
    const deadline = Date.now() + 20_000;
    const wanted = ['StartWorkflow:doctorWorkflow', 'RunWorkflow:doctorWorkflow', 'StartActivity:doctorEcho', 'RunActivity:doctorEcho', 'RunActivity:doctorFlaky'];
    while (!wanted.every((name) => spanNames.includes(name)) && Date.now() < deadline) {
      await flushTracing();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(spanNames).toEqual(expect.arrayContaining(wanted));
  });

  it('samples the task queue backlog from Temporal on each /metrics scrape', async () => {
    const metrics = await mycel.api('/metrics');
    expect(metrics.status).toBe(200);
    const queue = mycel.config.temporal.taskQueue;
    expect(metrics.body).toMatch(new RegExp(`mycel_task_queue_backlog\\{task_queue="${queue}",type="workflow"\\} \\d+`));
    expect(metrics.body).toMatch(new RegExp(`mycel_task_queue_backlog\\{task_queue="${queue}",type="activity"\\} \\d+`));
    expect(metrics.body).toMatch(/mycel_activity_retries_total\{activity="doctorFlaky"\} 2/);
    for (const name of ['mycel_turns_total', 'mycel_turn_duration_seconds', 'mycel_duplicates_dropped_total', 'mycel_out_of_order_arrivals_total', 'mycel_promise_delivery_delay_seconds']) {
      expect(metrics.body).toContain(`# HELP ${name} `);
    }
  });
});

describe('a worker-only process with MYCEL_METRICS_PORT', () => {
  it('serves /healthz, /readyz and /metrics (with its activity metrics) and nothing of the API', async () => {
    const port = await getPort({ host: '127.0.0.1' });
    const worker = await startTestMycel({ parts: { embedded: false, worker: true, gateway: false }, env: { MYCEL_METRICS_PORT: String(port) } });
    try {
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: Array<{ name: string }> }).checks.map((c) => c.name)).toEqual(['temporal', 'database', 'worker']);
      await runValidation(worker.proc.client, worker.config.temporal.taskQueue);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/mycel_activity_failures_total\{activity="doctorFlaky"\} 2/);
      expect(metrics).toMatch(/mycel_task_queue_backlog\{task_queue="[^"]+",type="activity"\} \d+/);
      expect((await fetch(`${base}/api/chats/x/messages`)).status).toBe(404);
    } finally {
      await worker.stop();
    }
  });
});
