import type { MycelConfig } from '../config/config.js';
import { MycelError } from '../shared/errors.js';
import { redactText } from '../shared/redact.js';

/** How long one Bot API call of the set-up may take. */
export const SETUP_REQUEST_TIMEOUT_MS = 10_000;
/** Seconds one `getUpdates` call of the owner search holds the connection open. */
export const OWNER_POLL_SECONDS = 2;
/** A message this long before the wait began still counts as the owner's (ms). */
export const RECENT_MESSAGE_MS = 60_000;
/** How long `mycel init` waits for the first message to the bot. */
export const OWNER_WAIT_MS = 180_000;

export interface BotInfo {
  id: number;
  username: string;
  firstName: string;
}

export interface TelegramSender {
  id: number;
  firstName: string;
  username: string | undefined;
  text: string | undefined;
}

/** A check of `mycel init` that failed: what went wrong and how to fix it. */
export class SetupCheckError extends MycelError {
  constructor(message: string, hint?: string) {
    super('SETUP_CHECK_FAILED', message, hint);
    this.name = 'SetupCheckError';
  }
}

const TOKEN_FORM = /^\d+:[A-Za-z0-9_-]+$/;

function hide(text: string, token: string): string {
  return redactText(text.split(token).join('***'));
}

interface BotApiAnswer<T> {
  ok?: boolean;
  result?: T;
  description?: string;
  error_code?: number;
}

async function callBotApi<T>(apiRoot: string, token: string, method: string, params: Record<string, unknown>, timeoutMs: number): Promise<BotApiAnswer<T> & { status: number }> {
  let res: Response;
  try {
    res = await fetch(`${apiRoot.replace(/\/+$/, '')}/bot${token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : `${e.message ?? String(err)}${e.cause?.code ? ` (${e.cause.code})` : ''}`;
    throw new SetupCheckError(`Cannot reach the Telegram Bot API at ${apiRoot}: ${hide(why, token)}.`, 'check the network (and TELEGRAM_API_ROOT when it is set)');
  }
  const body = (await res.json().catch(() => ({}))) as BotApiAnswer<T>;
  return { ...body, status: res.status };
}

/** Checks a bot token with `getMe`; returns the bot. The token never appears in an error. */
export async function checkBotToken(apiRoot: string, token: string): Promise<BotInfo> {
  if (!TOKEN_FORM.test(token)) {
    throw new SetupCheckError('That is not a bot token: it looks like 123456789:AA… (digits, a colon, then letters).', 'copy it from @BotFather (/mybots → your bot → API Token)');
  }
  const answer = await callBotApi<{ id: number; username?: string; first_name?: string }>(apiRoot, token, 'getMe', {}, SETUP_REQUEST_TIMEOUT_MS);
  if (answer.status === 401 || answer.status === 404) {
    throw new SetupCheckError('Telegram rejected the bot token (401 Unauthorized).', 'copy it again from @BotFather (/token), or revoke it there and paste the new one');
  }
  if (!answer.ok || !answer.result) {
    throw new SetupCheckError(`Unexpected answer from Telegram's getMe: HTTP ${answer.status}${answer.description ? ` ${hide(answer.description, token)}` : ''}.`, 'try again in a minute');
  }
  return { id: answer.result.id, username: answer.result.username ?? String(answer.result.id), firstName: answer.result.first_name ?? '' };
}

/**
 * Waits for the next message to the bot (short `getUpdates` polls) and returns its sender.
 * Messages older than a minute before the wait began are passed over (someone else's old
 * message must not become the owner); the one found is confirmed, so the assistant does not
 * answer it later. Resolves undefined when `waitMs` passes first.
 */
export async function waitForFirstMessage(apiRoot: string, token: string, options: { waitMs?: number; signal?: AbortSignal } = {}): Promise<TelegramSender | undefined> {
  const since = Date.now() - RECENT_MESSAGE_MS;
  const deadline = Date.now() + (options.waitMs ?? OWNER_WAIT_MS);
  type Update = { update_id: number; message?: { date?: number; from?: { id: number; first_name?: string; username?: string; is_bot?: boolean }; text?: string } };
  let offset: number | undefined;
  while (Date.now() < deadline && !options.signal?.aborted) {
    const answer = await callBotApi<Update[]>(apiRoot, token, 'getUpdates', { offset, timeout: OWNER_POLL_SECONDS, allowed_updates: ['message'] }, SETUP_REQUEST_TIMEOUT_MS + OWNER_POLL_SECONDS * 1000);
    if (answer.status === 409) {
      throw new SetupCheckError(
        'Telegram will not hand out messages here: the bot has a webhook set, or another program (a running Mycel?) is polling it.',
        'stop the other program, or give the owner id with --owner (ask @userinfobot for yours)',
      );
    }
    if (!answer.ok || !Array.isArray(answer.result)) {
      throw new SetupCheckError(`Unexpected answer from Telegram's getUpdates: HTTP ${answer.status}${answer.description ? ` ${hide(answer.description, token)}` : ''}.`);
    }
    for (const update of answer.result) {
      offset = Math.max(offset ?? 0, update.update_id + 1);
      const from = update.message?.from;
      const recent = (update.message?.date ?? Infinity) * 1000 >= since;
      if (from && !from.is_bot && recent) {
        // Confirms this update (and any before it): the assistant starts after it.
        await callBotApi(apiRoot, token, 'getUpdates', { offset, timeout: 0, limit: 1 }, SETUP_REQUEST_TIMEOUT_MS);
        return { id: from.id, firstName: from.first_name ?? '', username: from.username, text: update.message?.text };
      }
    }
  }
  return undefined;
}

/** Checks the model with one tiny request through the assistant's own provider code. */
export async function checkModel(model: MycelConfig['model']): Promise<string> {
  const { probeModel } = await import('../brain/model/probe.js');
  const probe = await probeModel({ model });
  const detail = model.apiKey ? probe.detail.split(model.apiKey).join('***') : probe.detail;
  if (!probe.ok) {
    const [message = detail, hint] = detail.split(/\n\s*hint: /);
    throw new SetupCheckError(redactText(message), hint ? redactText(hint) : 'check the model name, the key and the base URL');
  }
  return `${redactText(detail)} in ${probe.ms} ms`;
}
