import type { Logger } from '../../logging/logger.js';
import { formatError } from '../../shared/errors.js';
import type { Brain, BrainInput, BrainStep, StepListener } from '../types.js';

/**
 * Model failover: the models of MYCEL_MODEL then MYCEL_MODEL_FALLBACKS, tried in order
 * within one brain step. A model that fails (provider error, 429, timeout, refused) hands
 * the step to the next; parts it already streamed are withdrawn with a reset. The usage of
 * each call is reported under the model that made it, so metrics and `/api/usage` say which
 * model answered. When every model fails, the last failure is the step's.
 */
export class FailoverBrain implements Brain {
  readonly id: string;

  constructor(
    private readonly models: Brain[],
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {
    if (!models.length) throw new Error('FailoverBrain needs at least one model');
    this.id = models[0]!.id;
  }

  async step(input: BrainInput, listener?: StepListener): Promise<BrainStep> {
    let lastError: unknown;
    for (const [index, model] of this.models.entries()) {
      let streamed = false;
      const tracked: StepListener | undefined = listener && {
        delta: (text) => {
          streamed = true;
          listener.delta(text);
        },
        reset: () => listener.reset(),
        usage: (usage) => listener.usage(usage),
      };
      try {
        return await model.step(input, tracked);
      } catch (err) {
        lastError = err;
        if (streamed) listener?.reset();
        const next = this.models[index + 1];
        if (next) this.logger?.warn({ model: model.id, next: next.id }, `model failed, trying the next one: ${formatError(err)}`);
      }
    }
    throw lastError;
  }
}
