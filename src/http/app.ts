import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import { MycelError } from '../shared/errors.js';
import { isDatabaseOutage } from '../storage/outage.js';
import { databaseOutage } from './outage-response.js';
import type { ErrorBody } from './error-schema.js';
import type { HttpDeps } from './context.js';
import { edgeGuard } from './edge-guard.js';
import { MAX_BODY_BYTES, MESSAGE_PATH, messageBodyLimit } from './limits.js';
import { registerHealthRoutes } from './routes/health.js';

/** What the bearer token (and the body limit) guard: the JSON API and the MCP server. */
const TOKEN_PATHS = ['/api/*', '/mcp'];
/** The methods the API and the web app answer; any other (TRACE, CONNECT, …) gets 405. */
export const SUPPORTED_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** The head of /api/openapi.json; its paths and components come from the routes' schemas. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 'Mycel API', version: '1', description: 'Chats, promises, memories, approvals, pipelines and audit of a Mycel assistant.' },
} as const;

/** The answer of every error the app itself gives (outside a route): the one `Error` shape. */
const errorJson = (body: ErrorBody) => body;

/** A route module adds its routes to the app; each capability has one. */
export type RouteModule = (app: OpenAPIHono, deps: HttpDeps) => void;

/** What a request without the right bearer token gets (401; 400 when the header is not a bearer token at all). */
const TOKEN_REFUSED: ErrorBody = { error: 'missing or wrong bearer token; send "Authorization: Bearer <MYCEL_API_TOKEN>"' };

/**
 * Builds the HTTP application: health and metrics, the JSON API under `/api` and the MCP
 * server at `/mcp` (bearer token when MYCEL_API_TOKEN is set), and whatever route modules
 * the capabilities contribute.
 * Every error answers JSON `{ "error": message, "hint"?: what to do }` (the OpenAPI `Error`).
 */
export function createHttpApp(deps: HttpDeps, modules: RouteModule[] = []): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
        return c.json(errorJson({ error: `${where}${issue?.message ?? 'invalid request'}` }), 400);
      }
      return undefined;
    },
  });

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const route = routePath(c) || 'unmatched';
    deps.metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    deps.metrics.httpDuration.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
  });

  // Before anything else reads the request: DNS rebinding and cross-site requests get 403.
  const { webhookUrl } = deps.config.telegram;
  app.use(
    '*',
    edgeGuard({
      boundHost: deps.config.http.host,
      publicOrigin: deps.config.http.publicOrigin,
      // Telegram calls the webhook by the host of TELEGRAM_WEBHOOK_URL, a name the owner chose.
      extraHosts: webhookUrl && deps.config.telegram.mode === 'webhook' ? [new URL(webhookUrl).host] : [],
    }),
  );

  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => c.json(errorJson({ error: `request body is larger than ${MAX_BODY_BYTES} bytes` }), 413),
  });
  // A message may carry images (base64 in the JSON): its route takes a body sized for them.
  const messageBodyBytes = messageBodyLimit(deps.config.media.maxImageBytes);
  const limitMessageBody = bodyLimit({
    maxSize: messageBodyBytes,
    onError: (c) => c.json({ error: `request body is larger than ${messageBodyBytes} bytes (images may be up to ${deps.config.media.maxImageBytes} bytes each, MYCEL_MEDIA_MAX_IMAGE_BYTES)` }, 413),
  });
  // Without attachments a message keeps the usual limit (413 beyond it, as before images existed).
  const plainMessageLimit: MiddlewareHandler = async (c, next) => {
    const raw = await c.req.text();
    if (Buffer.byteLength(raw) > MAX_BODY_BYTES && !/"attachments"\s*:/.test(raw)) return c.json({ error: `request body is larger than ${MAX_BODY_BYTES} bytes` }, 413);
    return next();
  };
  const limitAnyBody: MiddlewareHandler = (c, next) =>
    c.req.method === 'POST' && MESSAGE_PATH.test(c.req.path) ? limitMessageBody(c, () => plainMessageLimit(c, next) as Promise<void>) : limitBody(c, next);
  for (const path of TOKEN_PATHS) app.use(path, limitAnyBody);

  const token = deps.config.http.apiToken;
  if (token) {
    // hono's bearer auth: RFC 6750 header parsing, a constant-time compare, WWW-Authenticate.
    const auth = bearerAuth({
      token,
      noAuthenticationHeader: { message: TOKEN_REFUSED },
      invalidAuthenticationHeader: { message: TOKEN_REFUSED },
      invalidToken: { message: TOKEN_REFUSED },
    });
    // The API's description stays public: the web app reads it before it has the token.
    // Credentials of another scheme (Basic, …) are missing credentials here: 401 like no header at
    // all, never the 400 hono answers for a header it cannot parse.
    const checkToken: MiddlewareHandler = async (c, next) => {
      if (c.req.path === '/api/openapi.json') return next();
      const header = c.req.header('authorization');
      if (header !== undefined && !/^Bearer\s+\S/i.test(header)) {
        c.header('www-authenticate', 'Bearer realm="mycel"');
        return c.json(TOKEN_REFUSED, 401);
      }
      return auth(c, next);
    };
    for (const path of TOKEN_PATHS) app.use(path, checkToken);
  }

  registerHealthRoutes(app, deps);
  for (const register of modules) register(app, deps);

  app.doc31('/api/openapi.json', OPENAPI_DOCUMENT);

  app.notFound((c) => {
    if (!SUPPORTED_METHODS.includes(c.req.method)) {
      return c.json(errorJson({ error: `method ${c.req.method} is not allowed`, hint: `use one of ${SUPPORTED_METHODS.join(', ')}` }), 405, { allow: SUPPORTED_METHODS.join(', ') });
    }
    return c.json(errorJson({ error: `no route for ${c.req.method} ${c.req.path}` }), 404);
  });
  app.onError((err, c) => {
    // An exception that carries its own response (the bearer auth's 401 with WWW-Authenticate) answers with it.
    if (err instanceof HTTPException) return err.res ? err.getResponse() : c.json(errorJson({ error: err.message || 'bad request' }), err.status);
    if (err instanceof SyntaxError) return c.json(errorJson({ error: `malformed JSON body: ${err.message}` }), 400);
    if (isDatabaseOutage(err)) return databaseOutage(c, deps, err);
    if (err instanceof MycelError) {
      deps.logger.warn({ code: err.code }, err.message);
      return c.json(errorJson({ error: err.message, ...(err.hint ? { hint: err.hint } : {}) }), 500);
    }
    deps.logger.error({ err }, 'unhandled error in HTTP handler');
    return c.json(errorJson({ error: 'internal error; see the server log' }), 500);
  });
  return app;
}

