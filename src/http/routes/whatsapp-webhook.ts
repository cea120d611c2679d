import type { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { timingSafeEqual } from 'node:crypto';
import { commitEvents } from '../../channels/inbox.js';
import { CHANNEL_WEBHOOK_MAX_BODY_BYTES } from '../../channels/limits.js';
import { formatError } from '../../shared/errors.js';
import { messagesOf, signatureMatches, SIGNATURE_HEADER, WhatsAppPayloadError } from '../../whatsapp/webhook.js';
import type { HttpDeps } from '../context.js';

/** Where the WhatsApp Business Cloud API delivers webhooks (**contract**). */
export const WHATSAPP_WEBHOOK_PATH = '/webhooks/whatsapp';

function sameSecret(presented: string | undefined, secret: string): boolean {
  const a = Buffer.from(presented ?? '');
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The webhook of the WhatsApp channel, mounted when the channel is configured.
 * `GET` answers Meta's verification handshake: `hub.challenge` echoed when `hub.mode` is
 * `subscribe` and `hub.verify_token` is WHATSAPP_VERIFY_TOKEN, 403 otherwise. `POST` takes a
 * delivery only with a valid `X-Hub-Signature-256` over the raw body (else 401, nothing
 * stored), commits its messages to the inbox keyed by message id, then answers 200: Meta
 * retries a delivery until it gets one, and a repeat is a counted duplicate. A database
 * outage answers 503 so that Meta delivers again.
 */
export function registerWhatsAppWebhookRoute(app: OpenAPIHono, deps: HttpDeps): void {
  const { enabled, verifyToken, appSecret, phoneNumberId } = deps.config.whatsapp;
  if (!enabled || !verifyToken || !appSecret || !phoneNumberId) return;
  const log = deps.logger;

  app.get(WHATSAPP_WEBHOOK_PATH, (c) => {
    const mode = c.req.query('hub.mode');
    const challenge = c.req.query('hub.challenge');
    if (mode === 'subscribe' && challenge !== undefined && sameSecret(c.req.query('hub.verify_token'), verifyToken)) {
      log.info('answered the WhatsApp webhook verification handshake');
      return c.text(challenge, 200);
    }
    log.warn('refused a WhatsApp webhook verification with a wrong mode or verify token');
    return c.json({ error: 'verification failed: hub.mode must be "subscribe" and hub.verify_token must match WHATSAPP_VERIFY_TOKEN' }, 403);
  });

  app.use(
    WHATSAPP_WEBHOOK_PATH,
    bodyLimit({ maxSize: CHANNEL_WEBHOOK_MAX_BODY_BYTES, onError: (c) => c.json({ error: `request body is larger than ${CHANNEL_WEBHOOK_MAX_BODY_BYTES} bytes` }, 413) }),
  );

  app.post(WHATSAPP_WEBHOOK_PATH, async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    // Checked before the body is parsed: a bad signature stores nothing and learns nothing.
    if (!signatureMatches(raw, c.req.header(SIGNATURE_HEADER), appSecret)) {
      log.warn('refused a WhatsApp webhook call with a missing or wrong X-Hub-Signature-256');
      return c.json({ error: 'missing or wrong X-Hub-Signature-256' }, 401);
    }
    let events;
    try {
      events = messagesOf(JSON.parse(Buffer.from(raw).toString('utf8')), phoneNumberId);
    } catch (err) {
      if (err instanceof SyntaxError) return c.json({ error: `malformed JSON body: ${err.message}` }, 400);
      if (err instanceof WhatsAppPayloadError) return c.json({ error: err.message }, 400);
      throw err;
    }
    try {
      const result = await commitEvents(deps.store, 'whatsapp', phoneNumberId, events);
      if (result.duplicates) deps.metrics.duplicatesDropped.inc({ channel: 'whatsapp' }, result.duplicates);
    } catch (err) {
      log.error(`could not store a WhatsApp delivery; answering 503 so that it is delivered again: ${formatError(err)}`);
      return c.json({ error: 'the database is unavailable; deliver again later' }, 503);
    }
    return c.json({ ok: true as const }, 200);
  });
}
