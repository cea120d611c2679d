import type { OpenAPIHono } from '@hono/zod-openapi';
import { formatError } from '../../shared/errors.js';
import type { HttpDeps } from '../context.js';

/** Time one readiness check may take before it counts as failed. */
export const READINESS_CHECK_TIMEOUT_MS = 3_000;

async function runCheck(check: HttpDeps['readiness'][number]) {
  const started = performance.now();
  try {
    const detail = await Promise.race([
      check.check(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${READINESS_CHECK_TIMEOUT_MS} ms`)), READINESS_CHECK_TIMEOUT_MS).unref()),
    ]);
    return { name: check.name, ok: true, ms: Math.round(performance.now() - started), ...(detail ? { detail } : {}) };
  } catch (err) {
    return { name: check.name, ok: false, ms: Math.round(performance.now() - started), error: formatError(err) };
  }
}

/** `/healthz` (the process is alive), `/readyz` (it can do its work) and `/metrics`. */
export function registerHealthRoutes(app: OpenAPIHono, deps: HttpDeps): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const checks = await Promise.all(deps.readiness.map(runCheck));
    const ok = checks.every((check) => check.ok);
    deps.metrics.ready.set(ok ? 1 : 0);
    return c.json({ status: ok ? 'ready' : 'not ready', checks }, ok ? 200 : 503);
  });

  app.get('/metrics', async (c) => {
    const { contentType, body } = await deps.metrics.render();
    return c.body(body, 200, { 'content-type': contentType });
  });
}
