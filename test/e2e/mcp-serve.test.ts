import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { runtimeFilePath } from '../../src/runtime/runtime-file.js';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';
import { spawnMycel, tempDataDir, type MycelCli } from '../support/cli-process.js';
import { waitFor } from '../support/wait.js';

/** The placeholders of the README's desktop-host snippet. */
const README_ROOT = '/absolute/path/to/mycel';
const README_DATA_DIR = `${README_ROOT}/.mycel`;

interface HostEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * The `mcpServers.mycel` entry of the README's snippet, with the clone's path and a data dir
 * put in for the placeholders, and nothing else changed.
 */
function readmeEntry(dataDir: string): HostEntry {
  const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Mycel as an MCP server'));
  const block = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('no JSON snippet in the README section "Mycel as an MCP server"');
  const filled = block.split(README_DATA_DIR).join(dataDir).split(README_ROOT).join(PACKAGE_ROOT);
  return (JSON.parse(filled) as { mcpServers: { mycel: HostEntry } }).mcpServers.mycel;
}

function textOf(result: unknown): string {
  return (result as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : '')).join('');
}

/** Connects the SDK's client the way a desktop host does: spawning the entry, in a folder of its own. */
async function connect(entry: HostEntry, extraEnv: Record<string, string> = {}): Promise<{ client: Client; transport: StdioClientTransport; stderr: () => string }> {
  let stderr = '';
  const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: { ...entry.env, ...extraEnv }, cwd: os.tmpdir(), stderr: 'pipe' });
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'desktop-host', version: '1.0.0' });
  try {
    await client.connect(transport);
  } catch (err) {
    throw new Error(`${String(err)}\nstderr:\n${stderr.slice(-3000)}`, { cause: err });
  }
  return { client, transport, stderr: () => stderr };
}

const dataDirs: string[] = [];
let running: MycelCli | undefined;

afterEach(async () => {
  await running?.stop();
  running = undefined;
});
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('the README\'s desktop-host snippet for mycel mcp serve', () => {
  it('works as written against a running mycel start: a reminder made through it is delivered once', async () => {
    const dataDir = tempDataDir('mycel-e2e-mcp-');
    dataDirs.push(dataDir);
    running = await spawnMycel({ dataDir });
    const entry = readmeEntry(dataDir);
    expect(entry.command).toBe('node');

    const { client, stderr } = await connect(entry);
    try {
      const chatId = `desk-${Date.now().toString(36)}`;
      const created = JSON.parse(textOf(await client.callTool({ name: 'create_reminder', arguments: { chatId, when: '2s', text: 'from the desktop', channel: 'web' } })));
      expect(created.id).toMatch(/^r/);
      const listed = await running.api(`/api/chats/${chatId}/reminders`);
      expect(listed.body).toEqual([expect.objectContaining({ id: created.id, dueAt: created.dueAt })]);
      const delivered = await waitFor(async () => {
        const res = await running!.api(`/api/chats/${chatId}/reminders?status=delivered`);
        return res.body.length ? res.body[0] : undefined;
      });
      expect(delivered).toMatchObject({ id: created.id, deliveries: 1 });
      const reply = await client.callTool({ name: 'send_message', arguments: { chatId, text: '/reminders', channel: 'web' } });
      expect(reply.isError).toBeFalsy();
      expect(stderr()).toContain('serving the running instance');
    } finally {
      await client.close();
    }
  });

  it('starts the embedded default when no Mycel runs on the data dir, and stops it when the host lets go', async () => {
    const dataDir = tempDataDir('mycel-e2e-mcp-embedded-');
    dataDirs.push(dataDir);
    const entry = readmeEntry(dataDir);
    // The host's own additions: a free port (8787 may be taken here) and the run's Temporal binary.
    const { client, transport, stderr } = await connect(entry, { MYCEL_HTTP_PORT: '0', MYCEL_TEMPORAL_BIN: inject('temporalBinary') });
    const pid = transport.pid!;
    try {
      const chatId = 'embedded';
      const created = JSON.parse(textOf(await client.callTool({ name: 'create_reminder', arguments: { chatId, when: '1h', text: 'embedded works' } })));
      const listed = JSON.parse(textOf(await client.callTool({ name: 'list_reminders', arguments: { chatId } })));
      expect(listed.map((r: { id: string }) => r.id)).toEqual([created.id]);
      expect(stderr()).toContain('serving an embedded instance');
      expect(JSON.parse(readFileSync(runtimeFilePath(dataDir), 'utf8')).pid).toBe(pid);
    } finally {
      await client.close();
    }
    // Stopped in order: the runtime file is gone and the process has exited.
    await waitFor(() => !existsSync(runtimeFilePath(dataDir)), 15_000, 'the runtime file to be removed');
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 15_000, 'mcp serve to exit');
  });
});
