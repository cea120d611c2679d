import { autoRetry } from '@grammyjs/auto-retry';
import { Api, GrammyError, HttpError, type Transformer } from 'grammy';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { MycelError, formatError } from '../shared/errors.js';
import { redactText } from '../shared/redact.js';
import { MAX_API_RETRIES, MAX_RETRY_AFTER_S } from './limits.js';
import { RateLimiter, rateLimitTransformer } from './rate-limiter.js';

/**
 * How long one Bot API request may take before grammY aborts it (s): longer than a long
 * poll, shorter than the delivery activity's 30 s, so a hung send fails inside its attempt.
 */
export const API_REQUEST_TIMEOUT_S = 20;

/** A configured Bot API client: grammY's `Api` with Mycel's transformers, and the bot's id. */
export interface TelegramClient {
  api: Api;
  /** The numeric id before the `:` of the token (no network needed). */
  botId: string;
  limiter: RateLimiter;
}

export function botIdFromToken(token: string): string {
  const id = token.split(':')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new MycelError('TELEGRAM_TOKEN_INVALID', 'TELEGRAM_BOT_TOKEN does not start with the bot id.', 'use the token exactly as BotFather gives it: <bot id>:<secret>');
  return id;
}

/** Counts every HTTP attempt by method and result (innermost transformer: sees each retry). */
function metricsTransformer(metrics: Metrics | undefined): Transformer {
  return async (prev, method, payload, signal) => {
    try {
      const result = await prev(method, payload, signal);
      metrics?.telegramApiCalls.inc({ method, result: result.ok ? 'ok' : String(result.error_code) });
      return result;
    } catch (err) {
      metrics?.telegramApiCalls.inc({ method, result: 'network' });
      throw err;
    }
  };
}

/**
 * Builds the Bot API client from TELEGRAM_BOT_TOKEN and TELEGRAM_API_ROOT. Transformers,
 * innermost first: metrics per attempt; the rate limiter (each attempt waits for its slot);
 * auto-retry, which waits out a 429's `retry_after` (up to MAX_RETRY_AFTER_S) and retries
 * 5xx answers a few times. Network errors are thrown, not retried here: a send whose
 * request may have reached Telegram is the caller's decision (see sender.ts).
 */
export function createTelegramClient(options: { token: string; apiRoot: string; metrics?: Metrics; limiter?: RateLimiter }): TelegramClient {
  const api = new Api(options.token, { apiRoot: options.apiRoot.replace(/\/+$/, ''), timeoutSeconds: API_REQUEST_TIMEOUT_S });
  const limiter = options.limiter ?? new RateLimiter();
  api.config.use(metricsTransformer(options.metrics));
  api.config.use(rateLimitTransformer(limiter));
  api.config.use(autoRetry({ maxRetryAttempts: MAX_API_RETRIES, maxDelaySeconds: MAX_RETRY_AFTER_S, rethrowHttpErrors: true, rethrowInternalServerErrors: false }));
  return { api, botId: botIdFromToken(options.token), limiter };
}

/**
 * Whether retrying a failed call is pointless: Telegram answered and refused it for good
 * (400 bad request, 401 bad token, 403 blocked or kicked, 404 unknown or unsupported method).
 * 429s and 5xx are worth another attempt later; so are network errors.
 */
export function isPermanentApiError(err: unknown): err is GrammyError {
  return err instanceof GrammyError && [400, 401, 403, 404].includes(err.error_code);
}

/** Whether Telegram certainly did not act on the call (it answered with an error). */
export function telegramAnswered(err: unknown): err is GrammyError {
  return err instanceof GrammyError;
}

/** A one-line description of a Bot API failure, with any token masked. */
export function describeApiError(err: unknown): string {
  if (err instanceof GrammyError) return `${err.method}: ${err.error_code} ${err.description}`;
  if (err instanceof HttpError) return redactText(`network error: ${formatError(err.error ?? err)}`);
  return redactText(formatError(err));
}

/** Checks the token with `getMe` (a few attempts while the server starts); returns the bot's user. */
export async function verifyBot(client: TelegramClient, logger: Logger, attempts = 5): Promise<{ id: number; username: string; first_name: string }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const me = await client.api.getMe();
      return { id: me.id, username: me.username, first_name: me.first_name };
    } catch (err) {
      if (err instanceof GrammyError && err.error_code === 401) {
        throw new MycelError('TELEGRAM_UNAUTHORIZED', 'The Bot API refused TELEGRAM_BOT_TOKEN (401 Unauthorized).', 'check the token BotFather gave you, and TELEGRAM_API_ROOT if you use your own Bot API server');
      }
      if (attempt >= attempts) {
        throw new MycelError('TELEGRAM_UNREACHABLE', `Cannot reach the Telegram Bot API: ${describeApiError(err)}`, 'check TELEGRAM_API_ROOT and the network; unset TELEGRAM_BOT_TOKEN to run without Telegram', { cause: err });
      }
      logger.warn({ attempt }, `getMe failed, retrying: ${describeApiError(err)}`);
      await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 1)));
    }
  }
}
