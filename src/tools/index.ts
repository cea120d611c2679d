import type { ActivityDeps } from '../deps/activity-deps.js';
import { createConversationTools } from '../conversation/tools.js';
import { createUsageTools } from '../usage/tools.js';
import { createMemoryTools } from '../memory/tools.js';
import { createPromiseTools } from '../promises/tools.js';
import { createPipelineTools } from '../pipelines/tools.js';
import type { PipelineRuntime } from '../pipelines/runtime.js';
import { describeTool } from './builtin/describe.js';
import { fileTools } from './builtin/files.js';
import { httpTool } from './builtin/http.js';
import { shellTool } from './builtin/shell.js';
import type { ToolsPolicy } from './policy.js';
import { ToolRegistry } from './registry.js';
import type { ToolDefinition } from './types.js';

/** The built-in tools: shell, files and http, all bound to the sandbox and the policy. */
export function createBuiltinTools(deps: ActivityDeps, getPolicy: () => ToolsPolicy): ToolDefinition[] {
  return [shellTool(getPolicy, deps.logger), ...fileTools(getPolicy), httpTool(getPolicy, { ownPorts: deps.ownPorts })];
}

/**
 * Builds the registry of every tool from the worker's dependencies. Each capability has
 * its own `create<X>Tools(deps)` factory (promises, memory, shell/files/http, pipelines).
 */
export function createToolRegistry(deps: ActivityDeps, getPolicy: () => ToolsPolicy, pipelines: PipelineRuntime): ToolRegistry {
  const factories: Array<(deps: ActivityDeps, getPolicy: () => ToolsPolicy) => ToolDefinition[]> = [createBuiltinTools, createConversationTools, createMemoryTools, createPromiseTools, createUsageTools];
  const registry: ToolRegistry = new ToolRegistry([...factories.flatMap((factory) => factory(deps, getPolicy)), ...createPipelineTools(deps, pipelines)]);
  registry.register(describeTool(getPolicy, () => registry));
  return registry;
}
