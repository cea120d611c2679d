import path from 'node:path';
import { parseEnv } from 'node:util';
import * as p from '@clack/prompts';
import { loadConfig } from '../config/config.js';
import { ENV_FILE_NAME } from '../cli/env-file.js';
import { formatError, MycelError } from '../shared/errors.js';
import {
  envValuesFor,
  isLoopbackHost,
  MODEL_PROVIDERS,
  newSecret,
  parseOwnerIds,
  SUGGESTED_MODELS,
  type InitAnswers,
  type ModelProvider,
} from './answers.js';
import { checkBotToken, checkModel, OWNER_WAIT_MS, SetupCheckError, waitForFirstMessage, type BotInfo } from './checks.js';
import { readEnvText, updateEnvText, writeEnvFile } from './env-edit.js';

const DEFAULT_TELEGRAM_API_ROOT = 'https://api.telegram.org';
const OLLAMA_BASE_URL = 'http://127.0.0.1:11434/v1';
const WEBHOOK_PATH = '/telegram/webhook';

export interface InitOptions {
  yes?: boolean;
  telegramToken?: string;
  owner?: string;
  telegramMode?: string;
  webhookUrl?: string;
  model?: string;
  modelKey?: string;
  modelBaseUrl?: string;
}

interface InitContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  out(line: string): void;
}

const telegramRoot = (env: NodeJS.ProcessEnv) => env.TELEGRAM_API_ROOT?.trim() || DEFAULT_TELEGRAM_API_ROOT;

/** Writes the answers into `<cwd>/.env` (other lines kept, mode 0600) after checking the result loads. */
function saveAnswers(ctx: InitContext, answers: InitAnswers): { file: string; names: string[] } {
  const file = path.join(ctx.cwd, ENV_FILE_NAME);
  const values = envValuesFor(answers);
  const text = updateEnvText(readEnvText(file), values);
  // What start will read must load: the file's values over the environment's, as a fresh shell sees them.
  loadConfig({ ...ctx.env, ...parseEnv(text) }, ctx.cwd);
  writeEnvFile(file, text);
  return { file, names: Object.keys(values).filter((k) => values[k] !== undefined) };
}

function apiTokenIfNeeded(env: NodeJS.ProcessEnv): string | undefined {
  return isLoopbackHost(env.MYCEL_HTTP_HOST) || env.MYCEL_API_TOKEN ? undefined : newSecret();
}

function modelFromFlags(opts: InitOptions, env: NodeJS.ProcessEnv): InitAnswers['model'] {
  const id = opts.model!.trim();
  if (id === 'offline') return { id };
  const match = /^(openai|anthropic|ollama|openai-compatible):(.+)$/.exec(id);
  if (!match) throw new SetupCheckError(`--model "${id}" names no provider.`, 'use offline, openai:<model>, anthropic:<model>, ollama:<model> or openai-compatible:<model>');
  const provider = match[1] as ModelProvider;
  const baseUrl = opts.modelBaseUrl ?? env.MYCEL_MODEL_BASE_URL ?? (provider === 'ollama' ? OLLAMA_BASE_URL : undefined);
  if (provider === 'openai-compatible' && !baseUrl) throw new SetupCheckError('--model openai-compatible:… needs --model-base-url.', 'for example --model-base-url http://127.0.0.1:8000/v1');
  return { id, apiKey: opts.modelKey ?? env.MYCEL_MODEL_API_KEY, baseUrl: opts.modelBaseUrl ?? (provider === 'ollama' || provider === 'openai-compatible' ? baseUrl : env.MYCEL_MODEL_BASE_URL) };
}

/** `mycel init --yes …`: no questions, the same checks; throws (non-zero exit) when one fails. */
export async function runInitWithFlags(ctx: InitContext, opts: InitOptions): Promise<void> {
  const answers: InitAnswers = {};
  if (opts.telegramToken) {
    const bot = await checkBotToken(telegramRoot(ctx.env), opts.telegramToken.trim());
    ctx.out(`Telegram: bot @${bot.username} (${bot.firstName}) answers.`);
    const ownerIds = opts.owner === undefined ? [] : parseOwnerIds(opts.owner);
    if (!ownerIds) throw new SetupCheckError(`--owner "${opts.owner}" is not a list of numeric Telegram user ids.`, 'for example --owner 12345 or --owner 12345,67890');
    if (!ownerIds.length) ctx.out('Telegram: no --owner given; pair people later with `mycel pairing approve <code>`.');
    const mode = opts.telegramMode ?? 'polling';
    if (mode !== 'polling' && mode !== 'webhook') throw new SetupCheckError(`--telegram-mode "${mode}" is neither polling nor webhook.`);
    if (mode === 'webhook' && !opts.webhookUrl) throw new SetupCheckError('--telegram-mode webhook needs --webhook-url.', `the public https URL of this server's ${WEBHOOK_PATH}`);
    answers.telegram = { token: opts.telegramToken.trim(), ownerIds, mode, webhookUrl: opts.webhookUrl, webhookSecret: mode === 'webhook' ? newSecret(24) : undefined };
  } else if (opts.owner) {
    throw new SetupCheckError('--owner needs --telegram-token.');
  }
  if (opts.model) {
    answers.model = modelFromFlags(opts, ctx.env);
    if (answers.model!.id !== 'offline') ctx.out(`Model: ${await checkModel({ id: answers.model!.id, apiKey: answers.model!.apiKey, baseUrl: answers.model!.baseUrl })}.`);
  }
  answers.apiToken = apiTokenIfNeeded(ctx.env);
  if (answers.apiToken) ctx.out(`API token: generated, since MYCEL_HTTP_HOST (${ctx.env.MYCEL_HTTP_HOST}) is not a loopback address.`);
  const { file, names } = saveAnswers(ctx, answers);
  ctx.out(`Wrote ${file} (${names.join(', ') || 'nothing new'}; readable by you only).`);
  ctx.out('Next: npx mycel start');
}

/** Stops the set-up when the person cancels a prompt (Ctrl-C, Esc). */
class Cancelled extends Error {}

function answered<T>(value: T): Exclude<T, symbol> {
  if (p.isCancel(value)) throw new Cancelled();
  return value as Exclude<T, symbol>;
}

function showFailure(err: unknown): void {
  p.log.error(err instanceof MycelError ? `${err.message}${err.hint ? `\n${err.hint}` : ''}` : formatError(err));
}

async function askBot(apiRoot: string, existing: string | undefined): Promise<{ token: string; bot: BotInfo } | undefined> {
  for (;;) {
    const token = answered(
      await p.password({
        message: existing ? 'Telegram bot token (Enter keeps the current one; type - to skip Telegram)' : 'Telegram bot token from @BotFather (Enter skips Telegram)',
        mask: '•',
      }),
    ).trim();
    if (token === '-' || (!token && !existing)) return undefined;
    const candidate = token || existing!;
    const spin = p.spinner();
    spin.start('Checking the token with Telegram (getMe)');
    try {
      const bot = await checkBotToken(apiRoot, candidate);
      spin.stop(`Bot @${bot.username} (${bot.firstName}) answers`);
      return { token: candidate, bot };
    } catch (err) {
      spin.error('The token did not check out');
      showFailure(err);
    }
  }
}

async function askOwner(apiRoot: string, token: string, bot: BotInfo, existing: string | undefined): Promise<number[]> {
  if (existing && parseOwnerIds(existing)) {
    const keep = answered(await p.confirm({ message: `Keep the owner id(s) ${existing}?` }));
    if (keep) return parseOwnerIds(existing)!;
  }
  for (;;) {
    p.log.step(`Now send any message to @${bot.username} in Telegram (https://t.me/${bot.username}): its sender becomes the owner.`);
    const spin = p.spinner();
    spin.start(`Waiting for a message to @${bot.username} (up to ${Math.round(OWNER_WAIT_MS / 60_000)} minutes)`);
    let sender;
    try {
      sender = await waitForFirstMessage(apiRoot, token);
    } catch (err) {
      spin.error('Could not read messages to the bot');
      showFailure(err);
    }
    if (sender) {
      const who = `${sender.firstName}${sender.username ? ` (@${sender.username})` : ''}, id ${sender.id}`;
      spin.stop(`Message from ${who}${sender.text ? `: "${sender.text.slice(0, 40)}"` : ''}`);
      if (answered(await p.confirm({ message: `Make ${who} the owner?` }))) return [sender.id];
    } else if (!spin.isCancelled) {
      spin.stop('No message yet');
    }
    const next = answered(
      await p.select({
        message: 'What now?',
        options: [
          { value: 'wait', label: 'Wait for a message again' },
          { value: 'type', label: 'Type the owner id(s)' },
          { value: 'skip', label: 'No owner for now (pair people later with `mycel pairing approve`)' },
        ],
      }),
    );
    if (next === 'skip') return [];
    if (next === 'type') {
      const text = answered(await p.text({ message: 'Owner Telegram user id(s), comma-separated', validate: (v) => (parseOwnerIds(v ?? '') ? undefined : 'numeric ids, for example 12345 or 12345,67890') }));
      return parseOwnerIds(text)!;
    }
  }
}

async function askTelegram(env: NodeJS.ProcessEnv): Promise<InitAnswers['telegram']> {
  const apiRoot = telegramRoot(env);
  const found = await askBot(apiRoot, env.TELEGRAM_BOT_TOKEN);
  if (!found) {
    p.log.info('Telegram skipped: the web chat and `mycel chat` still work.');
    return undefined;
  }
  const ownerIds = await askOwner(apiRoot, found.token, found.bot, env.MYCEL_OWNER_TELEGRAM_IDS);
  const mode = answered(
    await p.select({
      message: 'How should Mycel receive Telegram messages?',
      initialValue: (env.TELEGRAM_MODE === 'webhook' ? 'webhook' : 'polling') as 'polling' | 'webhook',
      options: [
        { value: 'polling' as const, label: 'Polling', hint: 'works anywhere, nothing to expose' },
        { value: 'webhook' as const, label: 'Webhook', hint: 'Telegram calls a public https URL of this server' },
      ],
    }),
  );
  if (mode === 'polling') return { token: found.token, ownerIds, mode };
  const publicUrl = env.MYCEL_PUBLIC_URL?.replace(/\/+$/, '');
  const webhookUrl = answered(
    await p.text({
      message: `Public URL of this server's ${WEBHOOK_PATH}`,
      placeholder: `https://mycel.example.org${WEBHOOK_PATH}`,
      initialValue: env.TELEGRAM_WEBHOOK_URL ?? (publicUrl ? `${publicUrl}${WEBHOOK_PATH}` : ''),
      validate: (v) => (/^https?:\/\/\S+$/.test(v ?? '') ? undefined : 'an http(s) URL that Telegram can reach'),
    }),
  );
  p.log.info('A webhook secret was generated; Telegram sends it with every call and Mycel refuses calls without it.');
  return { token: found.token, ownerIds, mode, webhookUrl, webhookSecret: env.TELEGRAM_WEBHOOK_SECRET ?? newSecret(24) };
}

async function askModel(env: NodeJS.ProcessEnv): Promise<InitAnswers['model']> {
  for (;;) {
    const current = env.MYCEL_MODEL?.split(':')[0];
    const provider = answered(
      await p.select<'offline' | ModelProvider>({
        message: 'Which model should answer?',
        initialValue: (MODEL_PROVIDERS as readonly string[]).includes(current ?? '') ? (current as ModelProvider) : 'offline',
        options: [
          { value: 'offline', label: 'Offline', hint: 'no model: reminders, memory and commands only' },
          { value: 'openai', label: 'OpenAI' },
          { value: 'anthropic', label: 'Anthropic' },
          { value: 'ollama', label: 'Ollama', hint: 'a model on this machine or your network' },
          { value: 'openai-compatible', label: 'Another OpenAI-compatible server', hint: 'vLLM, LM Studio, OpenRouter, …' },
        ],
      }),
    );
    if (provider === 'offline') return { id: 'offline' };
    const currentModel = env.MYCEL_MODEL?.startsWith(`${provider}:`) ? env.MYCEL_MODEL.slice(provider.length + 1) : undefined;
    const name = answered(
      await p.text({ message: 'Model name', placeholder: SUGGESTED_MODELS[provider], defaultValue: currentModel ?? SUGGESTED_MODELS[provider], initialValue: currentModel }),
    ).trim();
    let baseUrl: string | undefined = env.MYCEL_MODEL_BASE_URL;
    if (provider === 'ollama' || provider === 'openai-compatible') {
      baseUrl = answered(
        await p.text({
          message: 'Base URL of its OpenAI-compatible API',
          placeholder: provider === 'ollama' ? OLLAMA_BASE_URL : 'http://127.0.0.1:8000/v1',
          initialValue: env.MYCEL_MODEL_BASE_URL ?? (provider === 'ollama' ? OLLAMA_BASE_URL : ''),
          validate: (v) => (/^https?:\/\/\S+$/.test(v ?? '') ? undefined : 'an http(s) URL, for example http://127.0.0.1:11434/v1'),
        }),
      ).trim();
    }
    const keyOptional = provider === 'ollama' || provider === 'openai-compatible';
    const apiKey = answered(
      await p.password({ message: keyOptional ? 'API key (Enter for none)' : `${provider === 'openai' ? 'OpenAI' : 'Anthropic'} API key${env.MYCEL_MODEL_API_KEY ? ' (Enter keeps the current one)' : ''}`, mask: '•' }),
    ).trim() || env.MYCEL_MODEL_API_KEY || undefined;
    const model = { id: `${provider}:${name}`, apiKey, baseUrl };
    const spin = p.spinner();
    spin.start(`Checking ${model.id} with a tiny request`);
    try {
      const detail = await checkModel(model);
      spin.stop(`Model answers: ${detail}`);
      return model;
    } catch (err) {
      spin.error('The model check failed');
      showFailure(err);
    }
    const next = answered(
      await p.select({
        message: 'What now?',
        options: [
          { value: 'fix', label: 'Change the model settings' },
          { value: 'offline', label: 'Keep the offline brain for now' },
        ],
      }),
    );
    if (next === 'offline') return { id: 'offline' };
  }
}

/** `mycel init` in a terminal: asks, checks each answer, then writes `.env`. */
export async function runInitInteractive(ctx: InitContext): Promise<void> {
  p.intro('Mycel set-up');
  try {
    const file = path.join(ctx.cwd, ENV_FILE_NAME);
    const existing = readEnvText(file);
    if (existing) {
      const count = Object.keys(parseEnv(existing)).length;
      const update = answered(await p.confirm({ message: `${file} exists (${count} setting${count === 1 ? '' : 's'}). Update it? Its comments and other lines stay.`, initialValue: true }));
      if (!update) {
        p.outro(`Nothing written; ${file} is unchanged.`);
        return;
      }
    }
    const answers: InitAnswers = {};
    answers.telegram = await askTelegram(ctx.env);
    answers.model = await askModel(ctx.env);
    answers.apiToken = apiTokenIfNeeded(ctx.env);
    if (answers.apiToken) p.log.info(`API token generated (MYCEL_API_TOKEN), since MYCEL_HTTP_HOST (${ctx.env.MYCEL_HTTP_HOST}) is not a loopback address.`);
    const saved = saveAnswers(ctx, answers);
    p.note(saved.names.join('\n') || 'nothing new', `Wrote ${saved.file} (readable by you only)`);
    p.outro('Next: npx mycel start');
  } catch (err) {
    if (err instanceof Cancelled) {
      p.cancel('Set-up cancelled; nothing written.');
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
