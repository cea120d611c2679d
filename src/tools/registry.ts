import { z } from 'zod';
import { MycelError } from '../shared/errors.js';
import type { ToolDefinition, ToolInfo } from './types.js';

/** The one registry of tools a worker offers. Ids are unique. */
export class ToolRegistry {
  private readonly tools = new Map<string, ToolDefinition>();

  constructor(tools: ToolDefinition[] = []) {
    for (const tool of tools) this.register(tool);
  }

  register(tool: ToolDefinition): void {
    if (this.tools.has(tool.id)) throw new MycelError('TOOL_DUPLICATE', `Tool "${tool.id}" is registered twice.`);
    this.tools.set(tool.id, tool);
  }

  get(id: string): ToolDefinition | undefined {
    return this.tools.get(id);
  }

  list(): ToolDefinition[] {
    return [...this.tools.values()];
  }

  /** Descriptions with JSON Schemas, for the brain and `/tools`. */
  info(): ToolInfo[] {
    return this.list().map((tool) => ({
      id: tool.id,
      description: tool.description,
      policy: tool.policy,
      inputSchema: z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
    }));
  }
}
