import { simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { ModelBrain } from '../brain/model/model-brain.js';
import type { Brain, BrainInput, BrainStep } from '../brain/types.js';
import type { ToolOutcome } from '../tools/types.js';
import { FOLLOW_UP_CORRECTION, PromiseKeepingBrain, UNKEPT_PROMISE_NOTE, followUpFromReply, promisesFollowUp } from './follow-up-guard.js';

function input(overrides: Partial<BrainInput> = {}): BrainInput {
  return {
    envelope: {
      v: 1,
      channel: 'web',
      chatId: 'guard',
      userId: 'u',
      updateId: 'web:api:g1',
      sequence: null,
      requestId: 'r1',
      text: 'I need to call mum tomorrow morning',
      receivedAt: '2025-03-10T10:00:00.000Z',
    },
    step: 0,
    results: [],
    calls: [],
    history: [],
    summary: '',
    memories: [],
    tools: [],
    timeZone: 'Europe/Berlin',
    now: '2025-03-10T10:00:00.000Z',
    ...overrides,
  };
}

/** A brain that answers from a script and records what it was asked. */
class ScriptedBrain implements Brain {
  readonly id = 'scripted';
  readonly seen: BrainInput[] = [];
  constructor(private readonly script: BrainStep[]) {}
  async step(i: BrainInput): Promise<BrainStep> {
    this.seen.push(i);
    const next = this.script.shift();
    if (!next) throw new Error('the script ran out');
    return next;
  }
}

const reply = (text: string): BrainStep => ({ type: 'reply', text });
const created: ToolOutcome = { callId: 'web:api:g1#0.0', tool: 'remind.create', status: 'ok', output: { id: 'rabc', dueAt: '2025-03-11T08:00:00.000Z' } };

describe('detecting a promised follow-up', () => {
  it.each([
    "Sure, I'll remind you tomorrow at 9 to call mum.",
    'I will ping you in 10 minutes.',
    "OK! I’ll remind you later.",
    "I'll get back to you tomorrow.",
    'Reminder set for 17:30.',
    "I've set a reminder for you.",
    "I'm going to remind you at noon.",
  ])('%s', (text) => expect(promisesFollowUp(text)).toBe(true));

  it.each(['Call your mum tomorrow!', 'Do you want me to remind you?', 'I cannot remind you of that.', 'You reminded me of something.', 'Your reminders: none.'])(
    'not: %s',
    (text) => expect(promisesFollowUp(text)).toBe(false),
  );

  it('reads the promised time and text from the reply', () => {
    const i = input();
    expect(followUpFromReply("Sure! I'll remind you tomorrow at 9 to call mum.", i)).toEqual({ tool: 'remind.create', input: { when: 'tomorrow at 9', text: 'call mum' } });
    expect(followUpFromReply('Got it. I will ping you in 10 minutes to stretch!', i)).toEqual({ tool: 'remind.create', input: { when: 'in 10 minutes', text: 'stretch' } });
    // No text in the reply: the person's message is what to follow up on.
    expect(followUpFromReply("I'll get back to you tomorrow at 9.", i)).toEqual({
      tool: 'remind.create',
      input: { when: 'tomorrow at 9', text: 'follow up on "I need to call mum tomorrow morning"' },
    });
    expect(followUpFromReply("I'll remind you later.", i)).toBeUndefined();
  });
});

describe('the promise-keeping brain', () => {
  it('passes honest replies and tool calls through with one model call', async () => {
    const inner = new ScriptedBrain([reply('Your mum will be glad.'), { type: 'tools', calls: [{ tool: 'remind.list', input: {} }] }]);
    const brain = new PromiseKeepingBrain(inner);
    expect(await brain.step(input())).toEqual(reply('Your mum will be glad.'));
    expect(await brain.step(input())).toEqual({ type: 'tools', calls: [{ tool: 'remind.list', input: {} }] });
    expect(inner.seen).toHaveLength(2);
  });

  it('lets a promise through once remind.create succeeded in the turn', async () => {
    const inner = new ScriptedBrain([reply("Done, I'll remind you tomorrow at 9.")]);
    expect(await new PromiseKeepingBrain(inner).step(input({ step: 1, results: [created] }))).toEqual(reply("Done, I'll remind you tomorrow at 9."));
  });

  it('asks the model again, and takes its remind.create call', async () => {
    const call = { tool: 'remind.create', input: { when: 'tomorrow at 9', text: 'call mum' } };
    const inner = new ScriptedBrain([reply("I'll remind you tomorrow at 9."), { type: 'tools', calls: [call] }]);
    expect(await new PromiseKeepingBrain(inner).step(input())).toEqual({ type: 'tools', calls: [call] });
    expect(inner.seen[1]!.envelope.text).toContain(FOLLOW_UP_CORRECTION);
    expect(inner.seen[1]!.envelope.text.startsWith('I need to call mum tomorrow morning')).toBe(true);
  });

  it('takes a corrected reply that no longer promises', async () => {
    const inner = new ScriptedBrain([reply("I'll remind you tomorrow."), reply('Remember to call her tomorrow morning.')]);
    expect(await new PromiseKeepingBrain(inner).step(input())).toEqual(reply('Remember to call her tomorrow morning.'));
  });

  it('keeps the promise itself when the model insists without calling the tool', async () => {
    const inner = new ScriptedBrain([reply("Sure! I'll remind you tomorrow at 9 to call mum."), reply("Sure! I'll remind you tomorrow at 9 to call mum.")]);
    expect(await new PromiseKeepingBrain(inner).step(input())).toEqual({
      type: 'tools',
      calls: [{ tool: 'remind.create', input: { when: 'tomorrow at 9', text: 'call mum' } }],
    });
  });

  it('says plainly that nothing was set when the promise cannot be read or creating it failed', async () => {
    const vague = new ScriptedBrain([reply("I'll remind you later."), reply("I'll remind you later!")]);
    expect(await new PromiseKeepingBrain(vague).step(input())).toEqual(reply(`I'll remind you later!\n\n${UNKEPT_PROMISE_NOTE}`));

    const failed: ToolOutcome = { callId: 'web:api:g1#0.0', tool: 'remind.create', status: 'error', error: 'that time is in the past' };
    const stubborn = new ScriptedBrain([reply("I'll remind you tomorrow at 9."), reply("I'll remind you tomorrow at 9.")]);
    expect(await new PromiseKeepingBrain(stubborn).step(input({ step: 1, results: [failed] }))).toEqual(reply(`I'll remind you tomorrow at 9.\n\n${UNKEPT_PROMISE_NOTE}`));
  });
});

describe('the promise-keeping brain around the model brain (mock model)', () => {
  const usage = {
    inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: 5, text: 5, reasoning: undefined },
  };
  /** One answer as the model streams it: the text in one part, then the finish. */
  const text = (t: string) =>
    ({
      stream: simulateReadableStream({
        chunks: [
          { type: 'stream-start', warnings: [] },
          { type: 'text-start', id: 't' },
          { type: 'text-delta', id: 't', delta: t },
          { type: 'text-end', id: 't' },
          { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
        ] as never[],
      }),
    }) as never;
  const settings = { id: 'openai-compatible:test', baseUrl: 'http://127.0.0.1:1/v1', apiKey: undefined };
  const tools = [{ id: 'remind.create', description: 'create a reminder', policy: 'allow' as const, inputSchema: { type: 'object', properties: { when: { type: 'string' }, text: { type: 'string' } } } }];

  it('turns "I\'ll remind you" without a tool call into a remind.create call, then replies with the result', async () => {
    const answers = ["Sure! I'll remind you tomorrow at 9 to call mum.", "Of course, I'll remind you tomorrow at 9 to call mum.", 'Done: reminder rabc set for tomorrow at 09:00.'];
    const model = new MockLanguageModelV3({ doStream: async () => text(answers.shift()!) });
    const brain = new PromiseKeepingBrain(new ModelBrain(settings, { model }));

    const first = await brain.step(input({ tools }));
    expect(first).toEqual({ type: 'tools', calls: [{ tool: 'remind.create', input: { when: 'tomorrow at 9', text: 'call mum' } }] });
    // The second model call was told what was wrong.
    const retryPrompt = model.doStreamCalls[1]!.prompt;
    expect(JSON.stringify(retryPrompt.at(-1))).toContain('no remind.create call succeeded');

    // The workflow runs the call and asks again with its result: the reply now stands.
    const calls = [{ tool: 'remind.create', input: { when: 'tomorrow at 9', text: 'call mum' }, callId: 'web:api:g1#0.0' }];
    const second = await brain.step(input({ tools, step: 1, calls, results: [created] }));
    expect(second).toEqual(reply('Done: reminder rabc set for tomorrow at 09:00.'));
    expect(model.doStreamCalls).toHaveLength(3);
  });
});
