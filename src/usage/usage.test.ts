import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import type { Store } from '../storage/database.js';
import { loadPriceTable, PriceTableError, recordUsage, tokensOnDay, usageReport } from './usage.js';

describe.each(testDialects())('model usage on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
  });
  afterAll(() => dispose());

  const day1 = new Date('2026-03-01T10:00:00Z');
  const day2 = new Date('2026-03-02T23:59:00Z');

  it('adds calls up by day, chat, origin and model, and reports them in the contract shape', async () => {
    const web = { channel: 'web', chatId: 'alice' };
    await recordUsage(store.db, { at: day1, ...web, origin: 'turn', model: 'openai:a', inputTokens: 100, outputTokens: 10 });
    await recordUsage(store.db, { at: day1, ...web, origin: 'turn', model: 'openai:a', inputTokens: 50, outputTokens: 5 });
    await recordUsage(store.db, { at: day1, ...web, origin: 'memory', model: 'openai:a', inputTokens: 20, outputTokens: 2 });
    await recordUsage(store.db, { at: day2, channel: 'telegram', chatId: '42', origin: 'turn', model: 'openai:b', inputTokens: 1_000_000, outputTokens: 500_000 });
    const report = await usageReport(store.db, { prices: { models: { 'openai:b': { inputPerMillion: 1, outputPerMillion: 4 } } } });
    expect(report.totals).toEqual({ inputTokens: 1_000_170, outputTokens: 500_017, calls: 4 });
    expect(report.days).toEqual([
      { date: '2026-03-02', inputTokens: 1_000_000, outputTokens: 500_000, calls: 1, costUsd: 3 },
      { date: '2026-03-01', inputTokens: 170, outputTokens: 17, calls: 3 },
    ]);
    expect(report.byChat).toEqual([
      { channel: 'telegram', chatId: '42', inputTokens: 1_000_000, outputTokens: 500_000, calls: 1 },
      { channel: 'web', chatId: 'alice', inputTokens: 170, outputTokens: 17, calls: 3 },
    ]);
    expect(report.byOrigin).toEqual([
      { origin: 'memory', inputTokens: 20, outputTokens: 2, calls: 1 },
      { origin: 'turn', inputTokens: 1_000_150, outputTokens: 500_015, calls: 3 },
    ]);
    expect(await tokensOnDay(store.db, '2026-03-01')).toBe(187);
    expect(await tokensOnDay(store.db, '2026-01-01')).toBe(0);
  });
});

describe('the price table', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-prices-'));
  it('reads a valid file and refuses a bad one with the field that is wrong', () => {
    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ models: { 'openai:gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 } } }));
    expect(loadPriceTable(good).models['openai:gpt-4o-mini']!.outputPerMillion).toBe(0.6);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ models: { x: { inputPerMillion: -1, outputPerMillion: 1 } } }));
    expect(() => loadPriceTable(bad)).toThrow(PriceTableError);
    expect(() => loadPriceTable(bad)).toThrow(/models\.x\.inputPerMillion/);
    expect(() => loadPriceTable(path.join(dir, 'missing.json'))).toThrow(/cannot be used/);
  });
});
