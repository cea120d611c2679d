import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

const FIXTURES = path.resolve('test/fixtures/pipelines');


describe('pipelines through the HTTP API and chat', () => {
  let mycel: TestMycel;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-pipeline-events-'));
    mycel = await startTestMycel({ env: { MYCEL_PIPELINES: FIXTURES } });
    // The worker records the definitions it loaded; the API lists them from there.
    await waitFor(async () => {
      const res = await mycel.api('/api/pipelines');
      return res.body.length ? res.body : undefined;
    });
  });

  afterAll(async () => {
    await mycel?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists pipelines with their tasks', async () => {
    const res = await mycel.api('/api/pipelines');
    expect(res.status).toBe(200);
    const diamond = res.body.find((p: { id: string }) => p.id === 'diamond');
    expect(diamond).toMatchObject({ id: 'diamond', version: 1, versions: [1], cron: null, schedule: null });
    expect(diamond.tasks.map((t: { id: string }) => t.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(diamond.source).toMatch(/suite\.ts$/);
  });

  it('starts a run with an input, lists it and serves its per-task status and timings', async () => {
    const started = await mycel.api('/api/pipelines/retry/runs', { body: { input: { dir } } });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ pipelineId: 'retry', version: 1, status: 'running' });
    expect(started.body.runId).toMatch(/^pipeline-retry-v1-/);
    const run = await waitFor(async () => {
      const res = await mycel.api(`/api/pipeline-runs/${started.body.runId}`);
      return res.body.status === 'succeeded' ? res.body : undefined;
    });
    expect(run).toMatchObject({ pipelineId: 'retry', trigger: 'api', input: { dir }, outputs: { 'after-flaky': { sawAttempt: 3 } } });
    expect(run.tasks).toEqual([
      expect.objectContaining({ taskId: 'flaky', status: 'succeeded', attempts: 3, durationMs: expect.any(Number), startedAt: expect.any(String), finishedAt: expect.any(String) }),
      expect.objectContaining({ taskId: 'after-flaky', status: 'succeeded', attempts: 1 }),
    ]);
    const list = await mycel.api('/api/pipelines/retry/runs');
    expect(list.body[0].runId).toBe(started.body.runId);
    const all = await mycel.api('/api/pipeline-runs?limit=5');
    expect(all.body.map((r: { runId: string }) => r.runId)).toContain(started.body.runId);
  });

  it('serves the live status of the tasks of a run in flight', async () => {
    const started = await mycel.api('/api/pipelines/resumable/runs', { body: { input: { dir } } });
    const live = await waitFor(async () => {
      const res = await mycel.api(`/api/pipeline-runs/${started.body.runId}`);
      return res.body.tasks?.some((t: { taskId: string; status: string }) => t.taskId === 'slow' && t.status === 'running') ? res.body : undefined;
    });
    expect(live.status).toBe('running');
    expect(live.tasks.map((t: { taskId: string; status: string }) => [t.taskId, t.status])).toEqual([
      ['s1', 'succeeded'],
      ['s2', 'succeeded'],
      ['slow', 'running'],
      ['s4', 'pending'],
      ['s5', 'pending'],
    ]);
    await waitFor(async () => ((await mycel.api(`/api/pipeline-runs/${started.body.runId}`)).body.status === 'succeeded' ? true : undefined));
  });

  it('answers 404 for an unknown pipeline or run and 400 for a bad input', async () => {
    expect((await mycel.api('/api/pipelines/nope/runs', { body: {} })).status).toBe(404);
    expect((await mycel.api('/api/pipeline-runs/nope')).status).toBe(404);
    const bad = await mycel.api('/api/pipelines/diamond/runs', { body: { input: [1, 2] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/input/);
  });

  it('runs a pipeline from chat with /run and replies with its outputs', async () => {
    const res = await mycel.api('/api/chats/pipes/messages', { body: { text: `/run diamond ${JSON.stringify({ dir })}`, messageId: 'run-1' } });
    expect(res.status).toBe(200);
    expect(res.body.reply).toBe('Pipeline "diamond" (version 1) succeeded. Outputs: {"a":{"n":1},"b":{"fromB":2},"c":{"fromC":3},"d":{"total":5}}');
    const failed = await mycel.api('/api/chats/pipes/messages', { body: { text: `/run exhausted ${JSON.stringify({ dir })}`, messageId: 'run-2' } });
    expect(failed.body.reply).toMatch(/^Pipeline "exhausted" failed: task "doomed" failed: boom\. Run id: pipeline-exhausted-v1-chat-/);
    const unknown = await mycel.api('/api/chats/pipes/messages', { body: { text: '/run nope', messageId: 'run-3' } });
    expect(unknown.body.reply).toMatch(/I could not run "nope": failed: .*there is no pipeline "nope"/);
    const runs = await mycel.api('/api/pipeline-runs?pipelineId=diamond');
    expect(runs.body.filter((r: { trigger: string }) => r.trigger === 'chat')).toHaveLength(1);
  });
});
