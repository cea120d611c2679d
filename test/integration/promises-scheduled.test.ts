import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeliveries, promiseWorkflowId } from '../../src/promises/store.js';
import { checkAndRecordHistory } from '../support/histories.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

/**
 * Scheduled work on the real dev server: `/schedule` and POST /api/chats/{chatId}/promises
 * run their `what` as a turn of the chat at the due time and post the result once with
 * kind "scheduled"; an `ask` command creates its approval at run time; the ledger.
 */

const FIXTURES = path.resolve('test/fixtures/pipelines');

interface Line {
  role: string;
  text: string;
  at: string;
  kind?: string;
  lateMs?: number;
}

let mycel: TestMycel;
let chatN = 0;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'mycel-scheduled-'));

function newChat(): string {
  chatN += 1;
  return `sched-${Date.now().toString(36)}-${chatN}`;
}

async function say(chatId: string, text: string): Promise<string> {
  const res = await mycel.api(`/api/chats/${chatId}/messages`, { body: { text } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.reply as string;
}

async function lines(chatId: string, kind = 'scheduled'): Promise<Line[]> {
  const res = await mycel.api(`/api/chats/${chatId}/messages`);
  return (res.body as Line[]).filter((m) => m.kind === kind);
}

function scheduleId(reply: string): string {
  const id = /Schedule id: (r[0-9a-z]+)/.exec(reply)?.[1];
  if (!id) throw new Error(`no schedule id in reply: ${reply}`);
  return id;
}

beforeAll(async () => {
  mycel = await startTestMycel({ env: { MYCEL_PIPELINES: FIXTURES } });
});

afterAll(async () => {
  await mycel?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('scheduled work', () => {
  it('/schedule 6s /sh echo hi runs the command as a turn at the due time and posts its output once, kind "scheduled"', async () => {
    const chat = newChat();
    const reply = await say(chat, '/schedule 6s /sh echo hi');
    expect(reply).toMatch(/^OK, I'll run "\/sh echo hi" .* and post the result here/);
    const id = scheduleId(reply);
    const listed = await say(chat, '/reminders');
    expect(listed).toContain(`${id}`);
    expect(listed).toContain('runs: /sh echo hi');

    const [line] = await waitFor(async () => {
      const found = await lines(chat);
      return found.length ? found : undefined;
    }, 40_000, 'the scheduled result');
    expect(line).toMatchObject({ role: 'assistant', kind: 'scheduled' });
    expect(line!.text.trim()).toBe('hi');
    expect(line!.lateMs).toBeUndefined();
    // The command that ran is on the person's side, with its own kind.
    expect(await lines(chat, 'scheduled-request')).toEqual([expect.objectContaining({ role: 'user', text: '/sh echo hi' })]);

    const handle = mycel.proc.client.workflow.getHandle(promiseWorkflowId(chat, id));
    expect(await handle.result()).toBe('delivered');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await lines(chat)).toHaveLength(1);
    // The turn's record completes the delivery record, right after the transcript line.
    const deliveries = await waitFor(async () => {
      const found = await listDeliveries(mycel.proc.store, id);
      return found.every((d) => d.completed_at) ? found : undefined;
    }, 10_000, 'the completed delivery record');
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ outcome: 'delivered', completed_at: expect.any(String) });
    await checkAndRecordHistory(handle, 'promise-scheduled');
  });

  it('POST /api/chats/{chatId}/promises schedules /run <pipeline>; the pipeline runs once and its result is posted', async () => {
    const chat = newChat();
    const what = `/run diamond ${JSON.stringify({ dir: scratch })}`;
    const bad = await mycel.api(`/api/chats/${chat}/promises`, { body: { when: 'whenever', what } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/could not|not understand|cannot/i);
    const empty = await mycel.api(`/api/chats/${chat}/promises`, { body: { when: '10m', what: '  ' } });
    expect(empty.status).toBe(400);

    const res = await mycel.api(`/api/chats/${chat}/promises`, { body: { when: '6s', what }, headers: { 'Idempotency-Key': 'k1' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ kind: 'scheduled', text: what, status: 'pending', created: true });
    const again = await mycel.api(`/api/chats/${chat}/promises`, { body: { when: '6s', what }, headers: { 'Idempotency-Key': 'k1' } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: res.body.id, created: false });

    const [line] = await waitFor(async () => {
      const found = await lines(chat);
      return found.length ? found : undefined;
    }, 60_000, 'the pipeline result');
    expect(line!.text).toMatch(/^Pipeline "diamond" \(version 1\) succeeded/);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await lines(chat)).toHaveLength(1);
    const runs = await mycel.api('/api/pipeline-runs?pipelineId=diamond');
    expect(runs.body.filter((r: { trigger: string; chatId?: string }) => r.trigger === 'chat')).toHaveLength(1);
  });

  it('an `ask` command creates its approval at run time, and the result follows the approval with kind "scheduled"', async () => {
    const chat = newChat();
    const res = await mycel.api(`/api/chats/${chat}/promises`, { body: { when: '5s', what: '/sh touch scheduled-approved.txt' } });
    expect(res.status).toBe(201);
    // Nothing is asked before the due time.
    expect((await mycel.api('/api/approvals')).body.filter((a: { chatId: string }) => a.chatId === chat)).toEqual([]);
    const [asked] = await waitFor(async () => {
      const found = await lines(chat);
      return found.length ? found : undefined;
    }, 40_000, 'the approval request');
    const approvalId = /Approval id: (\S+?)\./.exec(asked!.text)?.[1];
    expect(approvalId, asked!.text).toBeTruthy();
    const approved = await mycel.api(`/api/approvals/${approvalId}`, { body: { decision: 'approve' } });
    expect(approved.status).toBe(200);
    const found = await waitFor(async () => {
      const all = await lines(chat);
      return all.length >= 2 ? all : undefined;
    }, 30_000, 'the approved result');
    expect(found[1]!.text).toMatch(new RegExp(`^Approved ${approvalId} \\(shell\\)`));
    expect(await lines(chat, 'approval')).toEqual([]);
  });

  it('a recurring schedule runs each triggered occurrence once, and the ledger shows them with their outcome', async () => {
    const chat = newChat();
    const reply = await say(chat, '/schedule every 30 minutes /sh echo tick');
    const id = scheduleId(reply);
    const schedule = mycel.proc.client.schedule.getHandle(promiseWorkflowId(chat, id));
    const described = await schedule.describe();
    expect(described.policies).toMatchObject({ overlap: 'BUFFER_ONE' });
    await schedule.trigger();
    await waitFor(async () => ((await lines(chat)).length >= 1 ? true : undefined), 40_000, 'the first occurrence');
    await new Promise((r) => setTimeout(r, 1_500));
    await schedule.trigger();
    const ticks = await waitFor(async () => {
      const found = await lines(chat);
      return found.length >= 2 ? found : undefined;
    }, 40_000, 'the second occurrence');
    expect(ticks.map((l) => l.text.trim())).toEqual(['tick', 'tick']);

    const ledger = await waitFor(async () => {
      const res = await mycel.api(`/api/promises?chatId=${chat}`);
      return res.body[0]?.deliveries?.filter((d: { outcome: string }) => d.outcome === 'delivered').length === 2 ? res : undefined;
    }, 10_000, 'both deliveries completed in the ledger');
    expect(ledger.status).toBe(200);
    expect(ledger.body).toEqual([
      expect.objectContaining({ id, chatId: chat, channel: 'web', kind: 'scheduled', text: '/sh echo tick', status: 'pending', recurrence: 'every 30 minutes', dueAt: expect.any(String) }),
    ]);
    const deliveries = ledger.body[0].deliveries as Array<{ at: string; lateMs: number; outcome: string }>;
    expect(deliveries).toHaveLength(2);
    for (const d of deliveries) expect(d).toMatchObject({ at: expect.any(String), lateMs: expect.any(Number), outcome: 'delivered' });

    const ledgerReply = await say(chat, '/promises');
    expect(ledgerReply).toContain(`${id} [scheduled]`);
    expect(ledgerReply).toContain('delivered');
    const cancelled = await say(chat, `/cancel ${id}`);
    expect(cancelled).toContain(`Cancelled ${id}`);
    expect((await mycel.api(`/api/promises?chatId=${chat}`)).body).toEqual([]);
    expect((await mycel.api(`/api/promises?chatId=${chat}&status=cancelled`)).body).toEqual([expect.objectContaining({ id, status: 'cancelled' })]);
    expect((await mycel.api(`/api/promises?chatId=${chat}&status=all`)).body).toHaveLength(1);
    expect((await mycel.api('/api/promises?status=bogus')).status).toBe(400);
  });
});
