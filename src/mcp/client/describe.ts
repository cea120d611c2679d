import { z } from 'zod';
import { toolClass } from '../../tools/gate.js';
import type { ToolsPolicy } from '../../tools/policy.js';
import { defineTool } from '../../tools/types.js';
import type { McpHub } from './hub.js';
import { MCP_DEFAULT_CLASS } from './tools.js';

/** What `mcp.describe` returns: each server, its state, and its tools with their class. */
export interface McpDescription {
  file: string;
  servers: Array<{
    name: string;
    transport: string;
    state: string;
    restarts: number;
    error?: string | undefined;
    tools: Array<{ id: string; name: string; description: string; policy: string }>;
  }>;
}

/** `mcp.describe`: the configured MCP servers, their state and tools with the policy's class (for `/mcp`). */
export function mcpDescribeTool(hub: McpHub, getPolicy: () => ToolsPolicy) {
  return defineTool({
    id: 'mcp.describe',
    description: 'List the configured MCP servers, their state, and their tools with the class the tools policy gives each.',
    input: z.object({}).default({}),
    policy: 'allow',
    forModel: false,
    async run(): Promise<McpDescription> {
      const policy = getPolicy();
      return {
        file: hub.file,
        servers: hub.status().map((s) => ({
          ...s,
          tools: s.tools.map((t) => ({ id: t.id, name: t.name, description: t.description, policy: toolClass(policy, { id: t.id, policy: MCP_DEFAULT_CLASS }) })),
        })),
      };
    },
  });
}
