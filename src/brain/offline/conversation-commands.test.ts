import { describe, expect, it } from 'vitest';
import type { BrainInput } from '../types.js';
import { reply, type OfflineCommand } from './command.js';
import { offlineCommands } from './commands/index.js';
import { pendingCommands } from './commands/pending.js';
import { OfflineBrain } from './offline-brain.js';

function input(text: string, overrides: Partial<BrainInput> = {}): BrainInput {
  return {
    envelope: { v: 1, channel: 'web', chatId: 'c', userId: 'u', updateId: 'web:api:1', sequence: null, requestId: 'r', text, receivedAt: '2026-03-01T12:00:00.000Z' },
    step: 0,
    results: [],
    history: [],
    summary: '',
    memories: [],
    tools: [],
    timeZone: 'UTC',
    now: '2026-03-01T12:00:00.000Z',
    ...overrides,
  };
}

describe('offline brain: conversation commands', () => {
  const brain = new OfflineBrain();

  it('/timezone without a zone shows the current one', async () => {
    const step = await brain.step(input('/timezone', { timeZone: 'Asia/Tokyo' }));
    expect(step.type === 'reply' && step.text).toMatch(/Your time zone is Asia\/Tokyo \(it is Sun 21:00 there\)/);
  });

  it('/timezone <zone> sets it through the chat.timezone tool, then confirms', async () => {
    const first = await brain.step(input('/timezone europe/berlin'));
    expect(first).toEqual({ type: 'tools', calls: [{ tool: 'chat.timezone', input: { timeZone: 'Europe/Berlin' } }] });
    const second = await brain.step(
      input('/timezone europe/berlin', { step: 1, results: [{ callId: 'web:api:1#0.0', tool: 'chat.timezone', status: 'ok', output: { timeZone: 'Europe/Berlin' } }] }),
    );
    expect(second).toEqual(reply('Time zone set to Europe/Berlin. It is Sun 13:00 there.'));
  });

  it('/timezone with an unknown zone explains, and runs no tool', async () => {
    const step = await brain.step(input('/timezone Mars/Olympus_Mons'));
    expect(step.type).toBe('reply');
    expect(step.type === 'reply' && step.text).toMatch(/not a time zone I know/);
  });

  it('/help lists every command with its example', async () => {
    const step = await brain.step(input('/help'));
    const text = step.type === 'reply' ? step.text : '';
    for (const command of offlineCommands()) {
      expect(text).toContain(command.usage);
      expect(text).toContain(command.example);
    }
    for (const name of ['/start', '/help', '/timezone', '/remind', '/reminders', '/cancel', '/remember', '/memories', '/forget', '/tools', '/sh']) {
      expect(text).toContain(name);
    }
  });

  it('falls back honestly for anything it does not understand', async () => {
    const step = await brain.step(input('/nosuchcommand'));
    expect(step.type === 'reply' && step.text).toMatch(/don't know the command \/nosuchcommand/);
  });
});

describe('placeholders for capabilities not in this build', () => {
  it('answer that the feature is not available yet', async () => {
    const placeholders = pendingCommands([]);
    const brain = new OfflineBrain(placeholders);
    for (const command of placeholders) {
      const step = await brain.step(input(`/${command.name} something`));
      expect(step.type === 'reply' && step.text).toMatch(/^\w+ (is|are) not available in this version of Mycel yet/);
    }
  });

  it('step aside for a command a capability provides', () => {
    const all = pendingCommands([]);
    if (!all.length) return;
    const real: OfflineCommand = { name: all[0]!.name, usage: all[0]!.usage, example: all[0]!.example, summary: 'real', run: () => reply('ok') };
    expect(pendingCommands([real]).map((c) => c.name)).toEqual(all.slice(1).map((c) => c.name));
  });

  it('are never listed twice beside the real commands', () => {
    const names = offlineCommands().map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
