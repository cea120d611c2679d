import { z } from 'zod';
import type { Logger } from '../logging/logger.js';
import { GRAPH_API_VERSION, WHATSAPP_MAX_API_RETRIES, WHATSAPP_MAX_RETRY_AFTER_S, WHATSAPP_REQUEST_TIMEOUT_MS, WHATSAPP_RETRY_BASE_MS } from './limits.js';

/**
 * The one call Mycel makes to the WhatsApp Business Cloud API: send a message, `POST
 * <root>/<version>/<phone number id>/messages` with the bearer token. A 429, a Graph
 * throttling code or a 5xx is retried a few times inside the call (the service answered, so
 * it posted nothing); past that, or on a network failure, the error goes to the caller.
 */

/** Graph error codes that mean "too many requests" even when the HTTP status is 400. */
const THROTTLING_CODES = new Set([4, 80007, 130429, 131048, 131056]);

const sendResponseSchema = z.looseObject({ messages: z.array(z.looseObject({ id: z.string().min(1) })).min(1) });
const errorResponseSchema = z.looseObject({ error: z.looseObject({ message: z.string().optional(), code: z.number().optional(), type: z.string().optional() }) });

/** The Graph API answered with an error. */
export class GraphApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: number | undefined,
    readonly retryAfterS: number | undefined,
  ) {
    super(message);
    this.name = 'GraphApiError';
  }

  /** Worth trying again later: throttled, or the service failed. */
  get transient(): boolean {
    return this.status === 429 || this.status >= 500 || (this.code !== undefined && THROTTLING_CODES.has(this.code));
  }
}

/** A message body as the Cloud API takes it (`messaging_product` and `to` are added). */
export type OutgoingMessage =
  | { type: 'text'; text: { body: string; preview_url?: boolean } }
  | { type: 'interactive'; interactive: { type: 'button'; body: { text: string }; action: { buttons: Array<{ type: 'reply'; reply: { id: string; title: string } }> } } };

export interface WhatsAppClient {
  /** Sends one message; returns the Cloud API's message id (`wamid…`). */
  sendMessage(to: string, message: OutgoingMessage): Promise<string>;
  /** The URL messages are posted to (diagnostics). */
  readonly messagesUrl: string;
}

export interface WhatsAppClientOptions {
  apiRoot: string;
  accessToken: string;
  phoneNumberId: string;
  logger: Logger;
  /** Replaceable in tests. */
  sleep?: (ms: number) => Promise<void>;
}

export function createWhatsAppClient(options: WhatsAppClientOptions): WhatsAppClient {
  const messagesUrl = `${options.apiRoot.replace(/\/+$/, '')}/${GRAPH_API_VERSION}/${options.phoneNumberId}/messages`;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  async function once(body: unknown): Promise<string> {
    const res = await fetch(messagesUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(WHATSAPP_REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (res.ok) {
      const parsed = sendResponseSchema.safeParse(json);
      if (!parsed.success) throw new GraphApiError(502, `the Graph API answered ${res.status} without a message id`, undefined, undefined);
      return parsed.data.messages[0]!.id;
    }
    const error = errorResponseSchema.safeParse(json);
    const retryAfter = Number(res.headers.get('retry-after'));
    throw new GraphApiError(
      res.status,
      `${res.status}${error.success && error.data.error.code !== undefined ? ` (code ${error.data.error.code})` : ''}: ${error.success ? (error.data.error.message ?? 'error') : text.slice(0, 200) || res.statusText}`,
      error.success ? error.data.error.code : undefined,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }

  return {
    messagesUrl,
    async sendMessage(to, message) {
      const body = { messaging_product: 'whatsapp', recipient_type: 'individual', to, ...message };
      for (let attempt = 0; ; attempt += 1) {
        try {
          return await once(body);
        } catch (err) {
          if (!(err instanceof GraphApiError) || !err.transient || attempt >= WHATSAPP_MAX_API_RETRIES) throw err;
          if (err.retryAfterS !== undefined && err.retryAfterS > WHATSAPP_MAX_RETRY_AFTER_S) throw err;
          const waitMs = err.retryAfterS !== undefined ? err.retryAfterS * 1000 : WHATSAPP_RETRY_BASE_MS * 2 ** attempt;
          options.logger.info({ status: err.status, waitMs }, `the Graph API asked to slow down or failed (${err.message}); retrying the send`);
          await sleep(waitMs);
        }
      }
    },
  };
}

/** A send error in words, never with the token. */
export function describeGraphError(err: unknown): string {
  if (err instanceof GraphApiError) return `Graph API ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
