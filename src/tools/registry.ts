import { z } from 'zod';
import { MycelError } from '../shared/errors.js';
import type { ToolDefinition, ToolInfo } from './types.js';

/** Tools that come and go while the process runs (the tools of MCP servers). */
export type ToolSource = () => ToolDefinition[];

/**
 * The one registry of tools a worker offers. Ids are unique. Built-in tools are registered
 * once; sources add tools that change at run time and are read on every lookup.
 */
export class ToolRegistry {
  private readonly tools = new Map<string, ToolDefinition>();
  private readonly sources: ToolSource[] = [];
  private staticInfo: ToolInfo[] | undefined;

  constructor(tools: ToolDefinition[] = []) {
    for (const tool of tools) this.register(tool);
  }

  register(tool: ToolDefinition): void {
    if (this.tools.has(tool.id)) throw new MycelError('TOOL_DUPLICATE', `Tool "${tool.id}" is registered twice.`);
    this.tools.set(tool.id, tool);
    this.staticInfo = undefined;
  }

  /** Adds tools read at each lookup; a source's id that clashes with a registered tool is ignored. */
  addSource(source: ToolSource): void {
    this.sources.push(source);
  }

  private dynamic(): ToolDefinition[] {
    return this.sources.flatMap((source) => source()).filter((tool) => !this.tools.has(tool.id));
  }

  get(id: string): ToolDefinition | undefined {
    return this.tools.get(id) ?? this.dynamic().find((tool) => tool.id === id);
  }

  list(): ToolDefinition[] {
    return [...this.tools.values(), ...this.dynamic()];
  }

  /** Descriptions with JSON Schemas, for the brain and `/tools`. */
  info(): ToolInfo[] {
    this.staticInfo ??= [...this.tools.values()].map(describe);
    return [...this.staticInfo, ...this.dynamic().map(describe)];
  }
}

function describe(tool: ToolDefinition): ToolInfo {
  return {
    id: tool.id,
    description: tool.description,
    policy: tool.policy,
    inputSchema: tool.inputJsonSchema ?? (z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
  };
}
