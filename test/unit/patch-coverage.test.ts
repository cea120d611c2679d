import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';
import { HISTORIES_DIR } from '../support/histories.js';

/**
 * Every `patched('<id>')` under src/workflows/ must appear in at least one recorded history:
 * otherwise the replay suite never takes the patched branch's "new" side against recorded
 * events, and a later change to it could break running workflows unseen. Record one with
 * `MYCEL_RECORD_HISTORIES=1` (docs/workflow-changes.md).
 */
const WORKFLOWS_DIR = path.join(PACKAGE_ROOT, 'src', 'workflows');

/** Patch ids used in workflow code: `patched('id')`, `deprecatePatch('id')`, or a constant they are called with. */
export function patchIdsIn(source: string): string[] {
  const ids = new Set<string>();
  const constants = new Map<string, string>();
  for (const m of source.matchAll(/const\s+([A-Z0-9_]+)\s*=\s*'([^']+)'/g)) constants.set(m[1]!, m[2]!);
  for (const m of source.matchAll(/\b(?:patched|deprecatePatch)\(\s*(?:'([^']+)'|"([^"]+)"|([A-Za-z0-9_]+))\s*\)/g)) {
    const id = m[1] ?? m[2] ?? constants.get(m[3]!);
    if (id) ids.add(id);
    else throw new Error(`patch id ${m[3]} is not a string constant of the same file`);
  }
  return [...ids];
}

/** Patch ids recorded in one history file: the `core_patch` markers' payloads. */
export function recordedPatchIds(historyJson: unknown): string[] {
  const events = (historyJson as { history: { events: Array<Record<string, any>> } }).history.events;
  const ids: string[] = [];
  for (const event of events) {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') continue;
    for (const payload of marker.details?.['patch-data']?.payloads ?? []) {
      const data = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as { id?: string };
      if (data.id) ids.push(data.id);
    }
  }
  return ids;
}

describe('patched workflow changes are covered by recorded histories', () => {
  it('finds patch ids in workflow code, also through a constant', () => {
    expect(patchIdsIn(`const P = 'x-y';\nif (patched(P)) {}\nif (patched('a-b')) {}\ndeprecatePatch("c")`).sort()).toEqual(['a-b', 'c', 'x-y']);
  });

  it('every patched() id under src/workflows/ appears in a recorded history', () => {
    const used = new Set(
      readdirSync(WORKFLOWS_DIR)
        .filter((f) => f.endsWith('.ts'))
        .flatMap((f) => patchIdsIn(readFileSync(path.join(WORKFLOWS_DIR, f), 'utf8'))),
    );
    expect(used.size).toBeGreaterThan(0);
    const recorded = new Set(
      readdirSync(HISTORIES_DIR)
        .filter((f) => f.endsWith('.json'))
        .flatMap((f) => recordedPatchIds(JSON.parse(readFileSync(path.join(HISTORIES_DIR, f), 'utf8')))),
    );
    expect([...used].filter((id) => !recorded.has(id)).sort()).toEqual([]);
  });
});
