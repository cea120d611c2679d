import type { ActivityDeps } from '../deps/activity-deps.js';
import { mcpDescribeTool } from '../mcp/client/describe.js';
import { McpHub } from '../mcp/client/hub.js';
import { ToolExecutor } from './executor.js';
import { createToolRegistry } from './index.js';
import { PolicyProvider } from './policy-provider.js';
import type { ToolRegistry } from './registry.js';
import type { PipelineRuntime } from '../pipelines/runtime.js';

export interface ToolRuntime {
  registry: ToolRegistry;
  policy: PolicyProvider;
  executor: ToolExecutor;
  /** The MCP servers whose tools join the registry as `mcp.<server>.<tool>`. */
  mcp: McpHub;
  /** Stops the MCP servers. */
  close(): Promise<void>;
}

/**
 * Builds the tools of a worker: registry, policy (validated here, i.e. at worker start) and
 * the gate that runs calls, shared by the conversation's runTool activity and the approval
 * activities. `close()` stops the MCP servers (at shutdown).
 */
export function createToolRuntime(deps: ActivityDeps, pipelines: PipelineRuntime): ToolRuntime {
  const policy = new PolicyProvider(deps.config.toolsPolicyPath, deps.logger);
  // A bad MCP servers file stops start-up here, naming the file and the entry.
  const mcp = new McpHub(deps.config.mcpConfigPath, deps.logger);
  const registry = createToolRegistry(deps, () => policy.get(), pipelines);
  registry.register(mcpDescribeTool(mcp, () => policy.get()));
  registry.addSource(() => mcp.tools());
  return { registry, policy, executor: new ToolExecutor(deps, registry, policy), mcp, close: () => mcp.close() };
}
