import type { MycelConfig } from '../../config/config.js';
import { redactText } from '../../shared/redact.js';
import { runCheck, skipped, type CheckResult } from './report.js';

/** How long an outside service (Telegram, the model provider) gets to answer. */
export const SERVICE_TIMEOUT_MS = 5_000;

/** Removes a secret from any text before it is shown, plus the usual token shapes. */
function scrub(text: string, secret: string | undefined): string {
  const bare = secret ? text.split(secret).join('***') : text;
  return redactText(bare);
}

function describeFetchError(err: unknown, secret?: string): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `no answer within ${SERVICE_TIMEOUT_MS} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return scrub(`${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}`, secret);
}

/** Telegram: `getMe` with the configured token (never shown), when a token is set. */
export async function telegramCheck(config: MycelConfig): Promise<CheckResult> {
  const { token, apiRoot } = config.telegram;
  if (!token) return skipped('telegram', 'getMe', 'not configured (TELEGRAM_BOT_TOKEN is unset)');
  let hint = `check TELEGRAM_API_ROOT (${apiRoot}) and that this host may reach it`;
  return runCheck(
    'telegram',
    'getMe',
    async () => {
      let res: Response;
      try {
        res = await fetch(`${apiRoot.replace(/\/+$/, '')}/bot${token}/getMe`, { signal: AbortSignal.timeout(SERVICE_TIMEOUT_MS) });
      } catch (err) {
        throw new Error(`cannot reach the Bot API at ${apiRoot}: ${describeFetchError(err, token)}`);
      }
      const body = (await res.json().catch(() => undefined)) as { ok?: boolean; description?: string; result?: { id?: number; username?: string } } | undefined;
      if (res.status === 401 || res.status === 404) {
        hint = 'TELEGRAM_BOT_TOKEN was rejected: copy the token again from @BotFather (/token), or revoke and issue a new one';
        throw new Error(`the Bot API rejected the token (${res.status}${body?.description ? ` ${scrub(body.description, token)}` : ''})`);
      }
      if (!res.ok || !body?.ok || !body.result) throw new Error(`unexpected answer from getMe: HTTP ${res.status}${body?.description ? ` ${scrub(body.description, token)}` : ''}`);
      return `bot @${body.result.username ?? '?'} (id ${body.result.id ?? '?'}), ${config.telegram.mode} mode`;
    },
    () => hint,
  );
}

interface ModelEndpoint {
  url: string;
  headers: Record<string, string>;
  keyVariable: string | undefined;
}

/** Where each provider answers a cheap, authenticated listing call. */
function modelEndpoint(config: MycelConfig): ModelEndpoint {
  const [provider] = config.model.id.split(':');
  const key = config.model.apiKey;
  const base = config.model.baseUrl?.replace(/\/+$/, '');
  switch (provider) {
    case 'anthropic':
      return {
        url: `${base ?? 'https://api.anthropic.com/v1'}/models`,
        headers: { ...(key ? { 'x-api-key': key } : {}), 'anthropic-version': '2023-06-01' },
        keyVariable: 'MYCEL_MODEL_API_KEY',
      };
    case 'ollama':
      return { url: `${base ?? 'http://127.0.0.1:11434/v1'}/models`, headers: {}, keyVariable: undefined };
    case 'openai':
      return { url: `${base ?? 'https://api.openai.com/v1'}/models`, headers: key ? { authorization: `Bearer ${key}` } : {}, keyVariable: 'MYCEL_MODEL_API_KEY' };
    default:
      return { url: `${base}/models`, headers: key ? { authorization: `Bearer ${key}` } : {}, keyVariable: 'MYCEL_MODEL_API_KEY' };
  }
}

/**
 * The model: nothing to call for the offline brain; otherwise the provider's model listing
 * endpoint, authenticated with the configured key, must answer (a reachability and key
 * check that costs no tokens).
 */
export async function modelCheck(config: MycelConfig): Promise<CheckResult> {
  if (config.model.id === 'offline') return skipped('model', 'provider', 'skipped: MYCEL_MODEL=offline (the offline brain calls no model)');
  const endpoint = modelEndpoint(config);
  const key = config.model.apiKey;
  let hint = `check MYCEL_MODEL_BASE_URL and that this host may reach ${new URL(endpoint.url).host}`;
  return runCheck(
    'model',
    'provider',
    async () => {
      let res: Response;
      try {
        res = await fetch(endpoint.url, { headers: endpoint.headers, signal: AbortSignal.timeout(SERVICE_TIMEOUT_MS) });
      } catch (err) {
        throw new Error(`cannot reach ${endpoint.url}: ${describeFetchError(err, key)}`);
      }
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 401 || res.status === 403) {
        hint = endpoint.keyVariable ? `set ${endpoint.keyVariable} to a valid key for ${config.model.id.split(':')[0]}` : 'the server refused the request; check its authentication settings';
        throw new Error(`${endpoint.url} refused the request (HTTP ${res.status})`);
      }
      if (!res.ok) throw new Error(`${endpoint.url} answered HTTP ${res.status}`);
      return { status: 'pass', detail: `${config.model.id}: ${endpoint.url} answers (reachability and key only; no tokens spent)` };
    },
    () => hint,
  );
}
