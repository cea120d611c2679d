import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandPolicy, defaultPolicy, hostAllowed, loadPolicy, matchHost, parsePolicy, toolEnabledInChat, toolPolicy, DEFAULT_ALLOWED_COMMANDS, DEFAULT_FORBIDDEN_COMMANDS } from './policy.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'mycel-policy-'));

describe('the tools policy file', () => {
  it('is written with the contract defaults on first load, and the sandbox folder is created', () => {
    const dir = tmp();
    const file = path.join(dir, 'tools-policy.json');
    const policy = loadPolicy(file);
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1);
    for (const c of DEFAULT_ALLOWED_COMMANDS) expect(commandPolicy(policy, c)).toBe('allow');
    for (const c of DEFAULT_FORBIDDEN_COMMANDS) expect(commandPolicy(policy, c)).toBe('forbid');
    expect(commandPolicy(policy, 'touch')).toBe('ask');
    expect(commandPolicy(policy, 'python3')).toBe('ask');
    expect(policy.sandboxPath).toBe(path.join(dir, 'sandbox'));
  });

  it('names the line of a bad value', () => {
    const text = JSON.stringify({ ...defaultPolicy(), commands: { echo: 'allow', rm: 'maybe' } }, null, 2);
    const line = text.split('\n').findIndex((l) => l.includes('"rm"')) + 1;
    expect(() => parsePolicy(text, '/x/tools-policy.json')).toThrow(new RegExp(`^/x/tools-policy.json:${line}: "commands.rm": `));
  });

  it('names the line of broken JSON and of an unknown key', () => {
    expect(() => parsePolicy('{\n  "version": 1,\n  "sandbox": "s",\n  oops\n}', 'p.json')).toThrow(/^p\.json:4: not valid JSON/);
    const text = JSON.stringify({ ...defaultPolicy(), surprise: true }, null, 2);
    const line = text.split('\n').findIndex((l) => l.includes('"surprise"')) + 1;
    expect(() => parsePolicy(text, 'p.json')).toThrow(new RegExp(`^p\\.json:${line}: .*surprise`));
  });

  it('keeps a hand-edited file as the owner wrote it', () => {
    const dir = tmp();
    const file = path.join(dir, 'p.json');
    writeFileSync(file, JSON.stringify({ ...defaultPolicy(), commands: { '*': 'forbid', echo: 'allow' }, hosts: ['*.example.org'] }));
    const policy = loadPolicy(file);
    expect(commandPolicy(policy, 'ls')).toBe('forbid');
    expect(hostAllowed(policy, 'api.example.org')).toBe(true);
    expect(hostAllowed(policy, 'example.org.evil.com')).toBe(false);
    expect(hostAllowed(policy, 'evilexample.org')).toBe(false);
  });

  it('enables tools per chat', () => {
    const policy = { ...defaultPolicy(), chats: { 'web:kids': { enabled: ['files.read'] } } };
    expect(toolEnabledInChat(policy, { channel: 'web', chatId: 'kids' }, 'shell')).toBe(false);
    expect(toolEnabledInChat(policy, { channel: 'web', chatId: 'kids' }, 'files.read')).toBe(true);
    expect(toolEnabledInChat(policy, { channel: 'web', chatId: 'other' }, 'shell')).toBe(true);
  });
});

describe('policy lookups', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])('treat %j as an ordinary unlisted name, not an inherited property', (name) => {
    const policy = defaultPolicy();
    expect(commandPolicy(policy, name)).toBe('ask');
    const strict = { ...defaultPolicy(), commands: { '*': 'forbid' as const, echo: 'allow' as const } };
    expect(commandPolicy(strict, name)).toBe('forbid');
    expect(toolPolicy(policy, name)).toBeUndefined();
    expect(toolEnabledInChat({ ...policy, chats: { 'web:x': { enabled: [] } } }, { channel: 'web', chatId: 'x' }, name)).toBe(false);
  });
});

describe('hosts entries', () => {
  it('match the default port only when they name none, and exactly the named port otherwise', () => {
    const policy = { ...defaultPolicy(), hosts: ['example.org', '*.example.net', '127.0.0.1:9999', '[::1]:8080'] };
    expect(matchHost(policy, 'example.org', '')).toEqual({ entry: 'example.org', explicitPort: false });
    expect(matchHost(policy, 'example.org', '8080')).toBeUndefined();
    expect(matchHost(policy, 'api.example.net', '')).toMatchObject({ entry: '*.example.net' });
    expect(matchHost(policy, 'example.net', '')).toBeUndefined();
    expect(matchHost(policy, '127.0.0.1', '9999')).toEqual({ entry: '127.0.0.1:9999', explicitPort: true });
    expect(matchHost(policy, '127.0.0.1', '')).toBeUndefined();
    expect(matchHost(policy, '[::1]', '8080')).toEqual({ entry: '[::1]:8080', explicitPort: true });
    expect(hostAllowed(policy, 'example.org:443')).toBe(false);
  });

  it('accept bracketed IPv6 entries and refuse malformed ones, naming the line', () => {
    expect(() => parsePolicy(JSON.stringify({ ...defaultPolicy(), hosts: ['[::1]:8080', 'nas.lan:5000'] }), 'p.json')).not.toThrow();
    expect(() => parsePolicy(JSON.stringify({ ...defaultPolicy(), hosts: ['http://example.org'] }), 'p.json')).toThrow(/hosts\.0/);
  });
});
