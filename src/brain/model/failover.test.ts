import { APICallError, simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import type { BrainInput, ModelUsage } from '../types.js';
import { FailoverBrain } from './failover.js';
import { ModelBrain, ModelUnreachableError } from './model-brain.js';

const usage = {
  inputTokens: { total: 7, noCache: 7, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 3, text: 3, reasoning: undefined },
};

function answering(text: string) {
  return new MockLanguageModelV3({
    doStream: async () => ({
      stream: simulateReadableStream({
        chunks: [
          { type: 'stream-start', warnings: [] },
          { type: 'text-start', id: 't' },
          { type: 'text-delta', id: 't', delta: text },
          { type: 'text-end', id: 't' },
          { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
        ] as never[],
      }),
    }),
  });
}

const failing = (status: number) =>
  new MockLanguageModelV3({
    doStream: async () => {
      throw new APICallError({ message: `HTTP ${status}`, url: 'http://x/v1/chat/completions', requestBodyValues: {}, statusCode: status, isRetryable: status >= 500 || status === 429 });
    },
  });

const breaking = () =>
  new MockLanguageModelV3({
    doStream: async () => ({
      stream: simulateReadableStream({
        chunks: [{ type: 'stream-start', warnings: [] }, { type: 'text-start', id: 't' }, { type: 'text-delta', id: 't', delta: 'Half an ans' }, { type: 'error', error: new TypeError('terminated') }] as never[],
      }),
    }),
  });

const input = {
  envelope: { v: 1, channel: 'web', chatId: 'a', userId: 'u', updateId: 'web:api:1', sequence: null, requestId: 'r', text: 'hi', receivedAt: '2026-01-01T00:00:00.000Z' },
  step: 0,
  results: [],
  history: [],
  summary: '',
  memories: [],
  tools: [],
  timeZone: 'UTC',
  now: '2026-01-01T00:00:00.000Z',
} as unknown as BrainInput;

const settings = (id: string) => ({ id, baseUrl: 'http://127.0.0.1:1/v1', apiKey: undefined });

function listener() {
  const events: string[] = [];
  const usages: ModelUsage[] = [];
  return { events, usages, delta: (t: string) => events.push(`+${t}`), reset: () => events.push('reset'), usage: (u: ModelUsage) => usages.push(u) };
}

describe('model failover', () => {
  it('moves to the next model on a 500 and on a 429, and reports the usage under the model that answered', async () => {
    const brain = new FailoverBrain([
      new ModelBrain(settings('openai-compatible:first'), { model: failing(500) }),
      new ModelBrain(settings('openai-compatible:second'), { model: failing(429) }),
      new ModelBrain(settings('openai-compatible:third'), { model: answering('From the third.') }),
    ]);
    const seen = listener();
    expect(await brain.step(input, seen)).toEqual({ type: 'reply', text: 'From the third.' });
    expect(seen.events).toEqual(['+From the third.']);
    expect(seen.usages).toEqual([{ model: 'openai-compatible:third', inputTokens: 7, outputTokens: 3 }]);
  });

  it('withdraws what a model streamed before it broke, then streams the next one\'s answer', async () => {
    const brain = new FailoverBrain([
      new ModelBrain(settings('openai-compatible:first'), { model: breaking() }),
      new ModelBrain(settings('openai-compatible:second'), { model: answering('Whole answer.') }),
    ]);
    const seen = listener();
    expect(await brain.step(input, seen)).toEqual({ type: 'reply', text: 'Whole answer.' });
    expect(seen.events).toEqual(['+Half an ans', 'reset', '+Whole answer.']);
  });

  it('moves on when a model hangs past its timeout', async () => {
    const hanging = new MockLanguageModelV3({
      doStream: ({ abortSignal }) =>
        new Promise((_, reject) => abortSignal?.addEventListener('abort', () => reject(abortSignal.reason), { once: true })),
    });
    const brain = new FailoverBrain([
      new ModelBrain(settings('openai-compatible:slow'), { model: hanging, timeoutMs: 50 }),
      new ModelBrain(settings('openai-compatible:second'), { model: answering('In time.') }),
    ]);
    expect(await brain.step(input, listener())).toEqual({ type: 'reply', text: 'In time.' });
  });

  it('fails with the last model\'s failure when every model fails', async () => {
    const brain = new FailoverBrain([
      new ModelBrain(settings('openai-compatible:first'), { model: failing(500) }),
      new ModelBrain(settings('openai-compatible:second'), { model: failing(503) }),
    ]);
    const err = await brain.step(input, listener()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelUnreachableError);
    expect((err as Error).message).toMatch(/openai-compatible:second/);
  });
});
