import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseTree, findNodeAtLocation, type Node as JsonNode, type ParseError, printParseErrorCode } from 'jsonc-parser';
import { z } from 'zod';
import { MycelError } from '../shared/errors.js';
import type { PolicyClass } from './types.js';

/**
 * The tools safety policy: one file (MYCEL_TOOLS_POLICY, default <data dir>/tools-policy.json),
 * written with safe defaults on first start, validated at start with errors that name the line.
 * It is enforced inside the activity that runs a tool, never by the prompt.
 */

/** Commands that run without asking (**contract** defaults). */
export const DEFAULT_ALLOWED_COMMANDS = ['echo', 'date', 'ls', 'cat', 'wc', 'head', 'tail', 'grep'] as const;
/** Commands that never run (**contract** defaults). */
export const DEFAULT_FORBIDDEN_COMMANDS = ['rm', 'sudo', 'su', 'chmod', 'chown', 'dd', 'kill', 'shutdown', 'reboot'] as const;

/** Default time a pending approval waits for the owner before it expires. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 24 * 60 * 60;
/** Shell tool: wall-clock limit and output cap. */
export const DEFAULT_SHELL_TIMEOUT_MS = 10_000;
export const DEFAULT_SHELL_MAX_OUTPUT_BYTES = 64 * 1024;
/** HTTP tool: wall-clock limit and response size cap. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
export const DEFAULT_HTTP_MAX_BYTES = 256 * 1024;
/** Files tool: largest file read or written. */
export const DEFAULT_FILES_MAX_BYTES = 256 * 1024;

const policyClass = z.enum(['allow', 'ask', 'forbid']);

/** One entry of `hosts`: a name or `*.name` or IPv4 address, or a bracketed IPv6 address, with an optional port. */
const HOST_ENTRY = /^(?:(\*\.)?([A-Za-z0-9.-]+)|\[([0-9A-Fa-f:.]+)\])(?::(\d{1,5}))?$/;

export const policySchema = z
  .object({
    version: z.literal(1),
    /** The sandbox folder; relative paths are relative to the policy file's folder. */
    sandbox: z.string().min(1),
    /** Policy per command name of the shell tool; `*` is every other command. */
    commands: z.record(z.string().regex(/^(\*|[A-Za-z0-9._+-]+)$/, 'a command name, or * for every other command'), policyClass),
    /** Policy per tool id, overriding the tool's own default; `shell` is decided per command. */
    tools: z.record(z.string(), policyClass).default({}),
    /**
     * Hosts the http tool may reach: `example.com` (its default port only), `*.example.com`,
     * `host:port`, `[::1]:port`. Loopback, private and link-local targets need an explicit port.
     */
    hosts: z.array(z.string().regex(HOST_ENTRY, 'a host name like example.com, *.example.com, 127.0.0.1:8080 or [::1]:8080')).default([]),
    /** Per-chat enablement: `chat key` (e.g. `web:abc`, `telegram:123`) → tool ids enabled; absent = all. */
    chats: z.record(z.string(), z.object({ enabled: z.array(z.string()) })).default({}),
    approvalTimeoutSeconds: z.number().int().positive().default(DEFAULT_APPROVAL_TIMEOUT_SECONDS),
    shell: z
      .object({
        timeoutMs: z.number().int().positive().default(DEFAULT_SHELL_TIMEOUT_MS),
        maxOutputBytes: z.number().int().positive().default(DEFAULT_SHELL_MAX_OUTPUT_BYTES),
      })
      .default({ timeoutMs: DEFAULT_SHELL_TIMEOUT_MS, maxOutputBytes: DEFAULT_SHELL_MAX_OUTPUT_BYTES }),
    http: z
      .object({
        timeoutMs: z.number().int().positive().default(DEFAULT_HTTP_TIMEOUT_MS),
        maxBytes: z.number().int().positive().default(DEFAULT_HTTP_MAX_BYTES),
      })
      .default({ timeoutMs: DEFAULT_HTTP_TIMEOUT_MS, maxBytes: DEFAULT_HTTP_MAX_BYTES }),
    files: z.object({ maxBytes: z.number().int().positive().default(DEFAULT_FILES_MAX_BYTES) }).default({ maxBytes: DEFAULT_FILES_MAX_BYTES }),
  })
  .strict();

export type PolicyFile = z.infer<typeof policySchema>;

/** A loaded policy, with the sandbox resolved to an absolute path. */
export interface ToolsPolicy extends PolicyFile {
  sandboxPath: string;
  sourcePath: string;
}

/** The policy written on first start. */
export function defaultPolicy(): PolicyFile {
  return {
    version: 1,
    sandbox: 'sandbox',
    commands: {
      ...Object.fromEntries(DEFAULT_ALLOWED_COMMANDS.map((c) => [c, 'allow'])),
      ...Object.fromEntries(DEFAULT_FORBIDDEN_COMMANDS.map((c) => [c, 'forbid'])),
      '*': 'ask',
    },
    tools: { 'files.read': 'allow', 'files.list': 'allow', 'files.write': 'ask', 'http.fetch': 'ask' },
    hosts: [],
    chats: {},
    approvalTimeoutSeconds: DEFAULT_APPROVAL_TIMEOUT_SECONDS,
    shell: { timeoutMs: DEFAULT_SHELL_TIMEOUT_MS, maxOutputBytes: DEFAULT_SHELL_MAX_OUTPUT_BYTES },
    http: { timeoutMs: DEFAULT_HTTP_TIMEOUT_MS, maxBytes: DEFAULT_HTTP_MAX_BYTES },
    files: { maxBytes: DEFAULT_FILES_MAX_BYTES },
  };
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function invalid(file: string, line: number, message: string): MycelError {
  return new MycelError(
    'TOOLS_POLICY_INVALID',
    `${file}:${line}: ${message}`,
    'fix that line of the tools policy, or delete the file to have Mycel write safe defaults again',
  );
}

/** Parses and validates policy text; errors name the file and the line. */
export function parsePolicy(text: string, file: string): ToolsPolicy {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: false });
  if (errors.length || !tree) {
    const first = errors[0];
    throw invalid(file, first ? lineOf(text, first.offset) : 1, `not valid JSON (${first ? printParseErrorCode(first.error) : 'empty file'})`);
  }
  const raw: unknown = JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''));
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    let node: JsonNode | undefined;
    for (let n = issue.path.length; n >= 0 && !node; n--) node = findNodeAtLocation(tree, issue.path.slice(0, n) as (string | number)[]);
    const where = issue.path.length ? `"${issue.path.join('.')}": ` : '';
    const extra = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    const offset = issue.code === 'unrecognized_keys' && node?.type === 'object'
      ? node.children?.find((p) => p.children?.[0]?.value === issue.keys[0])?.offset ?? node.offset
      : node?.parent?.type === 'property' ? node.parent.offset : node?.offset ?? 0;
    throw invalid(file, lineOf(text, offset), `${where}${issue.message}${extra}`);
  }
  const sourcePath = path.resolve(file);
  return { ...parsed.data, sourcePath, sandboxPath: path.resolve(path.dirname(sourcePath), parsed.data.sandbox) };
}

/** Reads the policy, writing safe defaults first if the file does not exist; creates the sandbox. */
export function loadPolicy(file: string): ToolsPolicy {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(defaultPolicy(), null, 2)}\n`, { mode: 0o600 });
  }
  const policy = parsePolicy(readFileSync(file, 'utf8'), file);
  mkdirSync(policy.sandboxPath, { recursive: true });
  return policy;
}

/**
 * A record's own entry for a key, never one inherited from `Object.prototype`: a name such
 * as `constructor`, `toString` or `__proto__` must not find a function and pass as a class.
 */
export function ownEntry<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** The policy class of a shell command name. */
export function commandPolicy(policy: PolicyFile, command: string): PolicyClass {
  return ownEntry(policy.commands, command) ?? ownEntry(policy.commands, '*') ?? 'ask';
}

/** The policy file's class for a tool id, if the file names it. */
export function toolPolicy(policy: PolicyFile, toolId: string): PolicyClass | undefined {
  return ownEntry(policy.tools, toolId);
}

/** The key a chat has in the policy's `chats` section. */
export function chatPolicyKey(chat: { channel: string; chatId: string }): string {
  return `${chat.channel}:${chat.chatId}`;
}

/** Whether a tool is enabled in a chat (absent chat entry = every tool enabled). */
export function toolEnabledInChat(policy: PolicyFile, chat: { channel: string; chatId: string }, toolId: string): boolean {
  const entry = ownEntry(policy.chats, chatPolicyKey(chat));
  return !entry || entry.enabled.includes(toolId) || entry.enabled.includes('*');
}

/** The `hosts` entry that lets the http tool reach a URL's host and port, if any. */
export interface HostMatch {
  entry: string;
  /** Whether the entry names the port (needed for loopback, private and link-local targets). */
  explicitPort: boolean;
}

/**
 * Finds the `hosts` entry for a host name (as a URL gives it: lower case, IPv6 in brackets) and
 * port. An entry without a port matches the scheme's default port only (`url.port` empty), never
 * every port.
 */
export function matchHost(policy: PolicyFile, hostname: string, port: string): HostMatch | undefined {
  const h = hostname.toLowerCase();
  for (const entry of policy.hosts) {
    const m = HOST_ENTRY.exec(entry);
    if (!m) continue;
    const [, wildcard, name, ipv6, entryPort] = m;
    const entryHost = ipv6 !== undefined ? `[${ipv6.toLowerCase()}]` : name!.toLowerCase();
    const hostMatches = wildcard ? h.endsWith(`.${entryHost}`) : h === entryHost || (ipv6 !== undefined && h === new URL(`http://${entryHost}/`).hostname);
    if (!hostMatches) continue;
    if (entryPort === undefined ? port === '' : Number(entryPort) === Number(port)) return { entry, explicitPort: entryPort !== undefined };
  }
  return undefined;
}

/** Whether the http tool may reach `host` or `host:port` (the default port when none is given). */
export function hostAllowed(policy: PolicyFile, host: string): boolean {
  const url = new URL(`http://${host}/`);
  return matchHost(policy, url.hostname, url.port) !== undefined;
}
