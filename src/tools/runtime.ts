import type { ActivityDeps } from '../activities/deps.js';
import { ToolExecutor } from './executor.js';
import { createToolRegistry } from './index.js';
import { PolicyProvider } from './policy-provider.js';
import type { ToolRegistry } from './registry.js';

export interface ToolRuntime {
  registry: ToolRegistry;
  policy: PolicyProvider;
  executor: ToolExecutor;
}

const runtimes = new WeakMap<ActivityDeps, ToolRuntime>();

/**
 * The tools of a worker: registry, policy (validated when first built, i.e. at worker
 * start) and the gate that runs calls. One per set of activity dependencies, shared by
 * the conversation's runTool activity and the approval activities.
 */
export function toolRuntime(deps: ActivityDeps): ToolRuntime {
  let runtime = runtimes.get(deps);
  if (!runtime) {
    const policy = new PolicyProvider(deps.config.toolsPolicyPath, deps.logger);
    const registry = createToolRegistry(deps, () => policy.get());
    runtime = { registry, policy, executor: new ToolExecutor(deps, registry, policy) };
    runtimes.set(deps, runtime);
  }
  return runtime;
}
