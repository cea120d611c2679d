import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mcpChecks } from './mcp-checks.js';

const EVERYTHING = path.resolve('node_modules/.bin/mcp-server-everything');

function files(mcp: unknown) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-doctor-mcp-'));
  const mcpConfigPath = path.join(dir, 'mcp.json');
  if (mcp !== undefined) writeFileSync(mcpConfigPath, typeof mcp === 'string' ? mcp : JSON.stringify(mcp));
  return { mcpConfigPath, toolsPolicyPath: path.join(dir, 'tools-policy.json') };
}

describe('the doctor\'s MCP checks', () => {
  it('connects to each server, lists its tools and times it; a server that does not start fails with a hint', async () => {
    const checks = await mcpChecks(files({ mcpServers: { everything: { command: EVERYTHING }, broken: { command: process.execPath, args: ['-e', 'process.exit(2)'] }, later: { url: 'http://127.0.0.1:9/mcp', disabled: true } } }));
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(byName.everything).toMatchObject({ group: 'mcp', status: 'pass', detail: expect.stringMatching(/^stdio, \d+ tool\(s\), connected and listed in \d+ ms$/) });
    expect(byName.everything!.ms).toBeGreaterThan(0);
    expect(byName.broken).toMatchObject({ status: 'fail', hint: expect.stringContaining('command') });
    expect(byName.later).toMatchObject({ status: 'skip' });
  });

  it('skips when no servers are configured, and fails naming the file and entry when the file is bad', async () => {
    expect(await mcpChecks(files(undefined))).toEqual([expect.objectContaining({ name: 'servers', status: 'skip' })]);
    const bad = files('{"mcpServers":{"x":{"url":"nope"}}}');
    const [check] = await mcpChecks(bad);
    expect(check).toMatchObject({ name: 'config', status: 'fail', detail: expect.stringContaining(`${bad.mcpConfigPath}: server "x"`) });
  });
});
