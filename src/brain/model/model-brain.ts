import { APICallError, generateText, jsonSchema, LoadAPIKeyError, NoSuchModelError, tool, type LanguageModel, type ToolSet } from 'ai';
import { formatError, MycelError } from '../../shared/errors.js';
import type { Brain, BrainInput, BrainStep } from '../types.js';
import { buildMessages, modelToolName, systemPrompt } from './prompt.js';
import { createLanguageModel, describeModel, type ModelSettings } from './provider.js';

/** Longest one model call may take before it counts as failed (the activity then retries). */
export const MODEL_CALL_TIMEOUT_MS = 60_000;

/** The model could not be reached or failed on its side: worth retrying. */
export class ModelUnreachableError extends MycelError {
  constructor(where: string, cause: unknown) {
    super('MODEL_UNREACHABLE', `the language model (${where}) is unreachable: ${formatError(cause)}`, 'check MYCEL_MODEL and MYCEL_MODEL_BASE_URL, and that the model server is running', { cause });
    this.name = 'ModelUnreachableError';
  }
}

/** The model refused the request (bad key, unknown model, bad request): retrying cannot help. */
export class ModelRejectedError extends MycelError {
  constructor(where: string, cause: unknown) {
    super('MODEL_REJECTED', `the language model (${where}) refused the request: ${formatError(cause)}`, 'check MYCEL_MODEL (the model name) and MYCEL_MODEL_API_KEY', { cause });
    this.name = 'ModelRejectedError';
  }
}

/** Sorts an AI SDK failure into unreachable (retry) or rejected (do not). */
export function classifyModelError(where: string, err: unknown): MycelError {
  if (LoadAPIKeyError.isInstance(err) || NoSuchModelError.isInstance(err)) return new ModelRejectedError(where, err);
  if (APICallError.isInstance(err)) {
    const status = err.statusCode;
    if (!err.isRetryable && status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
      return new ModelRejectedError(where, err);
    }
  }
  return new ModelUnreachableError(where, err);
}

/**
 * A brain backed by a language model through the Vercel AI SDK. Each step is one model call
 * (made inside the `brainStep` activity, which owns timeouts and retries). Tools are offered
 * with their JSON Schemas but no `execute`: the workflow runs them as activities and calls
 * the brain again with their results.
 */
export class ModelBrain implements Brain {
  readonly id: string;
  private readonly model: LanguageModel;
  private readonly where: string;

  constructor(settings: ModelSettings, options: { model?: LanguageModel; timeoutMs?: number } = {}) {
    this.id = settings.id;
    this.model = options.model ?? createLanguageModel(settings);
    this.where = describeModel(settings);
    this.timeoutMs = options.timeoutMs ?? MODEL_CALL_TIMEOUT_MS;
  }

  private readonly timeoutMs: number;

  async step(input: BrainInput): Promise<BrainStep> {
    const names = new Map<string, string>();
    const tools: ToolSet = {};
    for (const info of input.tools) {
      const name = modelToolName(info.id);
      names.set(name, info.id);
      tools[name] = tool({ description: info.description, inputSchema: jsonSchema(info.inputSchema as never) });
    }
    let result;
    try {
      result = await generateText({
        model: this.model,
        system: systemPrompt(input),
        messages: buildMessages(input),
        ...(input.tools.length ? { tools } : {}),
        // Retries belong to the activity, so each attempt is visible in the workflow history.
        maxRetries: 0,
        abortSignal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw classifyModelError(this.where, err);
    }
    if (result.toolCalls.length) {
      return { type: 'tools', calls: result.toolCalls.map((c) => ({ tool: names.get(c.toolName) ?? c.toolName, input: c.input })) };
    }
    const text = result.text.trim();
    return { type: 'reply', text: text || '(the model gave no answer)' };
  }
}
