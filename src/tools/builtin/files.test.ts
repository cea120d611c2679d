import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../policy.js';
import type { ToolContext } from '../types.js';
import { fileTools } from './files.js';
import { checkUrl } from './http.js';

const ctx = {} as ToolContext;

function setup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-files-'));
  const policy = loadPolicy(path.join(dir, 'tools-policy.json'));
  const tools = Object.fromEntries(fileTools(() => policy).map((t) => [t.id, t]));
  return { dir, policy, tools };
}

describe('the files tools', () => {
  it('write, read and list inside the sandbox', async () => {
    const { tools, policy } = setup();
    await tools['files.write']!.run({ path: 'a/b.txt', content: 'hello' }, ctx);
    expect(readFileSync(path.join(policy.sandboxPath, 'a/b.txt'), 'utf8')).toBe('hello');
    expect(await tools['files.read']!.run({ path: 'a/b.txt' }, ctx)).toEqual({ path: 'a/b.txt', content: 'hello' });
    expect(await tools['files.list']!.run({ path: 'a' }, ctx)).toEqual([{ name: 'b.txt', type: 'file' }]);
  });

  it.each(['../outside.txt', 'a/../../outside.txt', '/etc/passwd', '~/x', 'bad\0name'])('refuses %j and touches nothing', async (p) => {
    const { tools, dir } = setup();
    await expect(tools['files.write']!.run({ path: p, content: 'x' }, ctx)).rejects.toThrow(/^refused: /);
    await expect(tools['files.read']!.run({ path: p }, ctx)).rejects.toThrow(/^refused: /);
    expect(() => readFileSync(path.join(dir, 'outside.txt'))).toThrow();
  });

  it('refuses symlinks out of the sandbox', async () => {
    const { tools, policy, dir } = setup();
    writeFileSync(path.join(dir, 'secret.txt'), 'secret');
    symlinkSync(path.join(dir, 'secret.txt'), path.join(policy.sandboxPath, 'link.txt'));
    symlinkSync(dir, path.join(policy.sandboxPath, 'up'));
    await expect(tools['files.read']!.run({ path: 'link.txt' }, ctx)).rejects.toThrow(/outside the sandbox/);
    await expect(tools['files.write']!.run({ path: 'up/new.txt', content: 'x' }, ctx)).rejects.toThrow(/outside the sandbox/);
  });
});

describe('the http tool host allowlist', () => {
  it('allows listed hosts only, http(s) only, no credentials', () => {
    const { policy } = setup();
    policy.hosts = ['example.org', '127.0.0.1:9999'];
    expect(checkUrl(policy, 'https://example.org/x')).toBeUndefined();
    expect(checkUrl(policy, 'http://127.0.0.1:9999/')).toBeUndefined();
    expect(checkUrl(policy, 'https://evil.com/')).toMatch(/not on the tools policy's host allowlist/);
    expect(checkUrl(policy, 'http://127.0.0.1:8080/')).toMatch(/allowlist/);
    expect(checkUrl(policy, 'http://example.org:8080/')).toMatch(/allowlist/);
    expect(checkUrl(policy, 'file:///etc/passwd')).toMatch(/only http and https/);
    expect(checkUrl(policy, 'https://user:pw@example.org/')).toMatch(/credentials/);
  });
});
