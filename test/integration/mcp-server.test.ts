import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

const FIXTURES = path.resolve('test/fixtures/pipelines');
const TOKEN = 'mcp-test-token-0123456789';
const TOOLS = ['create_reminder', 'list_reminders', 'cancel_reminder', 'remember_fact', 'search_memories', 'forget_memory', 'list_pipelines', 'run_pipeline', 'send_message'];

let mycel: TestMycel;
let chatN = 0;

function newChat(): string {
  chatN += 1;
  return `mcp-${Date.now().toString(36)}-${chatN}`;
}

function textOf(result: unknown): string {
  const content = (result as CallToolResult).content;
  return content.map((c) => (c.type === 'text' ? c.text : '')).join('');
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<{ isError: boolean; text: string }> {
  const result = await client.callTool({ name, arguments: args });
  return { isError: Boolean(result.isError), text: textOf(result) };
}

async function callJson(client: Client, name: string, args: Record<string, unknown>): Promise<any> {
  const result = await call(client, name, args);
  expect(result.isError, result.text).toBe(false);
  return JSON.parse(result.text);
}

async function httpClient(token: string | undefined = TOKEN): Promise<Client> {
  const client = new Client({ name: 'mycel-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${mycel.url}/mcp`), token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {});
  await client.connect(transport);
  return client;
}

beforeAll(async () => {
  mycel = await startTestMycel({ env: { MYCEL_PIPELINES: FIXTURES, MYCEL_API_TOKEN: TOKEN } });
  await waitFor(async () => ((await mycel.api('/api/pipelines')).body.length ? true : undefined));
});

afterAll(async () => {
  await mycel?.stop();
});

describe('Mycel as an MCP server over Streamable HTTP (POST /mcp)', () => {
  let client: Client;

  beforeAll(async () => {
    client = await httpClient();
  });

  afterAll(async () => {
    await client?.close();
  });

  it('lists the contract tools with descriptions and their required arguments', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
    const required = Object.fromEntries(tools.map((t) => [t.name, [...(t.inputSchema.required ?? [])].sort()]));
    expect(required).toEqual({
      create_reminder: ['chatId', 'text', 'when'],
      list_reminders: ['chatId'],
      cancel_reminder: ['chatId', 'id'],
      remember_fact: ['chatId', 'text'],
      search_memories: ['chatId', 'query'],
      forget_memory: ['chatId', 'id'],
      list_pipelines: [],
      run_pipeline: ['id'],
      send_message: ['chatId', 'text'],
    });
    for (const tool of tools) expect(tool.description?.length ?? 0).toBeGreaterThan(60);
  });

  it('creates a reminder that is an ordinary durable promise: listed by the API and delivered exactly once', async () => {
    const chatId = newChat();
    const created = await callJson(client, 'create_reminder', { chatId, when: '2s', text: 'stretch your legs', channel: 'web' });
    expect(created.id).toMatch(/^r[0-9a-z]+$/);
    expect(Date.parse(created.dueAt)).toBeGreaterThan(Date.now() - 5_000);

    const listed = await mycel.api(`/api/chats/${chatId}/reminders`);
    expect(listed.body).toEqual([expect.objectContaining({ id: created.id, text: 'stretch your legs', dueAt: created.dueAt, status: 'pending' })]);

    const delivered = await waitFor(async () => {
      const res = await mycel.api(`/api/chats/${chatId}/reminders?status=delivered`);
      return res.body.length ? res.body[0] : undefined;
    });
    expect(delivered).toMatchObject({ id: created.id, status: 'delivered', deliveries: 1 });
    // Give a second delivery every chance to happen, then count the lines.
    await new Promise((r) => setTimeout(r, 1_500));
    const lines = (await mycel.api(`/api/chats/${chatId}/messages`)).body.filter((m: { kind?: string }) => m.kind === 'reminder');
    expect(lines.map((m: { text: string }) => m.text)).toEqual(['⏰ stretch your legs']);
  });

  it('keeps reminders of mcp chats apart, lists and cancels them', async () => {
    const chatId = newChat();
    const a = await callJson(client, 'create_reminder', { chatId, when: 'in 2 hours', text: 'call the bank' });
    const b = await callJson(client, 'create_reminder', { chatId, when: 'tomorrow at 9', text: 'water the plants' });
    // An mcp chat, not the web chat of the same id.
    expect((await mycel.api(`/api/chats/${chatId}/reminders`)).body).toEqual([]);
    expect((await mycel.api(`/api/chats/${chatId}/reminders?channel=mcp`)).body.map((r: { id: string }) => r.id).sort()).toEqual([a.id, b.id].sort());

    const listed = await callJson(client, 'list_reminders', { chatId });
    expect(listed.map((r: { id: string }) => r.id)).toEqual([a.id, b.id]);
    const cancelled = await callJson(client, 'cancel_reminder', { chatId, id: a.id });
    expect(cancelled).toMatchObject({ id: a.id, status: 'cancelled' });
    expect((await callJson(client, 'list_reminders', { chatId })).map((r: { id: string }) => r.id)).toEqual([b.id]);

    const again = await call(client, 'cancel_reminder', { chatId, id: a.id });
    expect(again).toMatchObject({ isError: true, text: expect.stringContaining('already cancelled') });
  });

  it('an idempotency key makes a retried create_reminder return the same reminder', async () => {
    const chatId = newChat();
    const first = await callJson(client, 'create_reminder', { chatId, when: '1h', text: 'once only', key: 'k-1' });
    const second = await callJson(client, 'create_reminder', { chatId, when: '1h', text: 'once only', key: 'k-1' });
    expect(second.id).toBe(first.id);
    expect(second.created).toBe(false);
    expect(await callJson(client, 'list_reminders', { chatId })).toHaveLength(1);
  });

  it('remembers, searches and forgets facts', async () => {
    const chatId = newChat();
    const stored = await callJson(client, 'remember_fact', { chatId, text: 'my dentist is Dr Lee on Elm Street' });
    expect(stored).toMatchObject({ status: 'stored', memory: { id: expect.any(String), text: 'my dentist is Dr Lee on Elm Street' } });
    await callJson(client, 'remember_fact', { chatId, text: 'the boat is moored at pier 9' });

    const found = await callJson(client, 'search_memories', { chatId, query: 'dentist' });
    expect(found.map((f: { id: string }) => f.id)).toEqual([stored.memory.id]);
    // The same fact through the HTTP API of the mcp chat.
    const viaApi = await mycel.api(`/api/chats/${chatId}/memories?channel=mcp`);
    expect(viaApi.body.map((f: { id: string }) => f.id)).toContain(stored.memory.id);

    expect(await callJson(client, 'forget_memory', { chatId, id: stored.memory.id })).toEqual({ id: stored.memory.id, deleted: true });
    expect(await callJson(client, 'search_memories', { chatId, query: 'dentist' })).toEqual([]);
    const gone = await call(client, 'forget_memory', { chatId, id: stored.memory.id });
    expect(gone).toMatchObject({ isError: true, text: expect.stringContaining(`no memory "${stored.memory.id}"`) });
  });

  it('lists pipelines and runs one, waiting for its result', async () => {
    const pipelines = await callJson(client, 'list_pipelines', {});
    const diamond = pipelines.find((p: { id: string }) => p.id === 'diamond');
    expect(diamond.tasks.map((t: { id: string }) => t.id)).toEqual(['a', 'b', 'c', 'd']);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-mcp-pipeline-'));
    try {
      const result = await callJson(client, 'run_pipeline', { id: 'diamond', input: { dir }, wait: true });
      expect(result).toMatchObject({ pipelineId: 'diamond', status: 'succeeded' });
      const run = await mycel.api(`/api/pipeline-runs/${result.runId}`);
      expect(run.body).toMatchObject({ status: 'succeeded', trigger: 'mcp', input: { dir } });
      expect(readFileSync(path.join(dir, 'events.log'), 'utf8')).toContain(`${result.runId} d`);

      const started = await callJson(client, 'run_pipeline', { id: 'diamond', input: { dir } });
      expect(started).toMatchObject({ pipelineId: 'diamond', status: 'running', runId: expect.stringMatching(/^pipeline-diamond-v1-/) });
      await waitFor(async () => (await mycel.api(`/api/pipeline-runs/${started.runId}`)).body.status === 'succeeded', 30_000, 'the second run');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('send_message runs a turn through ingress and returns the reply, once per messageId', async () => {
    const chatId = newChat();
    const reply = (await call(client, 'send_message', { chatId, text: '/remind 1h feed the cat', channel: 'web', messageId: 'm-1' }));
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.text).toMatch(/Reminder id: r[0-9a-z]+/);
    const again = await call(client, 'send_message', { chatId, text: '/remind 1h feed the cat', channel: 'web', messageId: 'm-1' });
    expect(again.text).toBe(reply.text);
    // One turn, one reminder: the repeat was answered from the first.
    expect((await mycel.api(`/api/chats/${chatId}/reminders`)).body).toHaveLength(1);
    const transcript = (await mycel.api(`/api/chats/${chatId}/messages`)).body;
    expect(transcript.filter((m: { role: string }) => m.role === 'user')).toHaveLength(1);
    expect(transcript.at(-1)).toMatchObject({ role: 'assistant', text: reply.text });

    const mcpChat = await call(client, 'send_message', { chatId, text: '/reminders' });
    expect(mcpChat.isError).toBe(false);
    expect(mcpChat.text).not.toContain('feed the cat');
  });

  it('answers bad arguments with tool errors that say what is wrong, and keeps serving', async () => {
    const missing = await call(client, 'create_reminder', { chatId: 'x', when: '10m' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/text/);
    const badChat = await call(client, 'list_reminders', { chatId: 'not a chat id!' });
    expect(badChat).toMatchObject({ isError: true, text: expect.stringContaining('chat id may contain only') });
    const badWhen = await call(client, 'create_reminder', { chatId: 'x', when: 'when pigs fly', text: 'never' });
    expect(badWhen.isError).toBe(true);
    expect(badWhen.text.length).toBeGreaterThan(10);
    const unknownReminder = await call(client, 'cancel_reminder', { chatId: 'x', id: 'rnothere' });
    expect(unknownReminder).toMatchObject({ isError: true, text: expect.stringContaining('no reminder "rnothere"') });
    const unknownPipeline = await call(client, 'run_pipeline', { id: 'no-such-pipeline' });
    expect(unknownPipeline).toMatchObject({ isError: true, text: expect.stringContaining('no pipeline "no-such-pipeline"') });
    const badInput = await call(client, 'run_pipeline', { id: 'diamond', input: 'not an object' });
    expect(badInput.isError).toBe(true);
    // Still serving.
    expect((await client.listTools()).tools).toHaveLength(TOOLS.length);
  });

  it('requires the bearer token when MYCEL_API_TOKEN is set', async () => {
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } } };
    const post = (headers: Record<string, string>) =>
      fetch(`${mycel.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(initialize) });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: 'Bearer wrong' })).status).toBe(401);
    const ok = await post({ authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect((await ok.json()).result.serverInfo.name).toBe('mycel');
    await expect(httpClient('wrong-token')).rejects.toThrow();
    expect((await fetch(`${mycel.url}/mcp`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
  });
});

/** What `mycel mcp serve` needs to reach the test's running instance. */
function serveEnv(): Record<string, string> {
  return {
    MYCEL_DATA_DIR: mycel.config.dataDir,
    TEMPORAL_ADDRESS: mycel.config.temporal.address!,
    MYCEL_TASK_QUEUE: mycel.config.temporal.taskQueue,
    MYCEL_DATABASE_URL: mycel.config.databaseUrl,
  };
}

describe('Mycel as an MCP server over stdio (mycel mcp serve)', () => {
  let client: Client;
  let stderr = '';

  beforeAll(async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), 'mcp', 'serve'],
      cwd: PACKAGE_ROOT,
      env: { ...serveEnv(), MYCEL_LOG_LEVEL: 'info' },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    client = new Client({ name: 'mycel-test', version: '1.0.0' });
    await client.connect(transport);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
  });

  it('serves the running instance: a reminder made over stdio is listed by its API and delivered once', async () => {
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
    const chatId = newChat();
    const created = await callJson(client, 'create_reminder', { chatId, when: '2s', text: 'over stdio', channel: 'web' });
    expect((await mycel.api(`/api/chats/${chatId}/reminders`)).body).toEqual([expect.objectContaining({ id: created.id, status: 'pending' })]);
    const delivered = await waitFor(async () => {
      const res = await mycel.api(`/api/chats/${chatId}/reminders?status=delivered`);
      return res.body.length ? res.body[0] : undefined;
    });
    expect(delivered).toMatchObject({ id: created.id, deliveries: 1 });
    expect(stderr).toContain('MCP server on stdio, serving the running instance');
  });

  it('send_message over stdio returns the reply of a turn the instance ran', async () => {
    const chatId = newChat();
    const reply = await call(client, 'send_message', { chatId, text: '/remind 3h stdio tea' });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.text).toMatch(/Reminder id: r[0-9a-z]+/);
    expect((await mycel.api(`/api/chats/${chatId}/reminders?channel=mcp`)).body).toEqual([expect.objectContaining({ text: 'stdio tea' })]);
  });

  it('writes nothing but JSON-RPC messages to stdout', async () => {
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), 'mcp', 'serve'], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, ...serveEnv(), MYCEL_LOG_LEVEL: 'debug' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', () => undefined);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    await waitFor(() => out.includes('"id":1'), 60_000, 'the initialize answer');
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_reminders', arguments: { chatId: 'raw' } } });
    await waitFor(() => out.includes('"id":2'), 30_000, 'the tools/call answer');
    child.stdin.end();
    await exited;
    const lines = out.split('\n').filter((l) => l.length);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
  });

  it('answers bad arguments with a tool error', async () => {
    const bad = await call(client, 'search_memories', { chatId: 'x' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/query/);
  });
});

describe('a reminder made over MCP across a restart of Mycel', () => {
  it('is delivered exactly once by the restarted instance', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-mcp-restart-'));
    const taskQueue = `mcp-restart-${Date.now().toString(36)}`;
    let first: TestMycel | undefined = await startTestMycel({ dataDir, taskQueue });
    let second: TestMycel | undefined;
    try {
      const client = new Client({ name: 'mycel-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${first.url}/mcp`)));
      const created = await callJson(client, 'create_reminder', { chatId: 'restart', when: '4s', text: 'after the restart', channel: 'web' });
      await client.close();
      await first.stop();
      first = undefined;
      // Down past the due time: the durable timer fires while no worker runs.
      await new Promise((r) => setTimeout(r, 5_000));
      second = await startTestMycel({ dataDir, taskQueue });
      const mycel2 = second;
      const delivered = await waitFor(async () => {
        const res = await mycel2.api('/api/chats/restart/reminders?status=delivered');
        return res.body.length ? res.body[0] : undefined;
      });
      expect(delivered).toMatchObject({ id: created.id, deliveries: 1 });
      await new Promise((r) => setTimeout(r, 1_500));
      const lines = (await mycel2.api('/api/chats/restart/messages')).body.filter((m: { kind?: string }) => m.kind === 'reminder');
      expect(lines).toHaveLength(1);
      expect(lines[0].text).toContain('after the restart');
    } finally {
      await first?.stop();
      await second?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
