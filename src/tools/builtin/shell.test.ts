import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../policy.js';
import { createIsolation } from './isolation.js';
import { checkCommandLine, runCommand, shellTool } from './shell.js';

/** How this machine isolates commands, decided once for the file as a worker decides it once. */
const isolation = createIsolation();

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
    ['grep --file=/etc/shadow x', 'allowlist'],
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
    const ls = await runCommand('ls', [], p, isolation);
    expect(ls.output.trim()).toBe('notes.txt');
    const env = await runCommand('env', [], p, isolation);
    expect(env.output).not.toContain('do-not-leak');
    const literal = await runCommand('echo', ['$HOME;', 'id'], p, isolation);
    expect(literal.output.trim()).toBe('$HOME; id');
    expect(existsSync(path.join(p.sandboxPath, 'notes.txt'))).toBe(true);
  });

  it('caps the output and stops what runs too long', async () => {
    const p = { ...policy() };
    p.shell = { timeoutMs: 300, maxOutputBytes: 1000 };
    const big = await runCommand('yes', [], p, isolation);
    expect(big.truncated).toBe(true);
    expect(big.output.length).toBe(1000);
    const slow = await runCommand('sleep', ['5'], p, isolation);
    expect(slow.timedOut).toBe(true);
    const missing = await runCommand('no-such-command-xyz', [], p, isolation);
    expect(missing.output).toContain('command not found');
  });
});

/**
 * Attacks that once escaped the sandbox with commands the default policy allows: each read a
 * file outside it (here a stand-in for /etc/shadow, a temp file outside the sandbox) or wrote
 * outside it. Each is now refused before anything runs, and the secret never reaches output.
 */
describe('the sandbox against escapes', () => {
  const SECRET = 'root:$6$not-really-a-hash:19000:0:99999:7:::';

  function escapeSetup() {
    const p = policy();
    const outsideDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-outside-'));
    const shadow = path.join(outsideDir, 'shadow');
    writeFileSync(shadow, `${SECRET}\nsecond-line-of-the-secret\n`);
    symlinkSync(shadow, path.join(p.sandboxPath, 'pw'));
    symlinkSync(outsideDir, path.join(p.sandboxPath, 'link'));
    symlinkSync(path.join(outsideDir, 'missing'), path.join(p.sandboxPath, 'dangling'));
    return { p, outsideDir, shadow };
  }

  const reads: Array<[string, (shadow: string) => string]> = [
    ['date -f with a glued path', (s) => `date -f${s}`],
    ['date -f with a separate path', (s) => `date -f ${s}`],
    ['date -r with a glued path', (s) => `date -r${s}`],
    ['clustered date -uf', (s) => `date -uf${s}`],
    ['clustered date -Ruf', (s) => `date -Ruf${s}`],
    ['date --file=', (s) => `date --file=${s}`],
    ['date --fi= (an abbreviation)', (s) => `date --fi=${s}`],
    ['date --reference', (s) => `date --reference ${s}`],
    ['date -f through a symlink without a slash', () => 'date -fpw'],
    ['date -d naming a zone file', (s) => `date -d 'TZ=":${s}" now'`],
    ['grep -f with a glued path', (s) => `grep -f${s} notes.txt`],
    ['clustered grep -if', (s) => `grep -if${s} notes.txt`],
    ['grep --file=', (s) => `grep --file=${s} notes.txt`],
    ['grep --fil= (an abbreviation)', (s) => `grep --fil=${s} notes.txt`],
    ['grep -R through a symlinked folder', () => 'grep -R root link'],
    ['grep -r over the sandbox', () => 'grep -r root'],
    ['grep --recursive', () => 'grep --recursive root .'],
    ['grep -d recurse', () => 'grep -d recurse root .'],
    ['grep --exclude-from=', (s) => `grep --exclude-from=${s} root notes.txt`],
    ['wc --files0-from=', (s) => `wc --files0-from=${s}`],
    ['wc --files0-from through a symlink', () => 'wc --files0-from pw'],
    ['cat through a symlink without a slash', () => 'cat pw'],
    ['cat -- through a symlink', () => 'cat -- pw'],
    ['cat -n through a symlink', () => 'cat -n pw'],
    ['head through a symlink', () => 'head -n 5 pw'],
    ['head with a number that is a symlink', () => 'head -5c pw'],
    ['tail through a symlink', () => 'tail pw'],
    ['grep through a symlink', () => 'grep root pw'],
    ['grep -e through a symlink', () => 'grep -e root pw'],
    ['wc through a symlink', () => 'wc pw'],
    ['ls of a symlinked folder', () => 'ls link'],
    ['ls -L (dereference)', () => 'ls -LR .'],
    ['ls --dereference', () => 'ls --dereference'],
    ['cat of a dangling symlink', () => 'cat dangling'],
    ['cat of an absolute path', (s) => `cat ${s}`],
    ['cat with .. segments', () => 'cat ../tools-policy.json'],
    ['tail --follow', () => 'tail -f notes.txt'],
  ];

  it.each(reads)('refuses %s, and the secret never reaches the output', async (_name, line) => {
    const { p, shadow } = escapeSetup();
    const command = line(shadow);
    const checked = checkCommandLine(command, p);
    expect(checked.ok).toBe(false);
    // Through the tool, as a brain or /sh would call it: refused with the reason.
    const tool = shellTool(() => p);
    const ran = await tool.run({ command }, {} as never).then(
      (result) => JSON.stringify(result),
      (err: Error) => err.message,
    );
    expect(ran).toMatch(/^refused: /);
    expect(ran).not.toContain('not-really-a-hash');
  });

  it.each([
    ['date -s (sets the clock)', 'date -s 2020-01-01'],
    ['date --set', 'date --set=2020-01-01'],
    ['date with a clock-setting operand', 'date 010100002020'],
  ])('refuses %s', (_name, command) => {
    expect(checkCommandLine(command, escapeSetup().p).ok).toBe(false);
  });

  it('still runs the listed options, clustered, glued and long', async () => {
    const { p } = escapeSetup();
    writeFileSync(path.join(p.sandboxPath, 'more.txt'), 'one\ntwo\nthree\n');
    const run = async (line: string) => {
      const checked = checkCommandLine(line, p);
      expect(checked, line).toMatchObject({ ok: true, policy: 'allow' });
      if (!checked.ok) return '';
      return (await runCommand(checked.command, checked.args, p, isolation)).output;
    };
    expect(await run('head -n1 more.txt')).toBe('one\n');
    expect(await run('head -2 more.txt')).toBe('one\ntwo\n');
    expect(await run('tail --lines=1 more.txt')).toBe('three\n');
    expect(await run('grep -in -e TWO more.txt')).toBe('2:two\n');
    expect(await run('grep -c e -- more.txt')).toBe('2\n');
    expect(await run('wc -lw more.txt')).toMatch(/^\s*3\s+3 more\.txt/);
    expect(await run('cat -n more.txt')).toContain('1\tone');
    expect(await run('date -u -d @0 +%Y')).toBe('1970\n');
    expect(await run("date -d 'TZ=\"Europe/Paris\" 2024-01-01 12:00' -u +%H")).toBe('11\n');
    expect(await run('ls -1 --color=never')).toContain('more.txt');
    expect(await run('echo -n hi')).toBe('hi');
  });

  it('refuses an option value or operand of an approved command that leads out (cp -t/tmp/outside)', async () => {
    const { p, outsideDir } = escapeSetup();
    writeFileSync(path.join(p.sandboxPath, 'f.txt'), 'payload');
    const tool = shellTool(() => p);
    for (const command of [
      `cp -t${outsideDir} f.txt`,
      `cp -vt${outsideDir} f.txt`,
      `cp -t ${outsideDir} f.txt`,
      `cp --target-directory=${outsideDir} f.txt`,
      'cp f.txt link',
      'cp -tlink f.txt',
      `cp f.txt ${outsideDir}/copied.txt`,
    ]) {
      expect(checkCommandLine(command, p), command).toMatchObject({ ok: false });
      await expect(tool.run({ command }, {} as never), command).rejects.toThrow(/^refused: /);
    }
    expect(existsSync(path.join(outsideDir, 'f.txt'))).toBe(false);
    expect(existsSync(path.join(outsideDir, 'copied.txt'))).toBe(false);
  });

  it('checks an approved command again right before it runs: a symlink made after the request is caught', async () => {
    const { p, outsideDir } = escapeSetup();
    writeFileSync(path.join(p.sandboxPath, 'f.txt'), 'payload');
    // Asked for while "out" did not exist: it passes and would wait for the owner.
    expect(checkCommandLine('cp f.txt out', p)).toMatchObject({ ok: true, policy: 'ask' });
    symlinkSync(outsideDir, path.join(p.sandboxPath, 'out'));
    // The approved call runs the tool, which checks again.
    await expect(shellTool(() => p).run({ command: 'cp f.txt out' }, {} as never)).rejects.toThrow(/outside the sandbox/);
    expect(existsSync(path.join(outsideDir, 'f.txt'))).toBe(false);
  });

  it('treats inherited names as ordinary commands that need approval', () => {
    const { p } = escapeSetup();
    for (const name of ['constructor', 'toString', '__proto__']) expect(checkCommandLine(name, p)).toMatchObject({ ok: true, policy: 'ask' });
  });
});
