import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MCP_CALL_TIMEOUT_MS, loadMcpConfig, parseMcpConfig } from './config.js';
import { McpHub } from './hub.js';
import { stdioEnvironment } from './connection.js';

describe('the MCP servers file', () => {
  it('reads stdio and Streamable HTTP entries in the mcpServers format', () => {
    const servers = parseMcpConfig(
      JSON.stringify({
        mcpServers: {
          notes: { command: 'npx', args: ['-y', 'notes-server'], env: { NOTES_DIR: '/tmp/notes' } },
          tracker: { type: 'http', url: 'https://tracker.example/mcp', headers: { Authorization: 'Bearer abc' }, timeoutMs: 5000 },
        },
      }),
      'mcp.json',
    );
    expect(servers).toEqual([
      { name: 'notes', transport: 'stdio', command: 'npx', args: ['-y', 'notes-server'], env: { NOTES_DIR: '/tmp/notes' }, cwd: undefined, timeoutMs: DEFAULT_MCP_CALL_TIMEOUT_MS, disabled: false },
      { name: 'tracker', transport: 'http', url: 'https://tracker.example/mcp', headers: { Authorization: 'Bearer abc' }, timeoutMs: 5000, disabled: false },
    ]);
  });

  it.each([
    ['{"mcpServers":{"a":{"args":[]}}}', /mcp\.json: server "a": an entry needs either "command" \(stdio\) or "url"/],
    ['{"mcpServers":{"a":{"url":"ftp://x/mcp"}}}', /server "a": "url": an http\(s\) URL/],
    ['{"mcpServers":{"a.b":{"command":"x"}}}', /server "a\.b": a server name is/],
    ['{"mcpServers":{"a":{"command":"x","evn":{}}}}', /server "a": Unrecognized key: "evn"/],
    ['{"mcpServers":{"a":{"command":"x","timeoutMs":999999}}}', /server "a": "timeoutMs"/],
    ['{"mcpServers":', /mcp\.json: not valid JSON/],
  ])('refuses %s naming the file and the entry', (text, message) => {
    expect(() => parseMcpConfig(text, 'mcp.json')).toThrow(message);
  });

  it('means no servers when the file is missing', () => {
    expect(loadMcpConfig(path.join(os.tmpdir(), 'no-such-dir-mycel', 'mcp.json'))).toEqual([]);
  });

  it('stops the hub from being built when the file is bad (start-up refuses it)', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mycel-mcp-config-')), 'mcp.json');
    writeFileSync(file, '{"mcpServers":{"x":{}}}');
    expect(() => new McpHub(file)).toThrow(`${file}: server "x"`);
  });
});

describe('a stdio server\'s environment', () => {
  it('is the SDK\'s minimal default plus the entry\'s env, without the rest of Mycel\'s', () => {
    process.env.MYCEL_SECRET_FOR_ENV_TEST = 'sk-do-not-pass';
    try {
      const env = stdioEnvironment({ env: { ONLY_THIS: '1' } });
      expect(env.ONLY_THIS).toBe('1');
      expect(env.PATH).toBe(process.env.PATH);
      expect(Object.values(env)).not.toContain('sk-do-not-pass');
      expect(Object.keys(env).every((k) => ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'ONLY_THIS'].includes(k))).toBe(true);
    } finally {
      delete process.env.MYCEL_SECRET_FOR_ENV_TEST;
    }
  });
});
