import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../policy.js';
import { createIsolation, probeNamespaces } from './isolation.js';
import { runCommand } from './shell.js';

const asRoot = process.getuid?.() === 0;

function policy() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-isolation-'));
  return loadPolicy(path.join(dir, 'tools-policy.json'));
}

function recordingLogger() {
  const lines: Array<{ level: string; message: string }> = [];
  const log = (level: string) => (...args: unknown[]) => lines.push({ level, message: String(args.find((a) => typeof a === 'string')) });
  return { lines, logger: { info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') } as never };
}

describe('running shell commands isolated', () => {
  it.runIf(asRoot)('drops root to an unprivileged user, who cannot read root-only files', async () => {
    const p = policy();
    const isolation = createIsolation();
    expect(isolation.user?.uid).not.toBe(0);
    const id = await runCommand('id', ['-u'], p, isolation);
    expect(id.output.trim()).toBe(String(isolation.user!.uid));
    const groups = await runCommand('id', ['-G'], p, isolation);
    expect(groups.output.trim().split(' ')).not.toContain('0');
    // A root-only file in the sandbox (as /etc/shadow is outside it) stays unreadable.
    writeFileSync(path.join(p.sandboxPath, 'root-only.txt'), 'secret', { mode: 0o600 });
    const cat = await runCommand('cat', ['root-only.txt'], p, isolation);
    expect(cat.output).toContain('Permission denied');
    expect(cat.output).not.toContain('secret');
    // The sandbox's top folder is the user's, so approved commands can write there.
    expect(statSync(p.sandboxPath).uid).toBe(isolation.user!.uid);
    const touch = await runCommand('touch', ['made.txt'], p, isolation);
    expect(touch.exitCode).toBe(0);
  });

  it.runIf(probeNamespaces(asRoot) === undefined)('gives commands a private network: Mycel\'s loopback ports are out of reach', async () => {
    const server = createServer((_req, res) => res.end('reached'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const p = policy();
      const isolation = createIsolation();
      expect(isolation.namespaces).toBe(true);
      const probe = await runCommand('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected`], p, isolation);
      expect(probe.output).not.toContain('connected');
      const outside = await runCommand('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected`], p, createIsolation({ probe: () => 'off for the test' }));
      expect(outside.output).toContain('connected');
      // Its own PID namespace and /proc: the command sees only itself, not Mycel.
      const ps = await runCommand('ps', ['-e', '-o', 'pid=,comm='], p, isolation);
      expect(ps.output.trim().split('\n')).toEqual([expect.stringMatching(/^\s*1 ps$/)]);
    } finally {
      server.close();
    }
  });

  it('says in one log line when namespaces are not available, and still drops root', () => {
    const { lines, logger } = recordingLogger();
    const isolation = createIsolation({ logger, asRoot: true, probe: () => 'unshare: unshare failed: Operation not permitted' });
    expect(isolation.namespaces).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', message: expect.stringContaining('WITHOUT private namespaces (unshare: unshare failed: Operation not permitted)') });
    const launch = isolation.launch('ls', ['-l']);
    expect(launch).toMatchObject({ file: 'ls', args: ['-l'], uid: isolation.user!.uid, gid: isolation.user!.gid });
  });

  it.runIf(existsSync('/usr/bin/setpriv'))('wraps commands in unshare and setpriv when namespaces are available', () => {
    const { lines, logger } = recordingLogger();
    const isolation = createIsolation({ logger, asRoot: true, probe: () => undefined });
    expect(lines).toEqual([{ level: 'info', message: expect.stringContaining('private mount, network, PID, IPC and UTS namespaces') }]);
    const launch = isolation.launch('ls', ['-l']);
    expect(launch.file).toBe('/usr/bin/unshare');
    expect(launch.args).toEqual(expect.arrayContaining(['--mount', '--net', '--pid', '--fork', '--kill-child', '/usr/bin/setpriv', '--clear-groups', '--no-new-privs', 'ls', '-l']));
    expect(launch.args.slice(-2)).toEqual(['ls', '-l']);
  });
});
