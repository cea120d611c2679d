import { APICallError, jsonSchema, LoadAPIKeyError, NoSuchModelError, streamText, tool, type LanguageModel, type LanguageModelUsage, type ToolSet } from 'ai';
import { formatError, MycelError } from '../../shared/errors.js';
import type { Brain, BrainInput, BrainStep, ModelUsage, StepListener } from '../types.js';
import { imagesOf, wordsOf } from '../../media/attachments.js';
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

  /** Whether the model is shown images (MYCEL_MODEL_VISION). */
  private readonly vision: boolean;

  constructor(settings: ModelSettings, options: { model?: LanguageModel; timeoutMs?: number } = {}) {
    this.id = settings.id;
    this.vision = settings.vision ?? true;
    this.model = options.model ?? createLanguageModel(settings);
    this.where = describeModel(settings);
    this.timeoutMs = options.timeoutMs ?? MODEL_CALL_TIMEOUT_MS;
  }

  private readonly timeoutMs: number;

  /**
   * One step. A message with images goes to the model with image parts; when the model may not
   * see images (MYCEL_MODEL_VISION=false) it gets the words only and the reply says the image
   * was not looked at; when the provider refuses a request with images, the reply says so.
   */
  async step(input: BrainInput, listener?: StepListener): Promise<BrainStep> {
    if (!imagesOf(input.envelope).length) return this.call(input, listener);
    const words = wordsOf(input.envelope);
    if (!this.vision || !input.images?.length) {
      const note = this.vision ? PHOTO_GONE_NOTE : noVisionNote(this.id);
      if (!words) return { type: 'reply', text: note };
      const step = await this.call({ ...input, images: undefined }, listener);
      return step.type === 'reply' ? { type: 'reply', text: `${note}\n\n${step.text}` } : step;
    }
    try {
      return await this.call(input, listener);
    } catch (err) {
      if (!(err instanceof ModelRejectedError)) throw err;
      return { type: 'reply', text: `The model I use (${this.id}) refused the image: ${err.message}. If it cannot look at images, set MYCEL_MODEL_VISION=false and I will say so without asking it.` };
    }
  }

  private async call(input: BrainInput, listener?: StepListener): Promise<BrainStep> {
    const names = new Map<string, string>();
    const tools: ToolSet = {};
    for (const info of input.tools) {
      const name = modelToolName(info.id);
      names.set(name, info.id);
      tools[name] = tool({ description: info.description, inputSchema: jsonSchema(info.inputSchema as never) });
    }
    let text = '';
    const calls: Array<{ toolName: string; input: unknown }> = [];
    try {
      const result = streamText({
        model: this.model,
        system: systemPrompt(input),
        messages: buildMessages(input),
        ...(input.tools.length ? { tools } : {}),
        // A token budget (scheduled work) bounds the call itself: the provider stops there.
        ...(input.maxOutputTokens !== undefined ? { maxOutputTokens: input.maxOutputTokens } : {}),
        // Retries belong to the activity, so each attempt is visible in the workflow history.
        maxRetries: 0,
        abortSignal: AbortSignal.timeout(this.timeoutMs),
        // Failures arrive as `error` parts below (the default would also print them).
        onError: () => undefined,
      });
      // Parts go out as they come; the whole step is the activity's result.
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') {
          text += part.text;
          if (part.text) listener?.delta(part.text);
        } else if (part.type === 'tool-call') calls.push({ toolName: part.toolName, input: part.input });
        else if (part.type === 'error') throw part.error;
        else if (part.type === 'abort') throw new Error(`the model call was aborted${part.reason ? `: ${part.reason}` : ''}`);
        else if (part.type === 'finish') listener?.usage(usageOf(this.id, part.totalUsage));
      }
    } catch (err) {
      throw classifyModelError(this.where, err);
    }
    if (calls.length) return { type: 'tools', calls: calls.map((c) => ({ tool: names.get(c.toolName) ?? c.toolName, input: c.input })) };
    const reply = text.trim();
    return { type: 'reply', text: reply || '(the model gave no answer)' };
  }
}

/** The reply to a photo when the model may not look at images. */
export function noVisionNote(model: string): string {
  return `I can't look at photos with the model I use (${model}). Tell me in words what you need.`;
}

/** The reply when a photo's file is no longer stored (retention) by the time the model is asked. */
export const PHOTO_GONE_NOTE = 'I no longer have that photo (it is older than the media retention limit). Please send it again.';

/** The provider's usage figures as Mycel counts them (a missing figure counts as 0). */
export function usageOf(model: string, usage: LanguageModelUsage): ModelUsage {
  return { model, inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0 };
}
