import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../policy.js';
import { checkCommandLine, runCommand } from './shell.js';

function policy() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-shell-'));
  const p = loadPolicy(path.join(dir, 'tools-policy.json'));
  writeFileSync(path.join(p.sandboxPath, 'notes.txt'), 'alpha\nbeta\n');
  return p;
}

describe('checking a command line', () => {
  const p = policy();

  it.each([
    ['echo hi; rm -rf x', ';'],
    ['ls && rm x', '&'],
    ['cat notes.txt | wc -l', '|'],
    ['echo `id`', '`'],
    ['echo $(id)', '$'],
    ['echo $HOME', '$'],
    ['echo hi > out.txt', '>'],
    ['cat < /etc/passwd', '<'],
    ['echo hi\nid', 'a newline'],
    ['echo hi &', '&'],
  ])('refuses the metacharacter trick %j', (line, what) => {
    const checked = checkCommandLine(line, p);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.reason).toContain(what);
  });

  it.each([
    ['cat /etc/passwd', 'absolute'],
    ['cat ../../etc/passwd', '..'],
    ['ls ..', '..'],
    ['cat ~/.ssh/id_rsa', 'absolute'],
    ['grep --file=/etc/shadow x', 'absolute'],
  ])('refuses a path outside the sandbox: %j', (line, what) => {
    const checked = checkCommandLine(line, p);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.reason).toContain(what);
  });

  it('refuses a symlink that leads out of the sandbox', () => {
    symlinkSync('/etc', path.join(p.sandboxPath, 'etc-link'));
    const checked = checkCommandLine('cat etc-link/passwd', p);
    expect(checked).toMatchObject({ ok: false });
    if (!checked.ok) expect(checked.reason).toContain('outside the sandbox');
  });

  it('refuses forbidden commands and command paths', () => {
    expect(checkCommandLine('rm notes.txt', p)).toMatchObject({ ok: false, reason: expect.stringContaining('forbidden') });
    expect(checkCommandLine('sudo ls', p)).toMatchObject({ ok: false });
    expect(checkCommandLine('/bin/ls', p)).toMatchObject({ ok: false, reason: expect.stringContaining('plain command name') });
  });

  it('classes allowed and unknown commands', () => {
    expect(checkCommandLine('ls -la', p)).toEqual({ ok: true, command: 'ls', args: ['-la'], policy: 'allow' });
    expect(checkCommandLine("grep 'al pha' notes.txt", p)).toEqual({ ok: true, command: 'grep', args: ['al pha', 'notes.txt'], policy: 'allow' });
    expect(checkCommandLine('touch new.txt', p)).toMatchObject({ ok: true, policy: 'ask' });
    expect(checkCommandLine('cat sub/dir/file.txt', p)).toMatchObject({ ok: true, policy: 'allow' });
  });
});

describe('running a command', () => {
  it('runs in the sandbox with a scrubbed environment and no shell', async () => {
    const p = policy();
    process.env.MYCEL_SECRET_FOR_TEST = 'do-not-leak';
    const ls = await runCommand('ls', [], p);
    expect(ls.output.trim()).toBe('notes.txt');
    const env = await runCommand('env', [], p);
    expect(env.output).not.toContain('do-not-leak');
    const literal = await runCommand('echo', ['$HOME;', 'id'], p);
    expect(literal.output.trim()).toBe('$HOME; id');
    expect(existsSync(path.join(p.sandboxPath, 'notes.txt'))).toBe(true);
  });

  it('caps the output and stops what runs too long', async () => {
    const p = { ...policy() };
    p.shell = { timeoutMs: 300, maxOutputBytes: 1000 };
    const big = await runCommand('yes', [], p);
    expect(big.truncated).toBe(true);
    expect(big.output.length).toBe(1000);
    const slow = await runCommand('sleep', ['5'], p);
    expect(slow.timedOut).toBe(true);
    const missing = await runCommand('no-such-command-xyz', [], p);
    expect(missing.output).toContain('command not found');
  });
});
