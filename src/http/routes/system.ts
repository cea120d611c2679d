import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { apiRoute } from '../error-schema.js';
import { readFileSync } from 'node:fs';
import type { HttpDeps } from '../context.js';

const SystemSchema = z
  .object({
    version: z.string(),
    authRequired: z.boolean(),
    temporalUiUrl: z.string().nullable(),
    embeddedTemporal: z.boolean(),
    temporalNamespace: z.string(),
    taskQueue: z.string(),
    database: z.string(),
    model: z.string(),
    channels: z.array(z.string()),
    startedAt: z.string(),
  })
  .openapi('SystemInfo');

const systemRoute = apiRoute({
  method: 'get',
  path: '/api/system',
  summary: 'Facts about this instance for the health page (version, Temporal web UI link, database kind); no secrets',
  responses: { 200: { description: 'instance facts', content: { 'application/json': { schema: SystemSchema } } } },
});

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `GET /api/system`: what the web app's health page shows beside /readyz and /metrics. */
export function registerSystemRoutes(app: OpenAPIHono, deps: HttpDeps): void {
  const startedAt = new Date().toISOString();
  const version = packageVersion();
  app.openapi(systemRoute, (c) => {
    const { config, info } = deps;
    const uiUrl = typeof info.temporalUiUrl === 'string' ? info.temporalUiUrl : null;
    return c.json(
      {
        version,
        authRequired: Boolean(config.http.apiToken),
        temporalUiUrl: uiUrl,
        embeddedTemporal: Boolean(info.embeddedTemporal),
        temporalNamespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        database: deps.store.capabilities.name,
        model: config.model.id,
        channels: ['web', ...(config.telegram.token ? ['telegram'] : []), ...(config.whatsapp.enabled ? ['whatsapp'] : []), ...(config.discord.token ? ['discord'] : []), ...(config.slack.enabled ? ['slack'] : [])],
        startedAt,
      },
      200,
    );
  });
}
