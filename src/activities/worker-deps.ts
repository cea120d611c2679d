import type { Brain } from '../brain/types.js';
import type { ActivityDeps } from '../deps/activity-deps.js';
import type { PipelineRuntime } from '../pipelines/runtime.js';
import type { ToolRuntime } from '../tools/runtime.js';

/**
 * What the worker's activity groups are built with: the process's services (`ActivityDeps`)
 * plus the worker-only runtimes the composition root (`src/runtime/services.ts`) builds once
 * at worker start. A test builds its own with `createWorkerDeps`.
 */
export interface WorkerDeps extends ActivityDeps {
  /** Registry, policy and gate of every tool, MCP servers included. */
  tools: ToolRuntime;
  /** The pipelines loaded from MYCEL_PIPELINES. */
  pipelines: PipelineRuntime;
  /** The brain chosen from MYCEL_MODEL. */
  brain: Brain;
}
