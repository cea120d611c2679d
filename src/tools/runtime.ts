import type { ActivityDeps } from '../deps/activity-deps.js';
import { mcpDescribeTool } from '../mcp/client/describe.js';
import { McpHub } from '../mcp/client/hub.js';
import { ToolExecutor } from './executor.js';
import { createToolRegistry } from './index.js';
import { PolicyProvider } from './policy-provider.js';
import type { ToolRegistry } from './registry.js';

export interface ToolRuntime {
  registry: ToolRegistry;
  policy: PolicyProvider;
  executor: ToolExecutor;
  /** The MCP servers whose tools join the registry as `mcp.<server>.<tool>`. */
  mcp: McpHub;
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
    // A bad MCP servers file stops start-up here, naming the file and the entry.
    const mcp = new McpHub(deps.config.mcpConfigPath, deps.logger);
    const registry = createToolRegistry(deps, () => policy.get());
    registry.register(mcpDescribeTool(mcp, () => policy.get()));
    registry.addSource(() => mcp.tools());
    runtime = { registry, policy, executor: new ToolExecutor(deps, registry, policy), mcp };
    runtimes.set(deps, runtime);
  }
  return runtime;
}

/** Stops the MCP servers of a worker's tools (at shutdown). */
export async function closeToolRuntime(deps: ActivityDeps): Promise<void> {
  const runtime = runtimes.get(deps);
  runtimes.delete(deps);
  await runtime?.mcp.close();
}
