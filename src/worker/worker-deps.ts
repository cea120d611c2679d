import type { WorkerDeps } from '../activities/worker-deps.js';
import { createBrain } from '../brain/factory.js';
import type { ActivityDeps } from '../deps/activity-deps.js';
import { pipelineRuntimeFromConfig } from '../pipelines/runtime.js';
import { createToolRuntime, type ToolRuntime } from '../tools/runtime.js';

/** A worker's dependencies and how to let go of what they hold (the MCP servers). */
export interface OwnedWorkerDeps extends WorkerDeps {
  close(): Promise<void>;
}

/**
 * Builds the worker-only runtimes on top of the process's services, in dependency order:
 * pipelines (loading starts now, so a broken file is reported at start), tools (the policy
 * is validated and the MCP servers start connecting now) and the brain.
 *
 * `lazy` defers the tools until an activity first uses them: the doctor's probe worker runs
 * no tool and should not start the MCP servers.
 */
export function createWorkerDeps(deps: ActivityDeps, options: { lazy?: boolean } = {}): OwnedWorkerDeps {
  const pipelines = pipelineRuntimeFromConfig(deps);
  const brain = createBrain(deps.config, deps.logger);
  if (!options.lazy) {
    const tools = createToolRuntime(deps, pipelines);
    return { ...deps, pipelines, brain, tools, close: () => tools.close() };
  }
  let tools: ToolRuntime | undefined;
  return {
    ...deps,
    pipelines,
    brain,
    get tools() {
      return (tools ??= createToolRuntime(deps, pipelines));
    },
    close: async () => tools?.close(),
  };
}
