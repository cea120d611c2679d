import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { commitEvents, type InboundEventRecord } from '../../channels/inbox.js';
import { CHANNEL_WEBHOOK_MAX_BODY_BYTES } from '../../channels/limits.js';
import { formatError } from '../../shared/errors.js';
import { SLACK_ACCOUNT } from '../../slack/adapter.js';
import { checkSignature, readEventsRequest, readInteraction, SIGNATURE_HEADER, SlackPayloadError, TIMESTAMP_HEADER } from '../../slack/events.js';
import type { HttpDeps } from '../context.js';

/** Where Slack's Events API delivers events (the app's Request URL). */
export const SLACK_EVENTS_PATH = '/webhooks/slack';
/** Where Slack delivers button presses (the app's Interactivity Request URL). */
export const SLACK_INTERACTIVE_PATH = '/webhooks/slack/interactive';

/**
 * The routes of the Slack channel (Events API), mounted when the channel is configured. Every
 * request must carry a valid `X-Slack-Signature` over its timestamp and raw body, with a
 * timestamp within five minutes (else 401, nothing stored). `POST /webhooks/slack` answers the
 * `url_verification` handshake with its challenge, and commits a message event to the inbox
 * keyed by `event_id` before it answers 200 (Slack retries a delivery not answered within 3 s,
 * and a retry is a counted duplicate). `POST /webhooks/slack/interactive` takes a button press
 * (`payload=<JSON>`) the same way. A database outage answers 503 so that Slack delivers again.
 */
export function registerSlackWebhookRoutes(app: OpenAPIHono, deps: HttpDeps): void {
  const { enabled, mode, signingSecret, allowedChannel } = deps.config.slack;
  if (!enabled || mode !== 'events' || !signingSecret) return;
  const log = deps.logger;
  const limit = bodyLimit({ maxSize: CHANNEL_WEBHOOK_MAX_BODY_BYTES, onError: (c) => c.json({ error: `request body is larger than ${CHANNEL_WEBHOOK_MAX_BODY_BYTES} bytes` }, 413) });
  app.use(SLACK_EVENTS_PATH, limit);
  app.use(SLACK_INTERACTIVE_PATH, limit);

  /** The raw body when the signature holds; undefined (and logged) when it does not. */
  async function signedBody(c: Context): Promise<Uint8Array | undefined> {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    // Checked before the body is parsed: a bad signature stores nothing and learns nothing.
    const check = checkSignature(raw, c.req.header(TIMESTAMP_HEADER), c.req.header(SIGNATURE_HEADER), signingSecret!);
    if (check.ok) return raw;
    log.warn(`refused a Slack request to ${c.req.path}: ${check.reason}`);
    return undefined;
  }

  async function commit(c: Context, events: InboundEventRecord[]): Promise<Response> {
    try {
      const result = await commitEvents(deps.store, 'slack', SLACK_ACCOUNT, events);
      if (result.duplicates) deps.metrics.duplicatesDropped.inc({ channel: 'slack' }, result.duplicates);
    } catch (err) {
      log.error(`could not store a Slack delivery; answering 503 so that it is delivered again: ${formatError(err)}`);
      return c.json({ error: 'the database is unavailable; deliver again later' }, 503);
    }
    return c.body(null, 200);
  }

  const unauthorized = (c: Context) => c.json({ error: 'missing, wrong or stale X-Slack-Signature / X-Slack-Request-Timestamp' }, 401);
  const badRequest = (c: Context, err: unknown) => {
    if (err instanceof SyntaxError) return c.json({ error: `malformed JSON body: ${err.message}` }, 400);
    if (err instanceof SlackPayloadError) return c.json({ error: err.message }, 400);
    throw err;
  };

  app.post(SLACK_EVENTS_PATH, async (c) => {
    const raw = await signedBody(c);
    if (!raw) return unauthorized(c);
    let request;
    try {
      request = readEventsRequest(JSON.parse(Buffer.from(raw).toString('utf8')), { allowedChannel });
    } catch (err) {
      return badRequest(c, err);
    }
    if (request.kind === 'url_verification') {
      log.info('answered the Slack Events API url_verification handshake');
      return c.json({ challenge: request.challenge }, 200);
    }
    if (request.ignored) log.debug(`a Slack event not for Mycel: ${request.ignored}`);
    return commit(c, request.events);
  });

  app.post(SLACK_INTERACTIVE_PATH, async (c) => {
    const raw = await signedBody(c);
    if (!raw) return unauthorized(c);
    let events;
    try {
      events = readInteraction(Buffer.from(raw).toString('utf8'), { allowedChannel });
    } catch (err) {
      return badRequest(c, err);
    }
    return commit(c, events);
  });
}
