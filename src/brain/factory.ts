import type { MycelConfig } from '../config/config.js';
import { CommandsFirstBrain } from './hybrid.js';
import { offlineCommands } from './offline/commands/index.js';
import { OfflineBrain } from './offline/offline-brain.js';
import { ModelBrain } from './model/model-brain.js';
import { FailoverBrain } from './model/failover.js';
import type { Logger } from '../logging/logger.js';
import { keepPromises } from '../promises/follow-up-guard.js';
import type { Brain } from './types.js';

/**
 * The one place a brain is chosen: `MYCEL_MODEL=offline` (the default) gives the
 * deterministic offline brain; `openai:…`, `anthropic:…`, `ollama:…` and
 * `openai-compatible:…` give a model brain through the Vercel AI SDK, with the slash
 * commands still answered by the offline brain.
 */
export function createBrain(config: Pick<MycelConfig, 'model'>, logger?: Pick<Logger, 'warn'>): Brain {
  if (config.model.id === 'offline') return new OfflineBrain();
  const commands = offlineCommands();
  return new CommandsFirstBrain(new OfflineBrain(commands), commands, keepPromises(modelBrain(config.model, logger)));
}

/** The model brain of MYCEL_MODEL, with failover to MYCEL_MODEL_FALLBACKS when there are any. */
export function modelBrain(model: MycelConfig['model'], logger?: Pick<Logger, 'warn'>): Brain {
  const options = model.timeoutMs ? { timeoutMs: model.timeoutMs } : {};
  const primary = new ModelBrain(model, options);
  if (!model.fallbacks?.length) return primary;
  return new FailoverBrain([primary, ...model.fallbacks.map((settings) => new ModelBrain(settings, options))], logger);
}
