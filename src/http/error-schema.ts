import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { MycelError } from '../shared/errors.js';

/**
 * The one shape of every error answer of the HTTP API (**contract**: `{ "error": message }`),
 * registered once as the OpenAPI component `Error`. `hint` says what to do about it when the
 * server knows (a MycelError's hint, the outage advice, the edge guard's fix). Answers that
 * carry more (a 409's `turn`) extend this schema, so they are an `Error` too (`allOf`).
 */
export const ErrorSchema = z
  .object({
    error: z.string().openapi({ description: 'what failed, in words a person can act on' }),
    hint: z.string().optional().openapi({ description: 'what to do about it, when the server knows' }),
  })
  .openapi('Error', { description: 'Every error answer of the API.' });

export type ErrorBody = z.infer<typeof ErrorSchema>;

/** The answer for a MycelError a route expects (not found, already decided…): its message and hint. */
export function mycelErrorBody(err: MycelError): ErrorBody {
  return { error: err.message, ...(err.hint ? { hint: err.hint } : {}) };
}

/** An error response of a route, for `responses` in `createRoute`. */
export function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: ErrorSchema } } };
}

/**
 * Error answers that any `/api` route may give, whatever it does: the bearer token (when
 * MYCEL_API_TOKEN is set), the edge guard, an internal error, a database outage; and the body
 * limit for routes that take a body.
 */
export function standardApiErrors(takesBody: boolean) {
  return {
    401: errorResponse('missing or wrong bearer token (when MYCEL_API_TOKEN is set)'),
    403: errorResponse('refused at the edge: a Host that is not a name of this server, or a state-changing request from a foreign Origin'),
    ...(takesBody ? { 413: errorResponse('request body larger than the limit') } : {}),
    500: errorResponse('an internal error; the server log has the detail'),
    503: errorResponse('the database (or Temporal) is unavailable; retry after `Retry-After` seconds'),
  };
}

/**
 * `createRoute` for the JSON API: the route's own responses, plus the standard error answers
 * every `/api` route may give (a route's own description of one of them wins).
 */
export function apiRoute<const R extends RouteConfig>(config: R) {
  const takesBody = config.request?.body !== undefined;
  return createRoute({ ...config, responses: { ...standardApiErrors(takesBody), ...config.responses } });
}
