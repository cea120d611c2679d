import { randomBytes } from 'node:crypto';

/** What `mycel init` found out, before it becomes `.env` lines. */
export interface InitAnswers {
  telegram?: {
    token: string;
    ownerIds: number[];
    mode: 'polling' | 'webhook';
    webhookUrl?: string | undefined;
    webhookSecret?: string | undefined;
  };
  model?: { id: string; apiKey?: string | undefined; baseUrl?: string | undefined };
  apiToken?: string | undefined;
}

export const MODEL_PROVIDERS = ['openai', 'anthropic', 'ollama', 'openai-compatible'] as const;
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

/** A model to offer first for each provider. */
export const SUGGESTED_MODELS: Record<ModelProvider, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-3-5-haiku-latest',
  ollama: 'llama3.2',
  'openai-compatible': 'llama3.2',
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string | undefined): boolean {
  return host === undefined || host.trim() === '' || LOOPBACK.has(host.trim());
}

/** A long random secret in the characters Telegram and bearer tokens allow. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** `12345, 678` → [12345, 678]; undefined when any part is not a numeric id. */
export function parseOwnerIds(text: string): number[] | undefined {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (!parts.length || parts.some((p) => !/^\d+$/.test(p))) return undefined;
  return parts.map(Number);
}

/** The variables to set (undefined: remove) for a set of answers. */
export function envValuesFor(answers: InitAnswers): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  const tg = answers.telegram;
  if (tg) {
    values.TELEGRAM_BOT_TOKEN = tg.token;
    if (tg.ownerIds.length) values.MYCEL_OWNER_TELEGRAM_IDS = tg.ownerIds.join(',');
    values.TELEGRAM_MODE = tg.mode;
    values.TELEGRAM_WEBHOOK_URL = tg.mode === 'webhook' ? tg.webhookUrl : undefined;
    values.TELEGRAM_WEBHOOK_SECRET = tg.mode === 'webhook' ? tg.webhookSecret : undefined;
  }
  if (answers.model) {
    values.MYCEL_MODEL = answers.model.id;
    values.MYCEL_MODEL_API_KEY = answers.model.apiKey || undefined;
    values.MYCEL_MODEL_BASE_URL = answers.model.baseUrl || undefined;
  }
  if (answers.apiToken) values.MYCEL_API_TOKEN = answers.apiToken;
  return values;
}
