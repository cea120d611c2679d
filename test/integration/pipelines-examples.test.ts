import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runResult, startPipelineRun } from '../../src/pipelines/client.js';
import { loadPipelines } from '../../src/pipelines/loader.js';
import { PipelineRegistry } from '../../src/pipelines/registry.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';

const EXAMPLES = path.resolve('examples');

describe('the example pipelines', () => {
  let mycel: TestMycel;

  const run = async (pipelineId: string, input: Record<string, unknown>) =>
    runResult((await startPipelineRun(mycel.proc.client, { pipelineId, version: 1, input: input as never, trigger: 'test', taskQueue: mycel.config.temporal.taskQueue })).handle);

  beforeAll(async () => {
    mycel = await startTestMycel({ env: { MYCEL_PIPELINES: EXAMPLES } });
  });

  afterAll(async () => {
    await mycel?.stop();
  });

  it('load without errors', async () => {
    const report = await loadPipelines(EXAMPLES, new PipelineRegistry());
    expect(report.errors).toEqual([]);
    expect(report.loaded.map((l) => l.id).sort()).toEqual(['daily-digest', 'fan-out']);
  });

  it('fan-out: parallel branches, a retry, a skipped branch, gathered at the end', async () => {
    const result = await run('fan-out', { numbers: [1, 2, 3, 4, 5] });
    expect(result.status).toBe('succeeded');
    expect(result.tasks['square-2']).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(result.tasks.shout).toMatchObject({ status: 'skipped' });
    expect(result.tasks.echo).toMatchObject({ status: 'skipped' });
    expect(result.outputs.report).toEqual({ sumOfSquares: 55, shouted: null });
    const loud = await run('fan-out', { numbers: [1, 2, 3, 4, 5], loud: true });
    expect(loud.outputs.report).toEqual({ sumOfSquares: 55, shouted: 'NUMBERS: 1, 2, 3, 4, 5' });
    expect(loud.outputs.echo).toEqual({ echoed: 'NUMBERS: 1, 2, 3, 4, 5' });
  });

  it("daily digest: posts the chat's coming reminders to the chat", async () => {
    const chatId = `digest-${Date.now()}`;
    const remindersApi = await mycel.api(`/api/chats/${chatId}/reminders`);
    if (remindersApi.status === 200) {
      const made = await mycel.api(`/api/chats/${chatId}/messages`, { body: { text: '/remind in 10m water the plants', messageId: 'digest-1' } });
      expect(made.status).toBe(200);
    }
    const result = await run('daily-digest', { chatId, apiUrl: mycel.url });
    expect(result.status).toBe('succeeded');
    const transcript = await mycel.api(`/api/chats/${chatId}/messages`);
    const digest = transcript.body.find((m: { text: string }) => m.text.startsWith('📋 Daily digest'));
    expect(digest).toMatchObject({ role: 'assistant', kind: 'pipeline' });
    if (remindersApi.status === 200) {
      expect(digest.text).toMatch(/^📋 Daily digest: 1 reminder in the next 24 hours\n• \d\d:\d\d UTC — water the plants$/);
    } else {
      // Without the promises capability the digest says so, instead of failing silently.
      expect(digest.text).toMatch(/could not read your reminders \(the reminders API answered 404\)/);
    }
    // Unreachable API: the digest degrades clearly.
    const offline = await run('daily-digest', { chatId, apiUrl: 'http://127.0.0.1:9' });
    expect(offline.outputs.compose).toMatchObject({ text: expect.stringMatching(/could not read your reminders \(could not reach http:\/\/127\.0\.0\.1:9/) });
  });
});
