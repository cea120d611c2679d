import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import type { MycelConfig } from '../../config/config.js';
import { ConfigError } from '../../shared/errors.js';

/** Where Ollama serves its OpenAI-compatible API when MYCEL_MODEL_BASE_URL is not set. */
export const OLLAMA_DEFAULT_BASE_URL = 'http://127.0.0.1:11434/v1';

export type ModelSettings = MycelConfig['model'];

/** `openai:gpt-4o-mini` → `{ provider: 'openai', model: 'gpt-4o-mini' }`. */
export function parseModelId(id: string): { provider: 'openai' | 'anthropic' | 'ollama' | 'openai-compatible'; model: string } {
  const match = /^(openai|anthropic|ollama|openai-compatible):(.+)$/.exec(id);
  if (!match) {
    throw new ConfigError(
      `MYCEL_MODEL "${id}" does not name a model provider.`,
      'accepted forms: offline, openai:<model>, anthropic:<model>, ollama:<model>, openai-compatible:<model>',
    );
  }
  return { provider: match[1] as 'openai', model: match[2]! };
}

/** Where the model is reached, for messages (no secrets). */
export function describeModel(settings: ModelSettings): string {
  const { provider } = parseModelId(settings.id);
  const base = settings.baseUrl ?? (provider === 'ollama' ? OLLAMA_DEFAULT_BASE_URL : undefined);
  return base ? `${settings.id} at ${base}` : settings.id;
}

/**
 * The AI SDK language model for MYCEL_MODEL. API keys come from MYCEL_MODEL_API_KEY, else
 * the provider's own variable (OPENAI_API_KEY, ANTHROPIC_API_KEY), read when a call is made.
 */
export function createLanguageModel(settings: ModelSettings): LanguageModel {
  const { provider, model } = parseModelId(settings.id);
  switch (provider) {
    case 'openai': {
      const openai = createOpenAI({ apiKey: settings.apiKey, baseURL: settings.baseUrl });
      // A custom base URL usually means a server that speaks Chat Completions only.
      return settings.baseUrl ? openai.chat(model) : openai(model);
    }
    case 'anthropic':
      return createAnthropic({ apiKey: settings.apiKey, baseURL: settings.baseUrl })(model);
    case 'ollama':
      return createOpenAICompatible({ name: 'ollama', baseURL: settings.baseUrl ?? OLLAMA_DEFAULT_BASE_URL, apiKey: settings.apiKey, includeUsage: true })(model);
    case 'openai-compatible': {
      if (!settings.baseUrl) {
        throw new ConfigError(`MYCEL_MODEL is "${settings.id}" but MYCEL_MODEL_BASE_URL is not set.`, 'set MYCEL_MODEL_BASE_URL to the server\'s OpenAI-compatible endpoint, for example http://127.0.0.1:8000/v1');
      }
      return createOpenAICompatible({ name: 'openai-compatible', baseURL: settings.baseUrl, apiKey: settings.apiKey, includeUsage: true })(model);
    }
  }
}
