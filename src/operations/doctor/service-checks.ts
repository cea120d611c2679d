import { probeModel } from '../../brain/model/probe.js';
import type { MycelConfig } from '../../config/config.js';
import { redactText } from '../../shared/redact.js';
import { runCheck, skipped, type CheckResult } from './report.js';

/** How long the Telegram Bot API gets to answer (the model probe has its own limit). */
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
        throw new Error(`cannot reach the Bot API at ${apiRoot}: ${describeFetchError(err, token)}`, { cause: err });
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

/**
 * Slack, only when the channel is configured (no row otherwise): `auth.test` with the bot token
 * (never shown), which names the workspace and the bot.
 */
export async function slackCheck(config: MycelConfig): Promise<CheckResult[]> {
  const { enabled, botToken, apiRoot, mode } = config.slack;
  if (!enabled || !botToken) return [];
  let hint = `check SLACK_API_ROOT (${apiRoot}) and that this host may reach it`;
  const check = await runCheck(
    'slack',
    'auth.test',
    async () => {
      let res: Response;
      try {
        res = await fetch(`${apiRoot.replace(/\/+$/, '')}/auth.test`, { method: 'POST', headers: { authorization: `Bearer ${botToken}`, 'content-type': 'application/x-www-form-urlencoded' }, signal: AbortSignal.timeout(SERVICE_TIMEOUT_MS) });
      } catch (err) {
        throw new Error(`cannot reach the Slack Web API at ${apiRoot}: ${describeFetchError(err, botToken)}`, { cause: err });
      }
      const body = (await res.json().catch(() => undefined)) as { ok?: boolean; error?: string; team?: string; user?: string; user_id?: string } | undefined;
      if (res.ok && body?.ok === false) {
        hint = 'SLACK_BOT_TOKEN was rejected: copy the Bot User OAuth Token (xoxb-…) again from the app\'s "OAuth & Permissions" page';
        throw new Error(`Slack rejected the bot token (${scrub(body.error ?? 'error', botToken)})`);
      }
      if (!res.ok || !body?.ok) throw new Error(`unexpected answer from auth.test: HTTP ${res.status}${body?.error ? ` ${scrub(body.error, botToken)}` : ''}`);
      return `bot ${body.user ?? '?'} (${body.user_id ?? '?'}) in workspace ${body.team ?? '?'}, ${mode === 'socket' ? 'Socket Mode' : 'Events API'}`;
    },
    () => hint,
  );
  return [check];
}

/**
 * The model: nothing to call for the offline brain; otherwise one tiny completion through the
 * model brain's own provider code (`probeModel`: a five-token answer, no retries), for
 * MYCEL_MODEL (`provider`) and each model of MYCEL_MODEL_FALLBACKS (`fallback <n>`).
 */
export async function modelCheck(config: MycelConfig): Promise<CheckResult[]> {
  if (config.model.id === 'offline') return [skipped('model', 'provider', 'skipped: MYCEL_MODEL=offline (the offline brain calls no model)')];
  const fallbacks = config.model.fallbacks ?? [];
  return Promise.all([
    probeOne(config.model, 'provider', 'check MYCEL_MODEL, MYCEL_MODEL_BASE_URL and MYCEL_MODEL_API_KEY, and that this host may reach the provider'),
    ...fallbacks.map((model, i) =>
      probeOne(model, `fallback ${i + 1}`, `check model ${i + 1} of MYCEL_MODEL_FALLBACKS, MYCEL_MODEL_FALLBACK_${i + 1}_BASE_URL and MYCEL_MODEL_FALLBACK_${i + 1}_API_KEY`),
    ),
  ]);
}

async function probeOne(model: { id: string; baseUrl: string | undefined; apiKey: string | undefined }, name: string, fallbackHint: string): Promise<CheckResult> {
  const probe = await probeModel({ model });
  const [message = '', hint] = probe.detail.split(/\n\s*hint: /);
  const detail = scrub(message, model.apiKey).replace(/\s*\n\s*/g, '; ');
  if (probe.ok) return { group: 'model', name, status: 'pass', ms: probe.ms, detail: `${detail} to a tiny prompt` };
  return { group: 'model', name, status: 'fail', ms: probe.ms, detail, hint: hint ? scrub(hint, model.apiKey) : fallbackHint };
}
