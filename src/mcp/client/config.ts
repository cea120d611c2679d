import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { MycelError } from '../../shared/errors.js';

/**
 * The MCP servers Mycel connects to: one file (MYCEL_MCP_CONFIG, default <data dir>/mcp.json)
 * in the `mcpServers` format other MCP hosts use. A missing file means no servers; a bad one
 * is refused with an error that names the file and the entry.
 */

/** Longest an MCP tool call may run before it is cut off, unless the entry says otherwise. */
export const DEFAULT_MCP_CALL_TIMEOUT_MS = 60_000;
/** Longest per-call limit an entry may set: below the tool activity's own 5-minute limit. */
export const MAX_MCP_CALL_TIMEOUT_MS = 240_000;
/** Longest connecting to a server (start, handshake, tool list) may take. */
export const DEFAULT_MCP_CONNECT_TIMEOUT_MS = 20_000;
/** Largest result text kept from one MCP tool call (like the shell tool's output cap). */
export const DEFAULT_MCP_MAX_RESULT_BYTES = 64 * 1024;

/** A server name becomes the middle of `mcp.<server>.<tool>`: no dots. */
const SERVER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const common = {
  /** Per-call limit (ms); the call is cut off and reported when it is exceeded. */
  timeoutMs: z.number().int().positive().max(MAX_MCP_CALL_TIMEOUT_MS).optional(),
  /** Set to true to keep an entry in the file without connecting to it. */
  disabled: z.boolean().optional(),
};

const stdioEntry = z
  .object({
    type: z.literal('stdio').optional(),
    command: z.string().min(1, 'a command to start the server'),
    args: z.array(z.string()).default([]),
    /** Added to the minimal environment the server gets (never Mycel's own). */
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().min(1).optional(),
    ...common,
  })
  .strict();

const httpEntry = z
  .object({
    type: z.enum(['http', 'streamable-http', 'streamableHttp']).optional(),
    url: z.url({ protocol: /^https?$/, error: 'an http(s) URL of the server\'s MCP endpoint' }),
    /** Sent with every request (for example `Authorization: Bearer …`). */
    headers: z.record(z.string(), z.string()).default({}),
    ...common,
  })
  .strict();

const entrySchema = z.union([stdioEntry, httpEntry], {
  error: 'an entry needs either "command" (stdio) or "url" (Streamable HTTP)',
});

export const mcpConfigSchema = z
  .object({ mcpServers: z.record(z.string(), z.unknown()).default({}) })
  .passthrough();

export type McpStdioEntry = z.infer<typeof stdioEntry>;
export type McpHttpEntry = z.infer<typeof httpEntry>;

/** One configured server, by name. */
export type McpServerConfig = { name: string; timeoutMs: number; disabled: boolean } & (
  | { transport: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd?: string | undefined }
  | { transport: 'http'; url: string; headers: Record<string, string> }
);

export class McpConfigError extends MycelError {
  constructor(file: string, message: string) {
    super('MCP_CONFIG_INVALID', `${file}: ${message}`, 'fix that entry of the MCP servers file (MYCEL_MCP_CONFIG), or remove it');
    this.name = 'McpConfigError';
  }
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  const where = issue.path.length ? `"${issue.path.join('.')}": ` : '';
  const extra = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
  return `${where}${issue.message}${extra}`;
}

/** Parses and validates the text of an MCP servers file; errors name the file and the entry. */
export function parseMcpConfig(text: string, file: string): McpServerConfig[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new McpConfigError(file, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const top = mcpConfigSchema.safeParse(raw);
  if (!top.success) throw new McpConfigError(file, describeIssue(top.error.issues[0]));
  const servers: McpServerConfig[] = [];
  for (const [name, value] of Object.entries(top.data.mcpServers)) {
    if (!SERVER_NAME.test(name)) {
      throw new McpConfigError(file, `server "${name}": a server name is 1-64 characters of A-Z, a-z, 0-9, _ and - (it becomes part of the tool ids mcp.<server>.<tool>)`);
    }
    const hasCommand = Boolean(value && typeof value === 'object' && 'command' in value);
    const parsed = (hasCommand ? stdioEntry : value && typeof value === 'object' && 'url' in value ? httpEntry : entrySchema).safeParse(value);
    if (!parsed.success) throw new McpConfigError(file, `server "${name}": ${describeIssue(parsed.error.issues[0])}`);
    const entry = parsed.data;
    const base = { name, timeoutMs: entry.timeoutMs ?? DEFAULT_MCP_CALL_TIMEOUT_MS, disabled: entry.disabled ?? false };
    servers.push(
      'command' in entry
        ? { ...base, transport: 'stdio', command: entry.command, args: entry.args, env: entry.env, cwd: entry.cwd }
        : { ...base, transport: 'http', url: entry.url, headers: entry.headers },
    );
  }
  return servers;
}

/** Reads the MCP servers file; a missing file means no servers. */
export function loadMcpConfig(file: string): McpServerConfig[] {
  if (!existsSync(file)) return [];
  return parseMcpConfig(readFileSync(file, 'utf8'), file);
}
