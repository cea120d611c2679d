import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCircles, importGraph } from '../support/import-graph.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

describe('the import graph of src/', () => {
  it('finds a circle, type-only imports included', () => {
    const graph = new Map([
      ['a.ts', new Set(['b.ts'])],
      ['b.ts', new Set(['c.ts'])],
      ['c.ts', new Set(['a.ts'])],
      ['d.ts', new Set(['a.ts'])],
    ]);
    expect(importCircles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('has no import circle: services are built in src/runtime/services.ts and handed down, never looked up', () => {
    expect(importCircles(importGraph(SRC))).toEqual([]);
  });

  it('keeps the activity dependencies out of src/activities/, which no domain module imports', () => {
    const graph = importGraph(SRC);
    const intoActivities = [...graph]
      .filter(([from]) => !/^(activities|worker|runtime|workflows|operations)\//.test(from))
      .filter(([, targets]) => [...targets].some((t) => t.startsWith('activities/')))
      .map(([from]) => from);
    expect(intoActivities).toEqual([]);
  });
});
