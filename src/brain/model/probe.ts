import { generateText, type LanguageModel } from 'ai';
import type { MycelConfig } from '../../config/config.js';
import { formatError } from '../../shared/errors.js';
import { classifyModelError } from './model-brain.js';
import { createLanguageModel, describeModel } from './provider.js';

/** Longest the probe waits for the model's answer. */
export const MODEL_PROBE_TIMEOUT_MS = 15_000;

export interface ModelProbe {
  ok: boolean;
  /** What was checked and what came back, for a person (no secrets). */
  detail: string;
  ms: number;
}

/**
 * Checks that the configured model answers (one tiny completion). The offline brain needs
 * no model and always passes. Used by `mycel doctor`.
 */
export async function probeModel(config: Pick<MycelConfig, 'model'>, options: { model?: LanguageModel; timeoutMs?: number } = {}): Promise<ModelProbe> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  if (config.model.id === 'offline') return { ok: true, detail: 'offline brain: no model to reach', ms: 0 };
  let where = config.model.id;
  try {
    where = describeModel(config.model);
    const model = options.model ?? createLanguageModel(config.model);
    await generateText({
      model,
      prompt: 'Reply with the single word OK.',
      maxOutputTokens: 5,
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(options.timeoutMs ?? MODEL_PROBE_TIMEOUT_MS),
    });
    return { ok: true, detail: `${where} answered`, ms: ms() };
  } catch (err) {
    return { ok: false, detail: formatError(classifyModelError(where, err)), ms: ms() };
  }
}
