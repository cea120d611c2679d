import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ToolDefinition } from '../../tools/types.js';
import type { McpConnection } from './connection.js';
import { toOutput } from './result.js';

/** The prefix of every MCP tool id: `mcp.<server>.<tool>` (**contract**). */
export const MCP_TOOL_PREFIX = 'mcp';
/** The class an MCP tool has unless the tools policy says otherwise (**contract**). */
export const MCP_DEFAULT_CLASS = 'ask' as const;

export function mcpToolId(server: string, tool: string): string {
  return `${MCP_TOOL_PREFIX}.${server}.${tool}`;
}

/** Splits `mcp.<server>.<tool>` (server names have no dots; tool names may). */
export function parseMcpToolId(id: string): { server: string; tool: string } | undefined {
  const match = /^mcp\.([^.]+)\.(.+)$/.exec(id);
  return match ? { server: match[1]!, tool: match[2]! } : undefined;
}

/**
 * The input schema of an MCP tool as a zod schema that checks the tool's own JSON Schema
 * (with the SDK's validator), so the gate refuses bad arguments before anything is sent,
 * with the schema's own message.
 */
function inputSchemaOf(tool: Tool, validators: AjvJsonSchemaValidator): z.ZodType<Record<string, unknown>> {
  const validate = validators.getValidator<Record<string, unknown>>(tool.inputSchema as never);
  return z
    .unknown()
    .transform((value) => value ?? {})
    .superRefine((value, ctx) => {
      const result = validate(value);
      if (!result.valid) ctx.addIssue({ code: 'custom', message: result.errorMessage });
    }) as unknown as z.ZodType<Record<string, unknown>>;
}

/**
 * Definitions of MCP tools, cached per tool object so the schemas compile once per tool list.
 * One per hub (it owns the JSON Schema validator too).
 */
export class McpToolDefinitions {
  private readonly cache = new WeakMap<Tool, ToolDefinition>();
  private readonly validators = new AjvJsonSchemaValidator();

  /** One MCP tool as a Mycel tool: same gate, audit and approval flow as any other. */
  of(connection: McpConnection, tool: Tool, maxResultBytes: number): ToolDefinition {
    let definition = this.cache.get(tool);
    if (!definition) this.cache.set(tool, (definition = mcpToolDefinition(connection, tool, maxResultBytes, this.validators)));
    return definition;
  }
}

/** One MCP tool as a Mycel tool (uncached; `McpToolDefinitions.of` caches). */
export function mcpToolDefinition(connection: McpConnection, tool: Tool, maxResultBytes: number, validators: AjvJsonSchemaValidator): ToolDefinition {
  const idempotent = tool.annotations?.idempotentHint === true;
  const definition: ToolDefinition = {
    id: mcpToolId(connection.name, tool.name),
    description: `${tool.description ?? tool.title ?? tool.name} (from the MCP server "${connection.name}")`,
    input: inputSchemaOf(tool, validators),
    inputJsonSchema: tool.inputSchema as Record<string, unknown>,
    policy: MCP_DEFAULT_CLASS,
    atMostOnce: !idempotent,
    async run(input) {
      const result = await connection.call(tool.name, input as Record<string, unknown>, { idempotent });
      const output = toOutput(connection.name, tool.name, result, maxResultBytes);
      if (result.isError) throw new Error(`the MCP tool ${tool.name} reported an error: ${output.text || '(no detail)'}`);
      return output;
    },
  };
  return definition;
}
