/** Pipelines of `bench/sections/pipelines.ts`: no-op tasks, so what is measured is the engine. */
import type { PipelineFileApi } from '../../src/pipelines/loader.js';

/** Tasks of the sequential chain (per-task overhead) and of the fan-out (wall time). */
export const CHAIN_TASKS = 50;
export const FANOUT_TASKS = 100;
/** Leaves of the fan-out-with-join shapes the peer runs too: root → N leaves → join (998 leaves: a 1,000-task graph, the largest Mycel runs). */
export const JOIN_FANOUTS = [100, 998] as const;

export default ({ task, pipeline }: PipelineFileApi) => {
  const chain = Array.from({ length: CHAIN_TASKS }, (_, i) => task({ id: `step-${i}`, dependsOn: i ? [`step-${i - 1}`] : [] }, () => i));
  const fanout = Array.from({ length: FANOUT_TASKS }, (_, i) => task({ id: `leaf-${i}` }, () => i));
  const a = task({ id: 'a' }, () => 1);
  const b = task({ id: 'b', dependsOn: [a] }, (ctx) => ctx.parents.a + 1);
  const c = task({ id: 'c', dependsOn: [a] }, (ctx) => ctx.parents.a + 2);
  const d = task({ id: 'd', dependsOn: [b, c] }, (ctx) => ctx.parents.b + ctx.parents.c);
  const joined = JOIN_FANOUTS.map((n) => {
    const root = task({ id: 'root' }, () => 1);
    const leaves = Array.from({ length: n }, (_, i) => task({ id: `leaf-${i}`, dependsOn: [root] }, () => i));
    const join = task({ id: 'join', dependsOn: leaves.map((l) => l.id) }, () => n);
    // As many at once as the engine allows, like the peer's runner.
    return pipeline({ id: `bench-fanout-join-${n}`, version: 1, parallelism: 1000, tasks: [root, ...leaves, join] });
  });
  return [
    ...joined,
    pipeline({ id: 'bench-chain', version: 1, tasks: chain }),
    pipeline({ id: 'bench-fanout', version: 1, tasks: fanout }),
    pipeline({ id: 'bench-diamond', version: 1, tasks: [a, b, c, d] }),
  ];
};
