import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../../../test/support/databases.js';
import type { ActivityDeps } from '../../../deps/activity-deps.js';
import { loadConfig } from '../../../config/config.js';
import { createMemoryTools } from '../../../memory/tools.js';
import { recallFacts } from '../../../memory/recall.js';
import type { Store } from '../../../storage/database.js';
import type { ToolOutcome } from '../../../tools/types.js';
import type { BrainInput } from '../../types.js';
import { OfflineBrain } from '../offline-brain.js';
import { NOTHING_REMEMBERED } from './memory.js';

/** Records what the tools ask of Temporal (question workflows, answers) instead of running them. */
function fakeTemporal() {
  const started: Array<{ workflowId: string; args: unknown[] }> = [];
  const signals: Array<{ workflowId: string; name: string; payload: unknown }> = [];
  const client = {
    workflow: {
      start: async (_type: string, options: { workflowId: string; args: unknown[] }) => {
        started.push({ workflowId: options.workflowId, args: options.args });
      },
      getHandle: (workflowId: string) => ({
        // Signals go by definition (src/workflows/definitions.ts): recorded by the name they carry.
        signal: async (signal: { name: string }, payload: unknown) => {
          signals.push({ workflowId, name: signal.name, payload });
        },
      }),
    },
  };
  return { client, started, signals };
}

describe.each(testDialects())('offline brain remembers, recalls and forgets on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let deps: ActivityDeps;
  let temporal: ReturnType<typeof fakeTemporal>;
  const brain = new OfflineBrain();
  let n = 0;

  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
    temporal = fakeTemporal();
    deps = { config: loadConfig({ MYCEL_DATA_DIR: '/tmp/mycel-memory-unit' }), store, temporal: temporal.client } as unknown as ActivityDeps;
  });
  afterAll(async () => {
    await dispose?.();
  });

  /** One turn as the conversation workflow drives it: brain step, the tools it asks for, again. */
  async function say(text: string, chatId = 'c1', recall = false): Promise<string> {
    n += 1;
    const tools = new Map(createMemoryTools(deps).map((t) => [t.id, t]));
    const updateId = `web:test:${n}`;
    const envelope = { v: 1 as const, channel: 'web' as const, chatId, userId: 'u1', updateId, sequence: null, requestId: `r${n}`, text, receivedAt: new Date().toISOString() };
    const memories = recall ? await recallFacts(deps, { channel: 'web', chatId }, text) : [];
    const results: ToolOutcome[] = [];
    for (let step = 0; step < 4; step++) {
      const input: BrainInput = { envelope, step, results, history: [], summary: '', memories, tools: [], timeZone: 'UTC', now: new Date().toISOString() };
      const next = await brain.step(input);
      if (next.type === 'reply') return next.text;
      for (const [index, call] of next.calls.entries()) {
        const callId = `${updateId}#${step}.${index}`;
        const tool = tools.get(call.tool)!;
        try {
          const output = await tool.run(tool.input.parse(call.input), {
            chat: { channel: 'web', chatId },
            userId: 'u1',
            turnKey: updateId,
            callId,
            workflowId: `chat-web-${chatId}`,
            runId: 'run',
            timeZone: 'UTC',
            now: new Date().toISOString(),
          });
          results.push({ callId, tool: call.tool, status: 'ok', output });
        } catch (err) {
          results.push({ callId, tool: call.tool, status: 'error', error: (err as Error).message });
        }
      }
    }
    throw new Error('the brain did not reply');
  }

  it('/remember stores the fact, and a question is answered from it (with or without recalled memories)', async () => {
    expect(await say("/remember my sister's birthday is May 3")).toMatch(/^Got it, I'll remember \(m-[0-9a-z]{10}\): my sister's birthday is May 3$/);
    expect(await say("When is my sister's birthday?")).toMatch(/^Your sister's birthday is May 3\. \(That's what you told me — m-/);
    expect(await say("when is my sister's birthday?", 'c1', true)).toMatch(/^Your sister's birthday is May 3\./);
  });

  it('says so honestly when nothing matches, and never answers from another chat', async () => {
    expect(await say('What is my favourite colour?')).toBe(NOTHING_REMEMBERED);
    expect(await say("When is my sister's birthday?", 'c2')).toBe(NOTHING_REMEMBERED);
    expect(await say("When is my sister's birthday?", 'c2', true)).toBe(NOTHING_REMEMBERED);
  });

  it('remembers natural phrasings: "remember that …" and "my … is …"', async () => {
    expect(await say('remember that the spare key is under the blue pot')).toMatch(/I'll remember.*spare key is under the blue pot/);
    expect(await say('My favourite colour is teal')).toMatch(/I'll remember.*favourite colour is teal/);
    expect(await say('what is my favourite colour?')).toMatch(/^Your favourite colour is teal\./);
    expect(await say('remember to buy milk')).not.toMatch(/remember \(m-/);
  });

  it('asks which is right when a stated fact contradicts another as sure, with a durable question', async () => {
    await say('my gym is FitX');
    const before = temporal.started.length;
    const text = await say('my gym is McFit');
    expect(text).toMatch(/disagrees with what I knew — "my gym is FitX".*question q-[0-9a-z]{8}/s);
    expect(temporal.started.length).toBe(before + 1);
    const questionId = /question (q-[0-9a-z]{8})/.exec(text)![1]!;
    expect(temporal.started.at(-1)).toMatchObject({ workflowId: `memory-question-${questionId}`, args: [{ questionId, timeoutSeconds: 86_400 }] });
    expect(await say(`/confirm ${questionId} 2`)).toMatch(/the newer fact is right/);
    expect(temporal.signals.at(-1)).toEqual({ workflowId: `memory-question-${questionId}`, name: 'answer', payload: '2' });
    expect(await say(`/confirm ${questionId} 1`)).toMatch(/already answered/);
  });

  it('an explicit /remember corrects the older fact', async () => {
    await say('/remember my dentist is Dr. Weber');
    expect(await say('/remember my dentist is Dr. Klein')).toMatch(/replaces what I had: "my dentist is Dr. Weber" \(kept as history\)/);
    expect(await say('who is my dentist?')).toMatch(/^Your dentist is Dr\. Klein\./);
  });

  it('/memories lists ids; /forget deletes for good; the fact is never recalled again', async () => {
    const listed = await say('/memories');
    const id = /• (m-[0-9a-z]{10}) — my sister's birthday is May 3/.exec(listed)?.[1];
    expect(id).toBeDefined();
    expect(await say(`/forget ${id}`)).toBe(`Forgotten: ${id} is deleted for good.`);
    expect(await say("When is my sister's birthday?")).toBe(NOTHING_REMEMBERED);
    expect(await say("When is my sister's birthday?", 'c1', true)).toBe(NOTHING_REMEMBERED);
    expect(await say(`/forget ${id}`)).toMatch(/was already deleted .*nothing left to forget/);
    expect(await say('/forget m-zzzzzzzzzz', 'c2')).toMatch(/no fact m-zzzzzzzzzz in this chat/);
  });

  it('"forget everything" asks for confirmation with a code, and only the code deletes', async () => {
    const prompt = await say('/forget all');
    const code = /\/forget all ([0-9a-f]{6})/.exec(prompt)?.[1];
    expect(prompt).toMatch(/This deletes all \d+ facts I remember in this chat, for good/);
    expect(await say('forget everything')).toContain(`/forget all ${code}`);
    expect(await say('/forget all 000000')).toMatch(/does not match/);
    expect((await say('/memories')).startsWith('What I remember here')).toBe(true);
    expect(await say(`/forget all ${code}`)).toMatch(/^Done: I forgot all \d+ facts of this chat/);
    expect(await say('/memories')).toMatch(/I don't remember anything in this chat yet/);
    expect(await say('/forget all')).toMatch(/nothing to forget/);
  });

  it('keeps a retention prefix: "/remember short: …"', async () => {
    await say("/remember short: I'm in Lisbon this week");
    const facts = await store.db.selectFrom('memory_facts').select(['retention', 'expires_at']).where('text', '=', "I'm in Lisbon this week").execute();
    expect(facts).toEqual([{ retention: 'short', expires_at: expect.any(String) }]);
  });
});
