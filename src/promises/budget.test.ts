import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import type { Store } from '../storage/database.js';
import { budgetUse, dayWindowStart, effectiveBudget, exhausted, overBudget, parseBudgetFlags, pauseNotice, tokensLeft } from './budget.js';
import { planOccurrence } from './occurrences.js';
import { addDeliveryTokens, cancelPending, getPromise, insertPromise, pausePending, promiseIdFor, promiseWorkflowId, recordDelivery, resumePaused, type NewPromise } from './store.js';

const defaults = { perRun: 1_000, perDay: 5_000 };

describe('token budget arithmetic', () => {
  it('takes a promise\'s own budget where it set one, else the configured default', () => {
    expect(effectiveBudget({ perRun: null, perDay: null }, defaults)).toEqual(defaults);
    expect(effectiveBudget({ perRun: 10, perDay: null }, defaults)).toEqual({ perRun: 10, perDay: 5_000 });
    expect(effectiveBudget({ perRun: null, perDay: 20 }, defaults)).toEqual({ perRun: 1_000, perDay: 20 });
  });

  it('counts the day from 00:00 UTC, or from the last resume when that is later', () => {
    const now = new Date('2026-12-04T15:30:00Z');
    expect(dayWindowStart(now, null)).toBe('2026-12-04T00:00:00.000Z');
    expect(dayWindowStart(now, '2026-12-03T23:00:00.000Z')).toBe('2026-12-04T00:00:00.000Z');
    expect(dayWindowStart(now, '2026-12-04T09:15:00.000Z')).toBe('2026-12-04T09:15:00.000Z');
  });

  it('leaves the smaller remainder for the next call, refuses a call when nothing is left, and pauses only when over', () => {
    expect(tokensLeft(defaults, { run: 200, day: 4_900 })).toBe(100);
    expect(tokensLeft(defaults, { run: 900, day: 100 })).toBe(100);
    expect(tokensLeft(defaults, { run: 1_200, day: 100 })).toBe(0);
    expect(exhausted(defaults, { run: 999, day: 4_999 })).toBeUndefined();
    expect(exhausted(defaults, { run: 1_000, day: 0 })).toBe('per-run');
    expect(exhausted(defaults, { run: 0, day: 5_000 })).toBe('per-day');
    expect(overBudget(defaults, { run: 1_000, day: 5_000 })).toBeUndefined();
    expect(overBudget(defaults, { run: 1_001, day: 0 })).toBe('per-run');
    expect(overBudget(defaults, { run: 10, day: 5_001 })).toBe('per-day');
  });

  it('tells the chat why it paused and how to resume it', () => {
    const text = pauseNotice({ id: 'rabc23456', text: 'summarise my notes' }, 'per-run', defaults, { run: 1_234, day: 1_234 }, true);
    expect(text).toContain('Paused rabc23456');
    expect(text).toContain('this run used 1,234 tokens, and its budget is 1,000 tokens per run');
    expect(text).toContain('tool calls the model asked for next did not run');
    expect(text).toContain('/resume rabc23456');
    expect(text).toContain('mycel promises resume rabc23456');
  });
});

describe('budget flags in chat', () => {
  it.each([
    ['every day at 8 summarise', {}, 'every day at 8 summarise'],
    ['--per-run 2000 every day at 8 summarise', { perRun: 2000 }, 'every day at 8 summarise'],
    ['--per-day=10000 --per-run 2_000 10m /sh ls --all', { perRun: 2000, perDay: 10000 }, '10m /sh ls --all'],
    ['--PER-RUN 5 every 30 minutes hi', { perRun: 5 }, 'every 30 minutes hi'],
  ])('reads %s', (args, budget, rest) => {
    expect(parseBudgetFlags(args)).toEqual({ ok: true, budget, rest });
  });

  it.each([
    ['--per-run every day', /--per-run takes a whole number/],
    ['--per-run 0 every day', /from 1 to/],
    ['--per-run 1.5 every day', /not "1.5"/],
    ['--budget 5 every day', /Unknown option --budget/],
  ])('refuses %s, saying why', (args, message) => {
    const r = parseBudgetFlags(args);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

describe.each(testDialects())('budgets and pausing in the store on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
  });
  afterAll(async () => dispose?.());

  let n = 0;
  async function scheduled(over: Partial<NewPromise> = {}) {
    n += 1;
    const callId = `web:budget:${n}#0.0`;
    const id = promiseIdFor(callId);
    await insertPromise(store, {
      id,
      chat: { channel: 'web', chatId: 'budget-test' },
      userId: 'owner',
      text: 'summarise my notes',
      dueAt: '2026-12-04T08:00:00.000Z',
      recurrence: { kind: 'interval', minutes: 60, anchor: '2026-12-01T00:00:00.000Z' },
      timeZone: 'UTC',
      workflowId: promiseWorkflowId('budget-test', id),
      sourceCallId: callId,
      sourceTurn: `web:budget:${n}`,
      createdAt: '2026-12-01T00:00:00.000Z',
      kind: 'scheduled',
      ...over,
    });
    return (await getPromise(store, id))!;
  }

  async function occurrence(promiseId: string, at: string, tokens: Array<[number, number]>) {
    const key = `${promiseId}@${at}`;
    await recordDelivery(store, { key, promiseId, dueAt: at, at: new Date(at), requirePending: false });
    for (const [inputTokens, outputTokens] of tokens) await addDeliveryTokens(store, key, { inputTokens, outputTokens });
    return key;
  }

  it('stores a promise\'s own budget, and adds up tokens per run and per UTC day from the provider figures', async () => {
    const p = await scheduled({ budget: { perRun: 300 } });
    expect(p.budget).toEqual({ perRun: 300, perDay: null });
    await occurrence(p.id, '2026-12-03T23:00:00.000Z', [[500, 100]]);
    const morning = await occurrence(p.id, '2026-12-04T08:00:00.000Z', [[100, 20], [120, 30]]);
    const noon = await occurrence(p.id, '2026-12-04T12:00:00.000Z', [[40, 2]]);
    const now = new Date('2026-12-04T12:00:30.000Z');
    expect(await budgetUse(store, p, morning, now)).toEqual({ run: 270, day: 312 });
    expect(await budgetUse(store, p, noon, now)).toEqual({ run: 42, day: 312 });
    // A resume starts the day's allowance over.
    expect(await budgetUse(store, { ...p, resumedAt: '2026-12-04T10:00:00.000Z' }, noon, now)).toEqual({ run: 42, day: 42 });
  });

  it('pauses a pending promise once, resumes a paused one once (with a new budget), and cancels a paused one', async () => {
    const p = await scheduled();
    const at = new Date('2026-12-04T12:00:00.000Z');
    expect(await pausePending(store, p.id, 'per-run token budget exceeded', at)).toBe(true);
    expect(await pausePending(store, p.id, 'again', at)).toBe(false);
    const paused = (await getPromise(store, p.id))!;
    expect(paused).toMatchObject({ status: 'paused', pauseReason: 'per-run token budget exceeded', pausedAt: at.toISOString() });
    // A paused promise records no occurrence: nothing it asked for runs.
    expect(await recordDelivery(store, { key: `${p.id}@x`, promiseId: p.id, dueAt: at.toISOString(), at, requirePending: true })).toBe(false);

    const later = new Date('2026-12-04T13:00:00.000Z');
    expect(await resumePaused(store, p.id, later, { perRun: 4_000 })).toBe(true);
    expect(await resumePaused(store, p.id, later)).toBe(false);
    expect(await getPromise(store, p.id)).toMatchObject({ status: 'pending', pauseReason: null, pausedAt: null, resumedAt: later.toISOString(), budget: { perRun: 4_000, perDay: null } });

    await pausePending(store, p.id, 'per-day token budget exceeded', later);
    expect(await cancelPending(store, p.id, 'owner', later)).toBe(true);
    expect((await getPromise(store, p.id))!.status).toBe('cancelled');
  });

  it('skips an occurrence that was due while the promise was paused, and counts no missed ones before the resume', async () => {
    const p = await scheduled({ createdAt: '2026-12-04T00:00:00.000Z' });
    const resumed = { ...p, resumedAt: '2026-12-04T10:30:00.000Z' };
    const stale = await planOccurrence(store, resumed, '2026-12-04T10:00:00.000Z', new Date('2026-12-04T10:31:00.000Z'));
    expect(stale).toMatchObject({ action: 'skip' });
    if (stale.action === 'skip') expect(stale.note).toMatch(/due while the promise was paused/);
    // The first occurrence after the resume runs on time, with no "did not run" note for the paused ones.
    expect(await planOccurrence(store, resumed, '2026-12-04T11:00:00.000Z', new Date('2026-12-04T11:00:01.000Z'))).toEqual({ action: 'run' });
  });
});
