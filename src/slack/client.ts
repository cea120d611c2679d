import { LogLevel, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../logging/logger.js';
import { SLACK_MAX_API_RETRIES, SLACK_MAX_RETRY_AFTER_S, SLACK_REQUEST_TIMEOUT_MS, SLACK_RETRY_BASE_MS } from './limits.js';

/**
 * The calls Mycel makes to the Slack Web API, through the official `@slack/web-api` client:
 * `chat.postMessage` and `chat.update` with the bot token. The client's own retries are off
 * and rate-limited calls are handed back, so that Mycel decides: a 429 is retried inside the
 * call after its `Retry-After` (when that is short) and a 5xx after a short backoff, both a
 * few times (the service answered, so it posted nothing); past that, or on a network failure,
 * the error goes to the caller. Slack answers HTTP 200 with `{ ok: false, error }` for most
 * failures: those that retrying can fix are told apart from those it cannot (`transient`).
 */

/** `{ ok: false, error }` codes that are worth trying again later. */
const TRANSIENT_ERRORS = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);
/** Codes that mean the token is wrong or gone: retried (an owner can fix the variable), never recorded as a failed send. */
const AUTH_ERRORS = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission', 'missing_scope']);

/** A Slack Web API call failed with an answer from Slack. */
export class SlackApiError extends Error {
  constructor(
    /** The HTTP status (200 for `{ ok: false }`). */
    readonly status: number,
    /** Slack's error code (`channel_not_found`, `ratelimited`, …), when it gave one. */
    readonly code: string | undefined,
    readonly retryAfterS: number | undefined,
  ) {
    super(`${status}${code ? ` ${code}` : ''}`);
    this.name = 'SlackApiError';
  }

  /** Worth trying again later: throttled, the service failed, or the token needs fixing. */
  get transient(): boolean {
    return this.status === 429 || this.status >= 500 || (this.code !== undefined && (TRANSIENT_ERRORS.has(this.code) || AUTH_ERRORS.has(this.code)));
  }
}

/** Block Kit blocks as Mycel sends them: a text section and, under it, one row of buttons. */
export type SlackBlock =
  | { type: 'section'; text: { type: 'mrkdwn'; text: string; verbatim: true } }
  | { type: 'actions'; block_id: string; elements: Array<{ type: 'button'; action_id: string; text: { type: 'plain_text'; text: string }; value: string }> }
  | { type: 'context'; elements: Array<{ type: 'mrkdwn'; text: string }> };

export interface SlackMessage {
  /** The message text (also the notification text when blocks are given), escaped. */
  text: string;
  blocks?: SlackBlock[];
}

export interface SlackClient {
  /** Posts a message to a conversation (a user id posts to the app's direct message with them); returns its `ts`. */
  postMessage(channel: string, message: SlackMessage): Promise<{ channel: string; ts: string }>;
  /** Replaces a message Mycel sent. */
  updateMessage(channel: string, ts: string, message: SlackMessage): Promise<void>;
}

export interface SlackClientOptions {
  apiRoot: string;
  botToken: string;
  logger: Logger;
  /** Replaceable in tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** The `@slack/web-api` logger interface onto Mycel's logger (debug chatter stays at debug). */
export function slackLogger(logger: Logger): SlackLogger {
  let level = LogLevel.WARN;
  return {
    debug: (...msg: unknown[]) => logger.debug(msg.map(String).join(' ')),
    info: (...msg: unknown[]) => logger.debug(msg.map(String).join(' ')),
    warn: (...msg: unknown[]) => logger.warn(msg.map(String).join(' ')),
    error: (...msg: unknown[]) => logger.error(msg.map(String).join(' ')),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** Any error of the Web API client as Mycel's own: a `SlackApiError` when Slack answered. */
function asSlackError(err: unknown): unknown {
  if (err instanceof WebAPIRateLimitedError) return new SlackApiError(429, 'ratelimited', err.retryAfter);
  if (err instanceof WebAPIPlatformError) return new SlackApiError(200, err.data.error, undefined);
  if (err instanceof WebAPIHTTPError) return new SlackApiError(err.statusCode, undefined, undefined);
  return err;
}

export function createSlackClient(options: SlackClientOptions): SlackClient {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const web = new WebClient(options.botToken, {
    slackApiUrl: `${options.apiRoot.replace(/\/+$/, '')}/`,
    logger: slackLogger(options.logger),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: SLACK_REQUEST_TIMEOUT_MS,
    // Method names only: never send the token anywhere but the configured root.
    allowAbsoluteUrls: false,
  });

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await fn();
      } catch (raw) {
        const err = asSlackError(raw);
        const retryable = err instanceof SlackApiError && (err.status === 429 || err.status >= 500 || err.code === 'ratelimited');
        if (!retryable || attempt >= SLACK_MAX_API_RETRIES) throw err;
        if (err.retryAfterS !== undefined && err.retryAfterS > SLACK_MAX_RETRY_AFTER_S) throw err;
        const waitMs = err.retryAfterS !== undefined ? err.retryAfterS * 1000 : SLACK_RETRY_BASE_MS * 2 ** attempt;
        options.logger.info({ status: err.status, waitMs }, `Slack asked to slow down or failed on ${what} (${err.message}); retrying`);
        await sleep(waitMs);
      }
    }
  }

  return {
    async postMessage(channel, message) {
      const result = await call('chat.postMessage', () => web.chat.postMessage({ channel, ...message, unfurl_links: false, unfurl_media: false }));
      if (!result.ts || !result.channel) throw new SlackApiError(502, 'no_ts_in_answer', undefined);
      return { channel: result.channel, ts: result.ts };
    },
    async updateMessage(channel, ts, message) {
      await call('chat.update', () => web.chat.update({ channel, ts, ...message }));
    },
  };
}

/** A send error in words, never with the token. */
export function describeSlackError(err: unknown): string {
  if (err instanceof SlackApiError) return `Slack Web API ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
