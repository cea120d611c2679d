import type { ActivityDeps } from '../activities/deps.js';
import { ToolRegistry } from './registry.js';
import type { ToolDefinition } from './types.js';

/**
 * Builds the registry of every tool from the worker's dependencies. Each capability has
 * its own `create<X>Tools(deps)` factory (promises, memory, shell/files/http, pipelines).
 */
export function createToolRegistry(deps: ActivityDeps): ToolRegistry {
  const factories: Array<(deps: ActivityDeps) => ToolDefinition[]> = [];
  return new ToolRegistry(factories.flatMap((factory) => factory(deps)));
}
