import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { silentLogger } from '../../logging/logger.js';
import type { CliContext } from '../context.js';
import { registerMcpListCommand } from './mcp.js';

const EVERYTHING = path.resolve('node_modules/.bin/mcp-server-everything');

async function run(mcp: unknown, policy: unknown, ...args: string[]): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-cli-mcp-'));
  writeFileSync(path.join(dir, 'mcp.json'), JSON.stringify(mcp));
  if (policy) writeFileSync(path.join(dir, 'tools-policy.json'), JSON.stringify(policy));
  const lines: string[] = [];
  const config = loadConfig({ MYCEL_DATA_DIR: dir });
  const ctx: CliContext = { config: () => config, logger: () => silentLogger(), commandLogger: () => silentLogger(), out: (line) => lines.push(line) };
  const program = new Command('mycel').exitOverride();
  registerMcpListCommand(program, ctx);
  await program.parseAsync(['node', 'mycel', 'mcp', 'list', ...args]);
  return lines;
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('mycel mcp list', () => {
  it('shows each server, its state and latency, and its tools with the class the policy gives them', async () => {
    const lines = await run(
      { mcpServers: { everything: { command: EVERYTHING }, later: { url: 'http://127.0.0.1:9/mcp', disabled: true } } },
      { version: 1, sandbox: 'sandbox', commands: {}, tools: { 'mcp.everything.*': 'allow', 'mcp.everything.get-env': 'forbid' } },
    );
    expect(lines[0]).toMatch(/^everything {2}stdio {2}connected {2}\d+ ms$/);
    expect(lines).toContain('  mcp.everything.echo  [allow]  Echoes back the input string');
    expect(lines.find((l) => l.startsWith('  mcp.everything.get-env'))).toContain('[forbid]');
    expect(lines.at(-1)).toBe('later  http  disabled');
    expect(process.exitCode).toBeUndefined();
  });

  it('prints JSON, and exits 1 when a server does not start', async () => {
    const lines = await run({ mcpServers: { broken: { command: process.execPath, args: ['-e', 'process.exit(2)'] } } }, undefined, '--json');
    expect(JSON.parse(lines.join('\n'))).toEqual([expect.objectContaining({ name: 'broken', state: 'failed', tools: [] })]);
    expect(process.exitCode).toBe(1);
  });
});
