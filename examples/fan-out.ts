/**
 * Fan-out / fan-in: one task splits the work, five branches run in parallel (one of them
 * fails once and is retried), a conditional branch is skipped unless `loud` is set (and its
 * dependent with it), and a final task gathers everything.
 *
 *   npx mycel pipelines run fan-out --input '{"numbers":[1,2,3,4,5]}'
 *
 * Written as a function of `{ task, pipeline }`, so the file needs no import of Mycel at run
 * time (the type import is erased).
 */
import type { PipelineFileApi } from 'mycel';

export default ({ task, pipeline }: PipelineFileApi) => {
  const split = task({ id: 'split' }, (ctx) => {
    const numbers = Array.isArray(ctx.input.numbers) ? ctx.input.numbers.map(Number) : [1, 2, 3, 4, 5];
    return { numbers: numbers.slice(0, 5) };
  });

  const squares = [0, 1, 2, 3, 4].map((i) =>
    task({ id: `square-${i}`, dependsOn: [split], retry: { attempts: 3, initialInterval: '200ms' } }, (ctx) => {
      // Branch 2 fails on its first attempt, as a flaky network call would; the retry succeeds.
      if (i === 2 && ctx.attempt === 1) throw new Error('transient failure (first attempt)');
      const n = ctx.parents.split.numbers[i] ?? 0;
      return { n, square: n * n, attempt: ctx.attempt };
    }),
  );

  const shout = task({ id: 'shout', dependsOn: [split], when: (ctx) => ctx.input.loud === true }, (ctx) => ({
    text: `NUMBERS: ${ctx.parents.split.numbers.join(', ')}`,
  }));
  const echo = task({ id: 'echo', dependsOn: [shout] }, (ctx) => ({ echoed: ctx.parents.shout.text }));

  const total = task({ id: 'total', dependsOn: squares }, (ctx) => {
    const values = Object.values(ctx.parents) as Array<{ square: number }>;
    return { sumOfSquares: values.reduce((s, v) => s + v.square, 0) };
  });

  const report = task({ id: 'report', dependsOn: [total, shout], runIfParentSkipped: true }, (ctx) => ({
    sumOfSquares: ctx.parents.total?.sumOfSquares ?? null,
    shouted: ctx.parents.shout?.text ?? null,
  }));

  return pipeline({
    id: 'fan-out',
    version: 1,
    description: 'Parallel branches with a retry and a skipped branch, gathered at the end',
    tasks: [split, ...squares, shout, echo, total, report],
  });
};
