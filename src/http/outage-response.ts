import type { Context } from 'hono';
import { formatError } from '../shared/errors.js';
import { DATABASE_RETRY_AFTER_SECONDS, databaseOutageBody } from '../storage/outage.js';
import type { HttpDeps } from './context.js';
import type { ErrorBody } from './error-schema.js';

/**
 * A database outage: 503 with `Retry-After` and a body that says what to do. The driver's
 * text names the database's address, so it goes to the log only.
 */
export function databaseOutage(c: Context, deps: Pick<HttpDeps, 'logger'>, err: unknown): Response {
  deps.logger.warn({ method: c.req.method, path: c.req.path }, `database unavailable: ${formatError(err)}`);
  return c.json(databaseOutageBody() satisfies ErrorBody, 503, { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) });
}
