import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { timingSafeEqual } from 'node:crypto';
import { botIdFromToken } from '../../telegram/client.js';
import { commitUpdates } from '../../telegram/inbox.js';
import { WEBHOOK_MAX_BODY_BYTES } from '../../telegram/limits.js';
import type { HttpDeps } from '../context.js';
import { ErrorSchema } from '../error-schema.js';

/** Where Telegram POSTs updates in webhook mode; TELEGRAM_WEBHOOK_URL must point here. */
export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';
/** The header in which Telegram repeats the `secret_token` given to `setWebhook`. */
export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';


const webhookRoute = createRoute({
  method: 'post',
  path: TELEGRAM_WEBHOOK_PATH,
  summary: 'Telegram webhook (TELEGRAM_MODE=webhook): commits the update to the inbox, then answers 200',
  request: {
    headers: z.object({ [TELEGRAM_SECRET_HEADER]: z.string().openapi({ description: 'TELEGRAM_WEBHOOK_SECRET, as Telegram sends it' }) }),
    body: { content: { 'application/json': { schema: z.looseObject({ update_id: z.number().int().nonnegative() }).openapi('TelegramUpdate') } }, required: true },
  },
  responses: {
    200: { description: 'the update is stored durably (or was already)', content: { 'application/json': { schema: z.object({ ok: z.literal(true) }) } } },
    400: { description: 'not a Telegram update', content: { 'application/json': { schema: ErrorSchema } } },
    401: { description: 'missing or wrong secret token; nothing was stored', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

function secretMatches(presented: string | undefined, secret: string): boolean {
  const a = Buffer.from(presented ?? '');
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The webhook of the Telegram channel, mounted only in webhook mode. Telegram never sends
 * an update again once it got a 200, so the update is committed to the inbox first; the
 * dispatcher handles it from there. Answers fast: no turn runs inside the request.
 */
export function registerTelegramWebhookRoute(app: OpenAPIHono, deps: HttpDeps): void {
  const { token, mode, webhookSecret } = deps.config.telegram;
  if (!token || mode !== 'webhook' || !webhookSecret) return;
  const botId = botIdFromToken(token);

  app.use(
    TELEGRAM_WEBHOOK_PATH,
    bodyLimit({ maxSize: WEBHOOK_MAX_BODY_BYTES, onError: (c) => c.json({ error: `request body is larger than ${WEBHOOK_MAX_BODY_BYTES} bytes` }, 413) }),
  );
  // Checked before the body is read or validated: a wrong secret stores nothing and learns nothing.
  app.use(TELEGRAM_WEBHOOK_PATH, async (c, next) => {
    if (!secretMatches(c.req.header(TELEGRAM_SECRET_HEADER), webhookSecret)) {
      deps.logger.warn({ component: 'telegram' }, 'refused a webhook call with a missing or wrong secret token');
      return c.json({ error: 'missing or wrong X-Telegram-Bot-Api-Secret-Token' }, 401);
    }
    return next();
  });

  app.openapi(webhookRoute, async (c) => {
    const update = c.req.valid('json');
    const result = await commitUpdates(deps.store, botId, [update], 'webhook');
    if (result.duplicates) deps.metrics.duplicatesDropped.inc({ channel: 'telegram' }, result.duplicates);
    return c.json({ ok: true as const }, 200);
  });
}
