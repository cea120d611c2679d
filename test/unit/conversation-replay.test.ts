import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import { loadWorkflowBundle } from '../../src/worker/bundle.js';
import { HISTORIES_DIR, historyFromJson } from '../support/histories.js';

/**
 * Replays every recorded conversation history against the current workflow code: a change
 * that is not deterministic for runs already in flight (a new activity, a reordered call,
 * a removed branch without `patched()`) fails here. How to change workflow code safely and
 * re-record: docs/workflow-changes.md.
 */
const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

describe('recorded workflow histories replay against the current code', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it('replays each without a nondeterminism error', { timeout: 180_000 }, async () => {
    const histories = files.map((file) => {
      const recorded = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) as { workflowId: string; history: unknown };
      return { file, workflowId: recorded.workflowId, history: historyFromJson(recorded.history) };
    });
    const workflowBundle = await loadWorkflowBundle(silentLogger());
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: 'mycel-replay-suite' }, histories)) {
      // Results come back one per history, in order.
      const file = histories[replayed]?.file ?? result.workflowId;
      replayed += 1;
      if (result.error) failures.push(`${file}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  });
});
