import { spawn } from 'node:child_process';
import { parse } from 'shell-quote';
import { z } from 'zod';
import { commandPolicy, type ToolsPolicy } from '../policy.js';
import { defineTool, type PolicyClass } from '../types.js';
import { resolveInSandbox } from './sandbox.js';

/** Characters that would mean something to a shell; a command line holding any is refused. */
export const SHELL_METACHARACTERS = /[;&|`$<>\n\r\0\\(){}]/;
/** Longest command line accepted. */
export const MAX_COMMAND_LINE_CHARS = 2_000;

export type CheckedCommand =
  | { ok: true; command: string; args: string[]; policy: PolicyClass }
  | { ok: false; reason: string };

/**
 * Checks a command line against the policy before anything runs: no shell metacharacters,
 * a plain command name (no path), arguments that stay inside the sandbox, and the command's
 * class from the policy (allow, ask or forbid).
 */
export function checkCommandLine(line: string, policy: ToolsPolicy): CheckedCommand {
  const trimmed = line.trim();
  if (!trimmed) return { ok: false, reason: 'the command line is empty' };
  if (trimmed.length > MAX_COMMAND_LINE_CHARS) return { ok: false, reason: `the command line is longer than ${MAX_COMMAND_LINE_CHARS} characters` };
  const meta = SHELL_METACHARACTERS.exec(trimmed);
  if (meta) {
    const shown = meta[0] === '\n' ? 'a newline' : meta[0] === '\0' ? 'a NUL byte' : `"${meta[0]}"`;
    return { ok: false, reason: `shell metacharacter ${shown} is not allowed; commands run without a shell, one at a time` };
  }
  let tokens: ReturnType<typeof parse>;
  try {
    tokens = parse(trimmed, (key) => `$${key}`);
  } catch (err) {
    return { ok: false, reason: `cannot parse the command line: ${(err as Error).message}` };
  }
  if (tokens.some((t) => typeof t !== 'string')) return { ok: false, reason: 'shell operators and globs are not allowed' };
  const [command, ...args] = tokens as string[];
  if (!command || !/^[A-Za-z0-9._+-]+$/.test(command)) {
    return { ok: false, reason: `"${command ?? ''}" is not a plain command name (no paths)` };
  }
  for (const arg of args) {
    const looksLikePath = arg.includes('/') || arg === '..' || arg.startsWith('~');
    if (!looksLikePath) continue;
    const valueOf = arg.startsWith('-') && arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : arg;
    const inside = resolveInSandbox(policy.sandboxPath, valueOf);
    if (!inside.ok) return { ok: false, reason: `argument ${inside.reason}` };
  }
  const cls = commandPolicy(policy, command);
  if (cls === 'forbid') return { ok: false, reason: `the command "${command}" is forbidden by the tools policy` };
  return { ok: true, command, args, policy: cls };
}

export interface ShellResult {
  exitCode: number | null;
  output: string;
  truncated: boolean;
  timedOut: boolean;
}

/** Runs a checked command in the sandbox: no shell, scrubbed environment, timeout, output cap. */
export function runCommand(command: string, args: string[], policy: ToolsPolicy): Promise<ShellResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: policy.sandboxPath,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', HOME: policy.sandboxPath },
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: policy.shell.timeoutMs,
      killSignal: 'SIGKILL',
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const take = (chunk: Buffer) => {
      if (truncated) return;
      const room = policy.shell.maxOutputBytes - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        size += room;
        truncated = true;
        child.kill('SIGKILL');
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let spawnError: string | undefined;
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError = err.code === 'ENOENT' ? `command not found: ${command}` : err.message;
    });
    child.on('close', (code, signal) => {
      const output = spawnError ?? Buffer.concat(chunks).toString('utf8');
      resolve({ exitCode: spawnError ? 127 : code, output, truncated, timedOut: signal === 'SIGKILL' && !truncated });
    });
  });
}

const shellInput = z.object({ command: z.string().min(1).describe('one command line, e.g. "ls -la" (no pipes, no redirections)') });

/** The `shell` tool: the policy gate decides per command; this runs what was allowed. */
export function shellTool(getPolicy: () => ToolsPolicy) {
  return defineTool({
    id: 'shell',
    description: 'Run one allowlisted command (no shell: no pipes, redirections or substitutions) in the sandbox folder and return its output.',
    input: shellInput,
    policy: 'ask',
    async run(input) {
      const policy = getPolicy();
      const checked = checkCommandLine(input.command, policy);
      if (!checked.ok) throw new Error(`refused: ${checked.reason}`);
      const result = await runCommand(checked.command, checked.args, policy);
      return result;
    },
  });
}
