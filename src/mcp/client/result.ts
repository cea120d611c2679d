import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** What an MCP tool call gives back to the brain, the chat and the audit trail. */
export interface McpToolOutput {
  kind: 'mcp';
  server: string;
  tool: string;
  /** The result's content as text (images and resources as short placeholders), capped. */
  text: string;
  truncated: boolean;
}

function contentText(item: CallToolResult['content'][number]): string {
  switch (item.type) {
    case 'text':
      return item.text;
    case 'image':
    case 'audio':
      return `[${item.type} ${item.mimeType}, ${Math.round((item.data.length * 3) / 4)} bytes]`;
    case 'resource':
      return 'text' in item.resource ? item.resource.text : `[resource ${item.resource.uri}]`;
    case 'resource_link':
      return `[link ${item.name}: ${item.uri}]`;
    default:
      return '';
  }
}

/** Caps text at `maxBytes` of UTF-8 (like the shell tool's output), without splitting a character. */
export function capText(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, truncated: false };
  return { text: bytes.subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, ''), truncated: true };
}

/** The text of a tool result: its content items, or its structured content when it has no text. */
export function resultText(result: CallToolResult): string {
  const parts = (result.content ?? []).map(contentText).filter((t) => t.length > 0);
  if (parts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

export function toOutput(server: string, tool: string, result: CallToolResult, maxBytes: number): McpToolOutput {
  const capped = capText(resultText(result), maxBytes);
  return { kind: 'mcp', server, tool, ...capped };
}

export function isMcpOutput(value: unknown): value is McpToolOutput {
  return Boolean(value && typeof value === 'object' && (value as { kind?: unknown }).kind === 'mcp' && typeof (value as { text?: unknown }).text === 'string');
}

/** How an MCP result reads in a chat. */
export function formatMcpOutput(output: McpToolOutput): string {
  return `${output.text.trimEnd() || '(no output)'}${output.truncated ? '\n… (output truncated)' : ''}`;
}
