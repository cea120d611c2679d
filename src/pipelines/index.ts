/**
 * Mycel's library surface: declare task pipelines in TypeScript.
 *
 * @example
 * import { pipeline, task } from 'mycel';
 * const a = task({ id: 'a' }, () => ({ n: 1 }));
 * const b = task({ id: 'b', dependsOn: [a] }, (ctx) => ({ n: ctx.parents.a.n + 1 }));
 * export default pipeline({ id: 'count', version: 1, tasks: [a, b] });
 */
export { pipeline, task } from './api.js';
/** What a pipeline file's default-exported function receives: `({ task, pipeline }) => …`. */
export type { PipelineFileApi } from './loader.js';
export type {
  Dependency,
  Duration,
  JsonObject,
  JsonPrimitive,
  JsonValue,
  ParentsOf,
  Pipeline,
  PipelineOptions,
  RetryOptions,
  Task,
  TaskContext,
  TaskOptions,
} from './api.js';
