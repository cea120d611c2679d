import { MockLanguageModelV3 } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { loadConfig } from '../config/config.js';
import type { Store } from '../storage/database.js';
import { extractionSkipped, proposeFacts, storeProposals, type ExtractionRequest, type FactProposal } from './extraction.js';
import { getFact, listFacts } from './store.js';
import { MAX_EXTRACTED_CONFIDENCE } from './types.js';

/** A model that answers every call with these proposals, as JSON text (how structured output arrives). */
function modelProposing(facts: FactProposal[]) {
  return new MockLanguageModelV3({
    doGenerate: {
      content: [{ type: 'text', text: JSON.stringify({ facts }) }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: {
        inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 10, text: 10, reasoning: undefined },
      },
      warnings: [],
    },
  });
}

const turn: ExtractionRequest = {
  channel: 'web',
  chatId: 'x1',
  userId: 'u1',
  turnKey: 'web:api:42',
  userText: "My sister Anna turns 30 on May 3, and I think I'll maybe try pottery someday.",
  reply: 'Lovely! Anything I can help with?',
  workflowId: 'chat-web-x1',
  runId: 'run-7',
  at: '2026-03-01T12:00:00.000Z',
};

const proposals: FactProposal[] = [
  { text: "my sister Anna's birthday is May 3", subject: "sister's birthday", value: 'May 3', kind: 'event', confidence: 0.98 },
  { text: 'I might try pottery someday', subject: null, value: null, kind: 'preference', confidence: 0.4 },
];

describe('proposeFacts', () => {
  it('asks the model for structured facts and returns its proposals', async () => {
    const model = modelProposing(proposals);
    expect(await proposeFacts(model, turn)).toEqual(proposals);
    const prompt = JSON.stringify(model.doGenerateCalls[0]!.prompt);
    expect(prompt).toContain('turns 30 on May 3');
    expect(prompt).toContain('Lovely!');
  });

  it('is skipped without a model, and for commands', () => {
    expect(extractionSkipped({ model: { id: 'offline', baseUrl: undefined, apiKey: undefined } }, 'my cat is Tom')).toBe(true);
    expect(extractionSkipped({ model: { id: 'ollama:llama3', baseUrl: undefined, apiKey: undefined } }, '/remember x')).toBe(true);
    expect(extractionSkipped({ model: { id: 'ollama:llama3', baseUrl: undefined, apiKey: undefined } }, 'my cat is Tom')).toBe(false);
  });
});

describe.each(testDialects())('storeProposals on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const started: string[] = [];
  const temporal = { workflow: { start: async (_t: string, o: { workflowId: string }) => void started.push(o.workflowId) } };

  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
  });
  afterAll(async () => {
    await dispose?.();
  });

  const deps = (minConfidence: string) => ({
    store,
    config: loadConfig({ MYCEL_DATA_DIR: '/tmp/mycel-extract-unit', MYCEL_MEMORY_MIN_CONFIDENCE: minConfidence }),
    temporal: temporal as never,
  });

  it('stores only proposals at or above MYCEL_MEMORY_MIN_CONFIDENCE, capped, with the turn as provenance', async () => {
    const result = await storeProposals(deps('0.7'), turn, await proposeFacts(modelProposing(proposals), turn));
    expect(result).toMatchObject({ proposed: 2, dropped: 1, stored: [{ status: 'stored', confidence: MAX_EXTRACTED_CONFIDENCE }] });
    const fact = await getFact(store.db, { channel: 'web', chatId: 'x1' }, result.stored[0]!.id);
    expect(fact).toMatchObject({
      text: "my sister Anna's birthday is May 3",
      kind: 'event',
      subject: "sister's birthday",
      value: 'may 3',
      confidence: MAX_EXTRACTED_CONFIDENCE,
      provenance: { source: 'extraction', updateId: 'web:api:42', workflowId: 'chat-web-x1', runId: 'run-7', callId: 'web:api:42#extract.0', sourceText: turn.userText, at: turn.at },
    });
  });

  it('is idempotent on the turn key: a retried extraction stores nothing twice', async () => {
    await storeProposals(deps('0.7'), turn, proposals);
    expect(await listFacts(store.db, { channel: 'web', chatId: 'x1' }, { includeHistory: true })).toHaveLength(1);
  });

  it('a lower threshold stores more', async () => {
    const result = await storeProposals(deps('0.3'), { ...turn, chatId: 'x2', turnKey: 'web:api:43' }, proposals);
    expect(result.stored).toHaveLength(2);
    expect(result.dropped).toBe(0);
  });

  it('a contradiction at a close confidence starts a question workflow', async () => {
    const chatTurn = { ...turn, chatId: 'x3' };
    await storeProposals(deps('0.7'), { ...chatTurn, turnKey: 'web:api:50' }, [{ text: 'my gym is FitX', subject: 'gym', value: 'FitX', kind: 'fact', confidence: 0.9 }]);
    const result = await storeProposals(deps('0.7'), { ...chatTurn, turnKey: 'web:api:51' }, [{ text: 'my gym is McFit', subject: 'gym', value: 'McFit', kind: 'fact', confidence: 0.85 }]);
    expect(result.stored[0]!.status).toBe('asked');
    expect(started.at(-1)).toMatch(/^memory-question-q-[0-9a-z]{8}$/);
  });
});
