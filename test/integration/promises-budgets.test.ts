import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resumePromiseAction } from '../../src/cli/commands/promises-actions.js';
import type { CliContext } from '../../src/cli/context.js';
import { silentLogger } from '../../src/logging/logger.js';
import { promiseWorkflowId } from '../../src/promises/store.js';
import { startOpenAIStandIn, type StandIn } from '../support/openai-stand-in.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

/**
 * Token budgets of scheduled model work, on the real dev server with the OpenAI-compatible
 * stand-in (which reports usage and honours max_tokens): over its per-run or per-day budget a
 * recurring promise pauses (its row and its Temporal Schedule), the chat is told why and how
 * to resume, no further occurrence calls the model, and /resume (API, CLI) brings it back.
 */

interface Line {
  role: string;
  text: string;
  kind?: string;
}

let standIn: StandIn;
let mycel: TestMycel;
let chatN = 0;

function newChat(): string {
  chatN += 1;
  return `budget-${Date.now().toString(36)}-${chatN}`;
}

async function say(chatId: string, text: string): Promise<string> {
  const res = await mycel.api(`/api/chats/${chatId}/messages`, { body: { text } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.reply as string;
}

async function scheduledLines(chatId: string): Promise<Line[]> {
  return ((await mycel.api(`/api/chats/${chatId}/messages`)).body as Line[]).filter((m) => m.kind === 'scheduled');
}

async function ledgerEntry(chatId: string) {
  return (await mycel.api(`/api/promises?chatId=${chatId}&status=all`)).body[0];
}

/** The chat's scheduled lines once there are `count` (an occurrence returns when its turn is accepted, not answered). */
async function linesAfter(chatId: string, count: number): Promise<Line[]> {
  return waitFor(async () => {
    const found = await scheduledLines(chatId);
    return found.length >= count ? found : undefined;
  }, 20_000, `scheduled reply ${count}`);
}

/** Triggers one occurrence of the schedule and waits for its workflow to finish; returns its result. */
async function runOccurrence(scheduleId: string): Promise<string> {
  // An occurrence is named by its whole second (workflow id, delivery key): one trigger per second.
  await new Promise((r) => setTimeout(r, 1_050 - (Date.now() % 1_000)));
  const schedule = mycel.proc.client.schedule.getHandle(scheduleId);
  const before = (await schedule.describe()).info.recentActions.length;
  await schedule.trigger();
  const action = await waitFor(async () => (await schedule.describe()).info.recentActions[before], 30_000, 'the triggered occurrence to start');
  return mycel.proc.client.workflow.getHandle(action.action.workflow.workflowId, action.action.workflow.firstExecutionRunId).result();
}

const modelCalls = () => standIn.requests.filter((r) => r.stream).length;

beforeAll(async () => {
  standIn = await startOpenAIStandIn({ chunkChars: 4 });
  mycel = await startTestMycel({ env: { MYCEL_MODEL: 'openai-compatible:stand-in', MYCEL_MODEL_BASE_URL: standIn.baseUrl } });
});

afterAll(async () => {
  await mycel?.stop();
  await standIn?.close();
});

describe('token budgets of scheduled work', () => {
  it('over its per-run budget a recurring schedule pauses, the chat is told how to resume, nothing runs until /resume', async () => {
    const chat = newChat();
    const reply = await say(chat, '/schedule --per-run 8 every 30 minutes tell me what matters today');
    expect(reply).toContain('Token budget for model work: 8 tokens per run');
    const id = /Schedule id: (r[0-9a-z]+)/.exec(reply)![1]!;
    const scheduleId = promiseWorkflowId(chat, id);

    expect(await runOccurrence(scheduleId)).toBe('delivered');
    const [line] = await linesAfter(chat, 1);
    // The call itself was bounded by what was left of the budget...
    expect(standIn.requests.at(-1)!.max_tokens).toBe(8);
    // ...and judged from the provider's figures: 12+ prompt tokens are over 8.
    expect(line!.text).toMatch(/^You said: tell me/);
    expect(line!.text).toContain(`⏸ Paused ${id}`);
    expect(line!.text).toContain('its budget is 8 tokens per run');
    expect(line!.text).toContain(`/resume ${id}`);

    const schedule = mycel.proc.client.schedule.getHandle(scheduleId);
    expect((await schedule.describe()).state.paused).toBe(true);
    const paused = await waitFor(async () => {
      const entry = await ledgerEntry(chat);
      return entry?.deliveries?.[0]?.outcome === 'delivered' ? entry : undefined;
    }, 10_000, 'the completed occurrence in the ledger');
    expect(paused).toMatchObject({ id, status: 'paused', budget: { perRun: 8, perDay: 250_000 }, pausedReason: expect.stringMatching(/^per-run token budget exceeded: one run used \d+ of 8 tokens/) });
    expect(paused.deliveries[0].tokens).toBeGreaterThan(8);
    // Counted in the usage report as scheduled work, with the same figures.
    const usage = (await mycel.api('/api/usage')).body as { byOrigin: Array<{ origin: string; inputTokens: number; outputTokens: number }> };
    const scheduled = usage.byOrigin.find((o) => o.origin === 'scheduled')!;
    expect(scheduled.inputTokens + scheduled.outputTokens).toBe(paused.deliveries[0].tokens);
    expect((await mycel.api(`/api/promises?chatId=${chat}&status=paused`)).body).toHaveLength(1);
    expect(await say(chat, '/promises')).toContain(`Resume it with /resume ${id}`);

    // An occurrence that fires anyway (a manual trigger) records nothing and calls no model.
    const calls = modelCalls();
    expect(await runOccurrence(scheduleId)).toBe('cancelled');
    expect(modelCalls()).toBe(calls);
    expect(await scheduledLines(chat)).toHaveLength(1);

    expect(await say(chat, `/resume ${id} --per-run 100000`)).toMatch(new RegExp(`^Resumed ${id} \\(every 30 minutes`));
    expect((await schedule.describe()).state.paused).toBe(false);
    expect(await ledgerEntry(chat)).toMatchObject({ status: 'pending', pausedReason: null, budget: { perRun: 100_000 } });
    expect(await runOccurrence(scheduleId)).toBe('delivered');
    const lines = await linesAfter(chat, 2);
    expect(modelCalls()).toBe(calls + 1);
    expect(lines[1]!.text).toBe('You said: tell me what matters today');
    expect((await ledgerEntry(chat)).status).toBe('pending');
    expect(await say(chat, `/resume ${id}`)).toMatch(/could not resume .*pending, not paused/i);
  });

  it('over its per-day budget it pauses likewise; POST /api/promises/{id}/resume and `mycel promises resume` bring it back', async () => {
    const chat = newChat();
    const bad = await mycel.api(`/api/chats/${chat}/promises`, { body: { when: 'every 30 minutes', what: 'hello there', budget: { perDay: 0 } } });
    expect(bad.status).toBe(400);
    const res = await mycel.api(`/api/chats/${chat}/promises`, { body: { when: 'every 30 minutes', what: 'hello there', budget: { perDay: 30 } } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ budget: { perRun: null, perDay: 30 }, pausedReason: null });
    const id = res.body.id as string;
    const scheduleId = promiseWorkflowId(chat, id);
    const schedule = mycel.proc.client.schedule.getHandle(scheduleId);

    // The first run fits in the day's budget; the second is bounded by what is left and goes over.
    expect(await runOccurrence(scheduleId)).toBe('delivered');
    await linesAfter(chat, 1);
    await waitFor(async () => ((await ledgerEntry(chat)).deliveries[0]?.outcome === 'delivered' ? true : undefined), 10_000, 'the first run in the ledger');
    const used = (await ledgerEntry(chat)).deliveries[0].tokens as number;
    expect(used).toBeLessThan(30);
    expect((await ledgerEntry(chat)).status).toBe('pending');
    expect(await runOccurrence(scheduleId)).toBe('delivered');
    const lines = await linesAfter(chat, 2);
    expect(standIn.requests.at(-1)!.max_tokens).toBe(30 - used);
    expect(lines[1]!.text).toContain(`⏸ Paused ${id}`);
    expect(lines[1]!.text).toMatch(/tokens today \(UTC\), and its budget is 30 tokens per day/);
    expect(await ledgerEntry(chat)).toMatchObject({ status: 'paused', pausedReason: expect.stringMatching(/^per-day token budget exceeded/) });
    expect((await schedule.describe()).state.paused).toBe(true);

    expect((await mycel.api('/api/promises/rnotthere/resume', { body: {} })).status).toBe(404);
    expect((await mycel.api(`/api/promises/${id}/resume`, { body: { budget: { perDay: -1 } } })).status).toBe(400);
    const resumed = await mycel.api(`/api/promises/${id}/resume`, { body: { budget: { perDay: 1 } } });
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
    expect(resumed.body).toMatchObject({ id, status: 'pending', budget: { perDay: 1 } });
    expect((await mycel.api(`/api/promises/${id}/resume`, { method: 'POST' })).status).toBe(409);
    expect((await schedule.describe()).state.paused).toBe(false);

    // Resuming starts the day's allowance over: without that, today's tokens would leave
    // nothing of a 1-token budget and no call would be made.
    const calls = modelCalls();
    expect(await runOccurrence(scheduleId)).toBe('delivered');
    const third = (await linesAfter(chat, 3))[2]!;
    expect(modelCalls()).toBe(calls + 1);
    expect(standIn.requests.at(-1)!.max_tokens).toBe(1);
    expect(third.text).toContain(`⏸ Paused ${id}`);
    expect((await ledgerEntry(chat)).status).toBe('paused');

    const out: string[] = [];
    const ctx: CliContext = { config: () => mycel.config, logger: () => silentLogger(), commandLogger: () => silentLogger(), out: (l) => void out.push(l) };
    await resumePromiseAction(ctx, id, { perDay: '100000' });
    expect(out.join('\n')).toContain(`Resumed ${id} (scheduled) in web:${chat}`);
    expect(await ledgerEntry(chat)).toMatchObject({ status: 'pending', budget: { perDay: 100_000 } });
    expect((await schedule.describe()).state.paused).toBe(false);
    await expect(resumePromiseAction(ctx, id, {})).rejects.toThrow(/not paused/);
  });
});
