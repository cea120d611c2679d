import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { silentLogger } from '../../src/logging/logger.js';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';
import { loadWorkflowBundle } from '../../src/worker/bundle.js';

/**
 * Recorded workflow histories for the replay suite (test/unit/conversation-replay.test.ts).
 * Integration tests fetch the histories of the conversations they drive; with
 * MYCEL_RECORD_HISTORIES=1 they are written to test/replay/histories/<name>.v<N>.json (commit
 * them), otherwise only replayed on the spot against the current workflow code.
 */
export const HISTORIES_DIR = path.join(PACKAGE_ROOT, 'test', 'replay', 'histories');
export const RECORDING = process.env.MYCEL_RECORD_HISTORIES === '1';
/**
 * Bumped when a patched workflow change adds new paths worth protecting: recordings go to
 * `<name>.v<generation>.json`, and the files of earlier generations stay (they prove the
 * old paths still replay). History: 1 = regular-activity turn record; 2 = `local-turn-record`
 * patch and local brain steps for the offline brain.
 */
export const HISTORY_GENERATION = 2;

// @temporalio/proto is CommonJS: take the namespace from its default export.
const { History } = proto.temporal.api.history.v1;

/**
 * History ⇄ JSON through the generated protobuf classes (longs and bytes as strings, enums
 * by name). The SDK's own historyToJSON needs a protobufjs that matches its proto root,
 * which the install layout does not guarantee.
 */
export function historyToJson(history: proto.temporal.api.history.v1.IHistory): unknown {
  return History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String });
}

export function historyFromJson(json: unknown): proto.temporal.api.history.v1.History {
  return History.fromObject(json as Record<string, unknown>);
}

/** Fetches a run's history, replays it against the current workflow code, and records it when asked. */
export async function checkAndRecordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  const history = await handle.fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: await loadWorkflowBundle(silentLogger()) }, history, handle.workflowId);
  if (RECORDING) {
    mkdirSync(HISTORIES_DIR, { recursive: true });
    const json = historyToJson(history);
    writeFileSync(path.join(HISTORIES_DIR, `${name}.v${HISTORY_GENERATION}.json`), `${JSON.stringify({ workflowId: handle.workflowId, history: json }, null, 1)}\n`);
  }
}
