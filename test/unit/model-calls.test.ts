import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * "No model call ever happens in the background without a promise that asked for it"
 * (docs/promises.md, "Token budgets"): the model is called from three modules only, each
 * reached from one place that a person or a promise started. A new call site fails this test
 * until it is added here and to that table in the docs.
 */

const SRC = path.resolve('src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

const relative = (file: string) => path.relative(SRC, file).split(path.sep).join('/');
const files = sources(SRC).map((file) => ({ file: relative(file), text: readFileSync(file, 'utf8') }));

/** Files that import one of the AI SDK's calling functions. */
function modelCallers(): string[] {
  const calling = /import\s*\{([^}]*)\}\s*from\s*'ai'/;
  return files
    .filter(({ text }) => {
      const names = calling.exec(text)?.[1] ?? '';
      return /\b(generateText|streamText|generateObject|streamObject|embed|embedMany)\b/.test(names.replace(/\btype\s+\w+/g, ''));
    })
    .map(({ file }) => file)
    .sort();
}

/** Files (outside the defining one) that call `name(`. */
function callersOf(name: string, definedIn: string): string[] {
  const call = new RegExp(`\\b${name}\\(`);
  return files
    .filter(({ file, text }) => file !== definedIn && call.test(text))
    .map(({ file }) => file)
    .sort();
}

describe('where Mycel calls a language model', () => {
  it('only the model brain, memory extraction and the model check call the AI SDK', () => {
    expect(modelCallers()).toEqual(['brain/model/model-brain.ts', 'brain/model/probe.ts', 'memory/extraction.ts']);
  });

  it('memory extraction runs only after a turn of the conversation workflow (never after a scheduled turn)', () => {
    expect(callersOf('extractMemories', 'activities/memory.ts')).toEqual(['workflows/conversation.ts']);
    const workflow = files.find((f) => f.file === 'workflows/conversation.ts')!.text;
    expect(workflow).toMatch(/const extract = !scheduled && /);
  });

  it('the model check runs only from `mycel doctor` and `mycel init`', () => {
    expect(callersOf('probeModel', 'brain/model/probe.ts')).toEqual(['operations/doctor/service-checks.ts', 'setup/checks.ts']);
  });

  it('brain steps run only in the conversation activity (its scheduled turns under their budget)', () => {
    const stepCallers = files.filter(({ text }) => /\bbrain\.step\(/.test(text)).map(({ file }) => file);
    expect(stepCallers).toEqual(['activities/conversation.ts']);
    expect(files.find((f) => f.file === 'activities/conversation.ts')!.text).toContain('ScheduledTurnBudget.forTurn');
  });
});
