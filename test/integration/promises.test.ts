import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../src/deps/activity-deps.js';
import { setChatTimeZone } from '../../src/conversation/chats.js';
import { getPromise, listDeliveries, listChatPromises, promiseIdFor, promiseWorkflowId } from '../../src/promises/store.js';
import type { ToolContext } from '../../src/tools/types.js';
import { checkAndRecordHistory } from '../support/histories.js';
import { ownToolRuntime, startTestMycel, type TestMycel } from '../support/harness.js';
import type { ToolRuntime } from '../../src/tools/runtime.js';
import { waitFor } from '../support/wait.js';

let mycel: TestMycel;
let deps: ActivityDeps;
let chatN = 0;

/** A fresh chat per test, so listings and transcripts do not mix. */
function newChat(): string {
  chatN += 1;
  return `promises-${Date.now().toString(36)}-${chatN}`;
}

async function say(chatId: string, text: string): Promise<string> {
  const res = await mycel.api(`/api/chats/${chatId}/messages`, { body: { text } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.reply as string;
}

async function reminderLines(chatId: string): Promise<Array<{ text: string; at: string; kind?: string }>> {
  const res = await mycel.api(`/api/chats/${chatId}/messages`);
  return (res.body as Array<{ text: string; at: string; kind?: string }>).filter((m) => m.kind === 'reminder');
}

/** How late after its due time a delivery may be and still count as on time (a loaded 2-core machine). */
const ON_TIME_MS = 5_000;

function idIn(reply: string): string {
  const id = /Reminder id: (r[0-9a-z]+)/.exec(reply)?.[1];
  if (!id) throw new Error(`no reminder id in reply: ${reply}`);
  return id;
}

let tools: ToolRuntime | undefined;
/** The test's own tools, built once when first used (after the policy file is written). */
const toolRuntime = (): ToolRuntime => (tools ??= ownToolRuntime(deps));

beforeAll(async () => {
  mycel = await startTestMycel({ env: { MYCEL_PROMISE_HORIZON_DAYS: '30' } });
  deps = mycel.activityDeps;
});

afterAll(async () => {
  await mycel?.stop();
});

describe('reminders from the chat API', () => {
  it('/remind 8s delivers one ⏰ line with kind "reminder" soon after its due time, and the list empties', async () => {
    const chat = newChat();
    // Far enough ahead that a slow turn on a busy machine still lists it as pending.
    const reply = await say(chat, '/remind 8s stretch');
    expect(reply).toMatch(/^OK, I'll remind you .*: stretch/);
    const id = idIn(reply);
    const pending = await mycel.api(`/api/chats/${chat}/reminders`);
    expect(pending.status).toBe(200);
    expect(pending.body).toEqual([expect.objectContaining({ id, text: 'stretch', status: 'pending', dueAt: expect.any(String) })]);

    const [line] = await waitFor(async () => {
      const lines = await reminderLines(chat);
      return lines.length ? lines : undefined;
    }, 20_000, 'the reminder');
    expect(line).toMatchObject({ text: '⏰ stretch', kind: 'reminder' });
    const [delivery] = await listDeliveries(deps.store, id);
    expect(delivery!.delay_ms).toBeLessThan(ON_TIME_MS);
    expect((await mycel.api(`/api/chats/${chat}/reminders`)).body).toEqual([]);
    // Still exactly one line a little later (no second delivery).
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await reminderLines(chat)).toHaveLength(1);
    const metrics = await mycel.api('/metrics');
    expect(metrics.body).toMatch(/mycel_promise_delivery_delay_seconds_count\{channel="web"\} [1-9]/);
    const handle = mycel.proc.client.workflow.getHandle(promiseWorkflowId(chat, id));
    expect(await handle.result()).toBe('delivered');
    await checkAndRecordHistory(handle, 'promise-delivered');
  });

  it('understands natural phrasings and lists, cancels and snoozes from chat', async () => {
    const chat = newChat();
    const first = await say(chat, 'remind me in 10 minutes to stretch');
    expect(first).toMatch(/OK, I'll remind you .*: stretch/);
    const second = await say(chat, 'remind me tomorrow at 9 to call mum');
    expect(second).toMatch(/: call mum/);
    const a = idIn(first);
    const b = idIn(second);

    const list = await say(chat, '/reminders');
    expect(list).toContain(a);
    expect(list).toContain(b);
    expect(list.indexOf(a)).toBeLessThan(list.indexOf(b));

    expect(await say(chat, `/cancel ${a}`)).toBe(`Cancelled ${a}: stretch`);
    expect(await say(chat, `/cancel ${a}`)).toMatch(/already cancelled/);
    const snoozed = await say(chat, `/snooze ${b} 2s`);
    expect(snoozed).toMatch(new RegExp(`^Snoozed ${b} to .*: call mum`));
    await waitFor(async () => (await reminderLines(chat)).length === 1, 20_000, 'the snoozed reminder');
    expect((await reminderLines(chat))[0]!.text).toBe('⏰ call mum');
    expect(await say(chat, '/reminders')).toMatch(/no pending reminders/);
    expect((await getPromise(deps.store, a))?.status).toBe('cancelled');
  });

  it('reads 17:30 in the chat time zone', async () => {
    const chat = newChat();
    await setChatTimeZone(deps.store, { channel: 'web', chatId: chat }, 'Asia/Tokyo');
    const reply = await say(chat, '/remind 17:30 tea');
    expect(reply).toMatch(/17:30 \(Asia\/Tokyo\)/);
    const [promise] = await listChatPromises(deps.store, { channel: 'web', chatId: chat });
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' }).format(new Date(promise!.dueAt));
    expect(local).toBe('17:30');
    const ahead = Date.parse(promise!.dueAt) - Date.now();
    expect(ahead).toBeGreaterThan(0);
    expect(ahead).toBeLessThanOrEqual(24 * 3_600_000);
  });

  it('creates nothing for a past, unparsable or too-far time, and says which forms work', async () => {
    const chat = newChat();
    const past = await say(chat, '/remind 2020-01-01T00:00:00Z old news');
    expect(past).toMatch(/not in the future/);
    expect(past).toMatch(/Accepted forms/);
    const unparsable = await say(chat, '/remind whenever feed the cat');
    expect(unparsable).toMatch(/could not find a time/);
    expect(unparsable).toMatch(/Accepted forms/);
    const far = await say(chat, '/remind 40d renew passport');
    expect(far).toMatch(/more than 30 days ahead/);
    const phrase = await say(chat, 'remind me to buy milk');
    expect(phrase).toMatch(/but not when/);
    expect((await mycel.api(`/api/chats/${chat}/reminders?status=all`)).body).toEqual([]);
  });
});

describe('reminders through the HTTP API', () => {
  it('lists pending reminders, cancels with DELETE (404 unknown, 409 twice), snoozes with POST …/snooze', async () => {
    const chat = newChat();
    const a = idIn(await say(chat, '/remind 1h water the plants'));
    const b = idIn(await say(chat, '/remind 2h call Bob'));
    const list = await mycel.api(`/api/chats/${chat}/reminders`);
    expect(list.body.map((r: { id: string }) => r.id)).toEqual([a, b]);
    expect(list.body[0]).toMatchObject({ id: a, text: 'water the plants', status: 'pending', recurrence: null });

    const cancelled = await mycel.api(`/api/chats/${chat}/reminders/${a}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: a, status: 'cancelled' });
    expect((await mycel.api(`/api/chats/${chat}/reminders/${a}`, { method: 'DELETE' })).status).toBe(409);
    const unknown = await mycel.api(`/api/chats/${chat}/reminders/rnothere`, { method: 'DELETE' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/no reminder "rnothere"/);
    // Another chat's id is unknown here.
    expect((await mycel.api(`/api/chats/${newChat()}/reminders/${b}`, { method: 'DELETE' })).status).toBe(404);
    const cancelledRun = mycel.proc.client.workflow.getHandle(promiseWorkflowId(chat, a));
    expect(await cancelledRun.result()).toBe('cancelled');
    await checkAndRecordHistory(cancelledRun, 'promise-cancelled');

    const bad = await mycel.api(`/api/chats/${chat}/reminders/${b}/snooze`, { body: { when: 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/Accepted forms|not in the future/);
    const snoozed = await mycel.api(`/api/chats/${chat}/reminders/${b}/snooze`, { body: { when: '2s' } });
    expect(snoozed.status).toBe(200);
    expect(Date.parse(snoozed.body.dueAt) - Date.now()).toBeLessThan(3_000);
    await waitFor(async () => (await reminderLines(chat)).length === 1, 20_000, 'the snoozed reminder');
    expect((await reminderLines(chat))[0]!.text).toBe('⏰ call Bob');
    const snoozedRun = mycel.proc.client.workflow.getHandle(promiseWorkflowId(chat, b));
    expect(await snoozedRun.result()).toBe('delivered');
    await checkAndRecordHistory(snoozedRun, 'promise-snoozed');
    expect((await mycel.api(`/api/chats/${chat}/reminders/${b}/snooze`, { body: { when: '1h' } })).status).toBe(409);
    expect((await mycel.api(`/api/chats/${chat}/reminders`)).body).toEqual([]);
  });

  it('documents the reminder routes in the OpenAPI document', async () => {
    const doc = await mycel.api('/api/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/chats/{chatId}/reminders', '/api/chats/{chatId}/reminders/{id}', '/api/chats/{chatId}/reminders/{id}/snooze']),
    );
  });
});

describe('recurring reminders through Temporal Schedules', () => {
  it('creates a schedule in the chat time zone, delivers each occurrence once, and cancelling deletes it', async () => {
    const chat = newChat();
    await setChatTimeZone(deps.store, { channel: 'web', chatId: chat }, 'Europe/Berlin');
    const reply = await say(chat, '/remind every weekday at 8 stand up');
    expect(reply).toMatch(/every weekday at 08:00 \(Europe\/Berlin\)/);
    const id = idIn(reply);
    const listed = (await mycel.api(`/api/chats/${chat}/reminders`)).body;
    expect(listed).toEqual([expect.objectContaining({ id, text: 'stand up', status: 'pending', recurrence: 'every weekday at 08:00' })]);

    const schedule = mycel.proc.client.schedule.getHandle(promiseWorkflowId(chat, id));
    const description = await schedule.describe();
    expect(description.spec.timezone).toBe('Europe/Berlin');
    expect(description.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 8, end: 8, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }] });
    expect(Date.parse(listed[0].dueAt)).toBe(description.info.nextActionTimes[0]!.getTime());

    // Fire it now, as if 08:00 had come: one ⏰ line per occurrence.
    await schedule.trigger();
    await waitFor(async () => (await reminderLines(chat)).length === 1, 20_000, 'the first occurrence');
    // A Schedule names each run by its second: a second trigger in the same second would be the same run.
    await new Promise((r) => setTimeout(r, 1_100));
    await schedule.trigger();
    await waitFor(async () => (await reminderLines(chat)).length === 2, 20_000, 'the second occurrence');
    expect((await reminderLines(chat)).map((l) => l.text)).toEqual(['⏰ stand up', '⏰ stand up']);
    expect((await getPromise(deps.store, id))?.status).toBe('pending');
    const occurrence = (await schedule.describe()).info.recentActions[0]!.action.workflow;
    await checkAndRecordHistory(mycel.proc.client.workflow.getHandle(occurrence.workflowId, occurrence.firstExecutionRunId), 'promise-recurring-occurrence');

    expect(await say(chat, `/cancel ${id}`)).toBe(`Cancelled ${id}: stand up`);
    await expect(schedule.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await mycel.api(`/api/chats/${chat}/reminders`)).body).toEqual([]);
    expect(await say(chat, `/snooze ${id} 10m`)).toMatch(/already cancelled/);
  });

  it('runs interval rules ("every 1 minute") as interval schedules lined up with their creation', async () => {
    const chat = newChat();
    const id = idIn(await say(chat, '/remind every 1 minute drink water'));
    const schedule = mycel.proc.client.schedule.getHandle(promiseWorkflowId(chat, id));
    const next = (await schedule.describe()).info.nextActionTimes[0]!.getTime();
    expect(Date.parse((await getPromise(deps.store, id))!.dueAt)).toBe(next);
    expect((await mycel.api(`/api/chats/${chat}/reminders/${id}`, { method: 'DELETE' })).status).toBe(200);
    await expect(schedule.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });
});

describe('the remind.* tools', () => {
  function ctx(callId: string, chatId: string): ToolContext {
    return { chat: { channel: 'web', chatId }, userId: 'owner', turnKey: callId.split('#')[0]!, callId, timeZone: 'UTC', now: new Date().toISOString() };
  }

  it('are idempotent on the call id: a retried create makes one promise and one workflow', async () => {
    const chat = newChat();
    const { executor } = toolRuntime();
    const c = ctx(`web:tool-test:${chat}#0.0`, chat);
    const first = await executor.execute({ tool: 'remind.create', input: { when: '1h', text: 'retry me' } }, c);
    const again = await executor.execute({ tool: 'remind.create', input: { when: '1h', text: 'retry me' } }, c);
    expect(first).toMatchObject({ status: 'ok', output: { id: promiseIdFor(c.callId), created: true } });
    expect(again).toMatchObject({ status: 'ok', output: { id: promiseIdFor(c.callId), created: false } });
    expect(await listChatPromises(deps.store, c.chat)).toHaveLength(1);

    const cancel = ctx(`web:tool-test:${chat}-2#0.0`, chat);
    const id = promiseIdFor(c.callId);
    expect(await executor.execute({ tool: 'remind.cancel', input: { id } }, cancel)).toMatchObject({ status: 'ok', output: { status: 'cancelled' } });
    expect(await executor.execute({ tool: 'remind.cancel', input: { id } }, cancel)).toMatchObject({ status: 'ok', output: { status: 'cancelled' } });
    expect(await executor.execute({ tool: 'remind.cancel', input: { id } }, ctx(`web:other#0.0`, chat))).toMatchObject({ status: 'error', error: expect.stringMatching(/already cancelled/) });
  });

  it('refuses a bad time with the accepted forms and creates nothing', async () => {
    const chat = newChat();
    const outcome = await toolRuntime().executor.execute({ tool: 'remind.create', input: { when: 'someday', text: 'x' } }, ctx(`web:bad:${chat}#0.0`, chat));
    expect(outcome.status).toBe('error');
    expect(outcome.error).toMatch(/Accepted forms/);
    expect(await listChatPromises(deps.store, { channel: 'web', chatId: chat }, 'all')).toEqual([]);
  });
});

describe('three reminders in one chat', () => {
  it('at 30, 60 and 90 s are each delivered once, in order, on time', { timeout: 150_000 }, async () => {
    const chat = newChat();
    const ids = [];
    for (const [when, text] of [['30s', 'first'], ['60s', 'second'], ['90s', 'third']] as const) ids.push(idIn(await say(chat, `/remind ${when} ${text}`)));
    await waitFor(async () => (await reminderLines(chat)).length >= 3, 110_000, 'three reminders');
    await new Promise((r) => setTimeout(r, 1_500));
    const lines = await reminderLines(chat);
    expect(lines.map((l) => l.text)).toEqual(['⏰ first', '⏰ second', '⏰ third']);
    for (const id of ids) {
      const deliveries = await listDeliveries(deps.store, id);
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]!.delay_ms).toBeLessThan(ON_TIME_MS);
    }
  });
});
