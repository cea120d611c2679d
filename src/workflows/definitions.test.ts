import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../shared/paths.js';
import * as definitions from './definitions.js';
import * as workflows from './index.js';

/** Where clients talk to workflows: every module outside src/workflows/ (and the bench). */
function clientSources(): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push({ file: path.relative(PACKAGE_ROOT, full), text: readFileSync(full, 'utf8') });
    }
  };
  walk(path.join(PACKAGE_ROOT, 'src'));
  walk(path.join(PACKAGE_ROOT, 'bench'));
  return out.filter((f) => !f.file.startsWith(`src${path.sep}workflows${path.sep}`));
}

describe('the Temporal contract module', () => {
  it('names exactly the workflow types the worker registers', () => {
    expect(Object.values(definitions.WORKFLOW_TYPES).sort()).toEqual(Object.keys(workflows).sort());
  });

  it('gives every signal, update and query one name per workflow, unchanged from running histories', () => {
    const names = Object.fromEntries(
      Object.entries(definitions)
        .filter(([, v]) => typeof v === 'object' && v !== null && 'type' in v && 'name' in v)
        .map(([k, v]) => [k, `${(v as { type: string }).type}:${(v as { name: string }).name}`]),
    );
    // These names are in the histories of running workflows: a rename breaks them.
    expect(names).toEqual({
      turnUpdate: 'update:turn',
      duplicateDroppedSignal: 'signal:duplicateDropped',
      countersQuery: 'query:counters',
      cancelPromiseSignal: 'signal:cancel',
      snoozePromiseSignal: 'signal:snooze',
      promiseStateQuery: 'query:state',
      decideSignal: 'signal:decide',
      approvalStateQuery: 'query:state',
      memoryAnswerSignal: 'signal:answer',
      memoryQuestionStateQuery: 'query:state',
      pipelineProgressQuery: 'query:progress',
      currentStageQuery: 'query:currentStage',
      stageResultsQuery: 'query:stageResults',
      echoUpdate: 'update:echo',
      finishSignal: 'signal:finish',
    });
  });

  it('is used by reference: no client starts, signals, updates or queries a workflow by a string of its own', () => {
    // A handler name as a literal: `.signal('cancel')`, `.query('progress', …)` (SQL and HTTP query strings do not match).
    const byString = /workflow\.(start|execute|signalWithStart)(<[^>]*>)?\(\s*['"`]|\.(signal|query|executeUpdate|startUpdate)(<[^>]*>)?\(\s*['"][A-Za-z][\w-]*['"]\s*[,)]|workflowType:\s*['"`]/;
    const offenders = clientSources()
      .flatMap(({ file, text }) => text.split('\n').map((line, i) => ({ where: `${file}:${i + 1}`, line })))
      .filter(({ line }) => byString.test(line));
    expect(offenders).toEqual([]);
  });
});
