import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryQuestionWorkflowId } from '../../src/memory/questions.js';
import { memoryRetentionScheduleId } from '../../src/memory/schedule.js';
import { runValidation } from '../../src/operations/doctor/validation.js';
import { approvalWorkflowId } from '../../src/tools/approvals-store.js';
import { defaultPolicy } from '../../src/tools/policy.js';
import { echoUpdate, finishSignal } from '../../src/workflows/definitions.js';
import { checkAndRecordHistory } from '../support/histories.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

/**
 * Drives one run of every workflow type that has no recorded history elsewhere (approvals,
 * pipelines, memory questions, retention, the doctor's validation, the bench baselines) and
 * a plain-text turn (the `memory-extraction-model-only` path), replaying each against the
 * current code. `MYCEL_RECORD_HISTORIES=1` writes them to test/replay/histories/, where
 * test/unit/conversation-replay.test.ts replays them on every run and
 * test/unit/patch-coverage.test.ts checks that every `patched()` id appears in one.
 */
const FIXTURES = path.resolve('test/fixtures/pipelines');

describe('workflow histories of every type replay against the current workflow code', () => {
  let mycel: TestMycel;
  const client = () => mycel.proc.client;

  beforeAll(async () => {
    mycel = await startTestMycel({ env: { MYCEL_PIPELINES: FIXTURES, MYCEL_MEMORY_QUESTION_TIMEOUT: '2' } });
    writeFileSync(mycel.config.toolsPolicyPath, JSON.stringify({ ...defaultPolicy(), approvalTimeoutSeconds: 3 }, null, 2));
  });
  afterAll(() => mycel?.stop());

  const say = async (chat: string, text: string): Promise<string> => {
    const res = await mycel.api(`/api/chats/${chat}/messages`, { body: { text } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.reply as string;
  };
  const approvalIdIn = (reply: string): string => {
    const id = /\b(ap-[0-9a-z]+)\b/.exec(reply)?.[1];
    expect(id, reply).toBeDefined();
    return id!;
  };

  it('a plain-text turn of the offline brain (memory extraction skipped for a local brain)', async () => {
    const chat = `hist-text-${randomBytes(3).toString('hex')}`;
    await say(chat, 'hello there');
    await checkAndRecordHistory(client().workflow.getHandle(`chat-web-${chat}`), 'conversation-plain-text');
  });

  it('an approval that is approved, one denied and one that expires', async () => {
    const chat = `hist-ap-${randomBytes(3).toString('hex')}`;
    const approved = approvalIdIn(await say(chat, '/sh touch approved.txt'));
    expect((await mycel.api(`/api/approvals/${approved}`, { body: { decision: 'approve' } })).status).toBe(200);
    const approvedRun = client().workflow.getHandle(approvalWorkflowId(approved));
    await approvedRun.result();
    await checkAndRecordHistory(approvedRun, 'approval-approved');

    const denied = approvalIdIn(await say(chat, '/sh touch denied.txt'));
    expect((await mycel.api(`/api/approvals/${denied}`, { body: { decision: 'deny' } })).status).toBe(200);
    const deniedRun = client().workflow.getHandle(approvalWorkflowId(denied));
    await deniedRun.result();
    await checkAndRecordHistory(deniedRun, 'approval-denied');

    const expired = approvalIdIn(await say(chat, '/sh touch expired.txt'));
    const expiredRun = client().workflow.getHandle(approvalWorkflowId(expired));
    await expiredRun.result();
    await checkAndRecordHistory(expiredRun, 'approval-expired');
  });

  it('a pipeline run with a retried task, and one that fails', async () => {
    const dir = mycel.config.dataDir;
    const ok = await mycel.api('/api/pipelines/retry/runs', { body: { input: { dir } } });
    expect(ok.status).toBe(202);
    const okRun = client().workflow.getHandle(ok.body.runId);
    await okRun.result();
    await checkAndRecordHistory(okRun, 'pipeline-retried-task');

    // Without a `dir` input the diamond's first task fails on every attempt: its dependents never run.
    const failing = await mycel.api('/api/pipelines/diamond/runs', { body: { input: {} } });
    expect(failing.status).toBe(202);
    const failingRun = client().workflow.getHandle(failing.body.runId);
    await expect(failingRun.result()).rejects.toThrow(/Workflow execution failed/);
    await checkAndRecordHistory(failingRun, 'pipeline-failed-task');
  });

  it('a memory question answered by API, and one that times out', async () => {
    const chat = `hist-mq-${randomBytes(3).toString('hex')}`;
    await say(chat, 'my gym is FitX');
    const answered = /question (q-[0-9a-z]{8})/.exec(await say(chat, 'my gym is McFit'))![1]!;
    expect((await mycel.api(`/api/chats/${chat}/memory-questions/${answered}`, { body: { choice: 1 } })).status).toBe(200);
    const answeredRun = client().workflow.getHandle(memoryQuestionWorkflowId(answered));
    await answeredRun.result();
    await checkAndRecordHistory(answeredRun, 'memory-question-answered');

    await say(chat, 'my barber is Tony');
    const timedOut = /question (q-[0-9a-z]{8})/.exec(await say(chat, 'my barber is Luigi'))![1]!;
    const timedOutRun = client().workflow.getHandle(memoryQuestionWorkflowId(timedOut));
    await timedOutRun.result();
    await checkAndRecordHistory(timedOutRun, 'memory-question-timed-out');
  });

  it('a retention run started by its schedule', async () => {
    const schedule = client().schedule.getHandle(memoryRetentionScheduleId(mycel.config.temporal.taskQueue));
    await schedule.trigger();
    const workflowId = await waitFor(async () => (await schedule.describe()).info.recentActions.at(-1)?.action.workflow.workflowId);
    const run = client().workflow.getHandle(workflowId);
    await run.result();
    await checkAndRecordHistory(run, 'memory-retention');
  });

  it("the doctor's five-stage validation", async () => {
    const validation = await runValidation(client(), mycel.config.temporal.taskQueue);
    expect(validation.checks.every((c) => c.status === 'pass'), JSON.stringify(validation.checks)).toBe(true);
    await checkAndRecordHistory(client().workflow.getHandle(validation.workflowId!, validation.runId), 'doctor-validation');
  });

  it('the bench baselines: an Update round trip and hand-started activities', async () => {
    const baseline = await client().workflow.start('baselineWorkflow', { taskQueue: mycel.config.temporal.taskQueue, workflowId: `hist-baseline-${randomBytes(3).toString('hex')}` });
    expect(await baseline.executeUpdate(echoUpdate, { args: ['ping'] })).toBe('ping');
    await baseline.signal(finishSignal);
    expect(await baseline.result()).toBe(1);
    await checkAndRecordHistory(baseline, 'baseline-update');

    const activities = await client().workflow.start('pipelineBaselineWorkflow', {
      taskQueue: mycel.config.temporal.taskQueue,
      workflowId: `hist-pipeline-baseline-${randomBytes(3).toString('hex')}`,
      args: [{ count: 3, parallel: true }],
    });
    expect(((await activities.result()) as { ranAt: number[] }).ranAt).toHaveLength(3);
    await checkAndRecordHistory(activities, 'pipeline-baseline');
  });
});
