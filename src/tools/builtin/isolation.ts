import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, readFileSync, statSync } from 'node:fs';
import type { Logger } from '../../logging/logger.js';

/**
 * How the shell tool's commands are started, beyond the argument checks: as an unprivileged
 * user when Mycel runs as root, and in private mount, network, PID, IPC and UTS namespaces
 * where the OS lets `unshare` create them. Where it does not, commands run without them and
 * one log line says so.
 */

/** The account commands run as when Mycel runs as root. */
export const SHELL_USER_NAME = 'nobody';
/** nobody's usual ids, used when /etc/passwd has no such account. */
const FALLBACK_UNPRIVILEGED_ID = 65_534;
/** How long the one-time probe of `unshare` may take. */
const PROBE_TIMEOUT_MS = 5_000;
const UNSHARE = '/usr/bin/unshare';
const SETPRIV = '/usr/bin/setpriv';
/** New namespaces for every command; --mount-proc gives it a /proc that shows only its own processes. */
const NAMESPACE_FLAGS = ['--mount', '--net', '--ipc', '--uts', '--pid', '--fork', '--kill-child', '--mount-proc'];

export interface Launch {
  file: string;
  args: string[];
  /** Set when the command itself drops to this user (no setpriv in between). */
  uid?: number;
  gid?: number;
}

export interface Isolation {
  /** The user commands run as, when Mycel runs as root. */
  user: { name: string; uid: number; gid: number } | undefined;
  /** Whether commands get private namespaces. */
  namespaces: boolean;
  /** What to spawn for a command. */
  launch(command: string, args: string[]): Launch;
  /** Lets the unprivileged user use the sandbox folder (owner of its top folder only). */
  prepareSandbox(sandbox: string): void;
  /** One sentence for the log and the docs. */
  summary: string;
}

function unprivilegedUser(): { name: string; uid: number; gid: number } {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid, gid] = line.split(':');
      if (name === SHELL_USER_NAME && uid && gid) return { name, uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // No passwd file: use the usual ids.
  }
  return { name: SHELL_USER_NAME, uid: FALLBACK_UNPRIVILEGED_ID, gid: FALLBACK_UNPRIVILEGED_ID };
}

/** The command prefix that drops root to the user (setpriv also clears supplementary groups). */
function dropTo(user: { uid: number; gid: number }): string[] {
  return [SETPRIV, `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--no-new-privs', '--'];
}

/** Tries the namespaces once; returns why they are unavailable, or undefined when they work. */
export function probeNamespaces(asRoot: boolean): string | undefined {
  if (!existsSync(UNSHARE)) return `${UNSHARE} is not installed`;
  const flags = asRoot ? NAMESPACE_FLAGS : ['--user', '--map-current-user', ...NAMESPACE_FLAGS];
  const result = spawnSync(UNSHARE, [...flags, '--', 'true'], { timeout: PROBE_TIMEOUT_MS, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.error) return result.error.message;
  if (result.status !== 0) return (result.stderr || `unshare exited with ${result.status}`).trim().split('\n')[0];
  return undefined;
}

export interface IsolationOptions {
  logger?: Logger | undefined;
  /** Overrides, for tests: whether Mycel runs as root, and the probe's answer. */
  asRoot?: boolean;
  probe?: (asRoot: boolean) => string | undefined;
}

/** Decides once how commands start, and logs it in one line. */
export function createIsolation(options: IsolationOptions = {}): Isolation {
  const asRoot = options.asRoot ?? process.getuid?.() === 0;
  const user = asRoot ? unprivilegedUser() : undefined;
  const canSetpriv = existsSync(SETPRIV);
  const unavailable = user && !canSetpriv ? `${SETPRIV} is not installed` : (options.probe ?? probeNamespaces)(asRoot);
  const namespaces = unavailable === undefined;
  const who = user ? `as ${user.name} (uid ${user.uid})` : 'as Mycel\'s own user';
  const summary = namespaces
    ? `shell commands run ${who} in private mount, network, PID, IPC and UTS namespaces`
    : `shell commands run ${who} WITHOUT private namespaces (${unavailable}); the argument checks${user ? ' and the unprivileged user' : ''} are the boundary`;
  if (namespaces) options.logger?.info(summary);
  else options.logger?.warn(summary);
  return {
    user,
    namespaces,
    summary,
    launch(command, args) {
      const flags = asRoot ? NAMESPACE_FLAGS : ['--user', '--map-current-user', ...NAMESPACE_FLAGS];
      if (namespaces) return { file: UNSHARE, args: [...flags, '--', ...(user ? dropTo(user) : []), command, ...args] };
      // No namespaces (or no setpriv): Node drops to the user itself (and clears supplementary groups).
      return user ? { file: command, args, uid: user.uid, gid: user.gid } : { file: command, args };
    },
    prepareSandbox(sandbox) {
      if (!user) return;
      const info = statSync(sandbox);
      if (info.uid !== user.uid || info.gid !== user.gid) chownSync(sandbox, user.uid, user.gid);
    },
  };
}
