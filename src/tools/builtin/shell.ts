import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { parse } from 'shell-quote';
import { z } from 'zod';
import { commandPolicy, type ToolsPolicy } from '../policy.js';
import { defineTool, type PolicyClass } from '../types.js';
import type { Logger } from '../../logging/logger.js';
import { createIsolation, type Isolation } from './isolation.js';
import { checkListedArguments, checkUnlistedArguments, commandSpec } from './command-options.js';

/** Characters that would mean something to a shell; a command line holding any is refused. */
export const SHELL_METACHARACTERS = /[;&|`$<>\n\r\0\\(){}]/;
/** Longest command line accepted. */
export const MAX_COMMAND_LINE_CHARS = 2_000;

export type CheckedCommand =
  | { ok: true; command: string; args: string[]; policy: PolicyClass }
  | { ok: false; reason: string };

/**
 * Checks a command line against the policy before anything runs — when the call is decided,
 * and again right before an approved call runs: no shell metacharacters, a plain command name
 * (no path), the command's class from the policy (allow, ask or forbid), the option allowlist
 * of a command that has one (see command-options.ts), and every argument resolved inside the
 * sandbox with symlinks followed.
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
  const cls = commandPolicy(policy, command);
  if (cls === 'forbid') return { ok: false, reason: `the command "${command}" is forbidden by the tools policy` };
  const spec = commandSpec(command);
  const refused = spec ? checkListedArguments(command, spec, args, policy.sandboxPath) : checkUnlistedArguments(args, policy.sandboxPath);
  if (refused) return { ok: false, reason: refused };
  return { ok: true, command, args, policy: cls };
}

export interface ShellResult {
  exitCode: number | null;
  output: string;
  truncated: boolean;
  timedOut: boolean;
}

/** The only places commands are looked up (also the PATH they run with). */
export const SHELL_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Whether a plain command name exists on SHELL_PATH (checked here: a wrapper would hide ENOENT). */
function findInPath(command: string): boolean {
  return SHELL_PATH.split(':').some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Runs a checked command in the sandbox: no shell, scrubbed environment, timeout, output cap,
 * as an unprivileged user when Mycel runs as root, in private namespaces where available.
 */
export function runCommand(command: string, args: string[], policy: ToolsPolicy, isolation: Isolation): Promise<ShellResult> {
  if (!findInPath(command)) return Promise.resolve({ exitCode: 127, output: `command not found: ${command}`, truncated: false, timedOut: false });
  return new Promise((resolve) => {
    isolation.prepareSandbox(policy.sandboxPath);
    const launch = isolation.launch(command, args);
    const child = spawn(launch.file, launch.args, {
      cwd: policy.sandboxPath,
      ...(launch.uid !== undefined ? { uid: launch.uid, gid: launch.gid } : {}),
      env: { PATH: SHELL_PATH, LANG: 'C.UTF-8', HOME: policy.sandboxPath },
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a stop reaches everything it started (a dropped user clears
      // the parent-death signal, so killing the wrapper alone would leave the command running).
      detached: true,
    });
    let timedOut = false;
    const killAll = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killAll();
    }, policy.shell.timeoutMs);
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
        killAll();
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
    child.on('close', (code) => {
      clearTimeout(timer);
      const output = spawnError ?? Buffer.concat(chunks).toString('utf8');
      resolve({ exitCode: spawnError ? 127 : code, output, truncated, timedOut: timedOut && !truncated });
    });
  });
}

const shellInput = z.object({ command: z.string().min(1).describe('one command line, e.g. "ls -la" (no pipes, no redirections)') });

/** The `shell` tool: the policy gate decides per command; this runs what was allowed. */
export function shellTool(getPolicy: () => ToolsPolicy, logger?: Logger) {
  let isolation: Isolation | undefined;
  return defineTool({
    id: 'shell',
    description: 'Run one allowlisted command (no shell: no pipes, redirections or substitutions) in the sandbox folder and return its output.',
    input: shellInput,
    policy: 'ask',
    async run(input) {
      const policy = getPolicy();
      const checked = checkCommandLine(input.command, policy);
      if (!checked.ok) throw new Error(`refused: ${checked.reason}`);
      isolation ??= createIsolation({ logger });
      const result = await runCommand(checked.command, checked.args, policy, isolation);
      return result;
    },
  });
}
