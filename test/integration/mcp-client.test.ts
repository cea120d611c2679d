import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../../src/conversation/transcript.js';
import { defaultPolicy } from '../../src/tools/policy.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { EVERYTHING, FILESYSTEM, MISBEHAVING, startEverythingHttp } from '../support/mcp-servers.js';
import { startOpenAIStandIn, type StandIn } from '../support/openai-stand-in.js';
import { waitFor } from '../support/wait.js';

/** A secret of Mycel's own environment: no stdio MCP server may see it. */
const SECRET = `sk-mcp-test-${randomBytes(12).toString('hex')}`;

let dir: string;
let mycel: TestMycel;
let http: Awaited<ReturnType<typeof startEverythingHttp>>;
let shared: string;
let misbehavingLog: string;
let configFile: string;

function config(extra: Record<string, unknown> = {}) {
  return {
    mcpServers: {
      everything: { command: EVERYTHING, args: ['stdio'], env: { MCP_TEST_VISIBLE: 'from-the-entry' } },
      web: { url: http.url, headers: { 'X-Test': 'yes' } },
      fs: { command: FILESYSTEM, args: [shared] },
      bad: { command: process.execPath, args: [MISBEHAVING], env: { MISBEHAVING_LOG: misbehavingLog }, timeoutMs: 1500 },
      ...extra,
    },
  };
}

async function say(chatId: string, text: string): Promise<string> {
  const res = await mycel.api(`/api/chats/${chatId}/messages`, { body: { text } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.reply as string;
}

const chat = () => `mcp-${randomBytes(3).toString('hex')}`;
const hub = () => mycel.workerDeps().tools.mcp;
/** The audit records of a chat's MCP tool calls (the listing tool `mcp.describe` left out). */
async function mcpAudit(chatId: string): Promise<Array<Record<string, any>>> {
  const res = await mycel.api(`/api/audit?chatId=${chatId}`);
  return (res.body as Array<Record<string, any>>).filter((r) => r.tool !== 'mcp.describe');
}
const logLines = () => (existsSync(misbehavingLog) ? readFileSync(misbehavingLog, 'utf8').trim().split('\n') : []);

beforeAll(async () => {
  // Secrets in Mycel's own environment, as a deployment has them.
  process.env.MYCEL_TEST_SECRET_FOR_MCP = SECRET;
  process.env.MYCEL_MODEL_API_KEY = SECRET;
  dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-mcp-'));
  shared = realpathSync(mkdtempSync(path.join(dir, 'shared-')));
  misbehavingLog = path.join(dir, 'misbehaving.log');
  configFile = path.join(dir, 'mcp.json');
  http = await startEverythingHttp();
  writeFileSync(configFile, JSON.stringify(config(), null, 2));
  const policyFile = path.join(dir, 'tools-policy.json');
  writeFileSync(
    policyFile,
    JSON.stringify({
      ...defaultPolicy(),
      tools: {
        ...defaultPolicy().tools,
        'mcp.everything.echo': 'allow',
        'mcp.everything.get-env': 'allow',
        'mcp.everything.get-sum': 'forbid',
        'mcp.everything.trigger-long-running-operation': 'allow',
        'mcp.web.*': 'allow',
        'mcp.bad.*': 'allow',
      },
    }),
  );
  mycel = await startTestMycel({ env: { MYCEL_MCP_CONFIG: configFile, MYCEL_TOOLS_POLICY: policyFile } });
  expect(await hub().ready(30_000)).toBe(true);
}, 90_000);

afterAll(async () => {
  await mycel?.stop();
  await http?.stop();
  delete process.env.MYCEL_TEST_SECRET_FOR_MCP;
  delete process.env.MYCEL_MODEL_API_KEY;
  rmSync(dir, { recursive: true, force: true });
});

describe('MCP servers as tools', () => {
  it('/mcp lists each server, its state and its tools with their class', async () => {
    const text = await say(chat(), '/mcp');
    expect(text).toMatch(/everything \(stdio\) — connected/);
    expect(text).toMatch(/web \(http\) — connected/);
    expect(text).toMatch(/fs \(stdio\) — connected/);
    expect(text).toContain('– echo [allow]');
    expect(text).toContain('– get-sum [forbid]');
    expect(text).toContain('– write_file [ask]');
  });

  it('/tools lists the MCP tools beside the built-in ones', async () => {
    const text = await say(chat(), '/tools');
    expect(text).toContain('• mcp.everything.echo [allow]');
    expect(text).toContain('• mcp.fs.read_text_file [ask]');
    expect(text).toContain('• shell [per command]');
  });

  it('an allowed call answers with the result text, and is audited', async () => {
    const c = chat();
    expect(await say(c, '/mcp everything echo {"message":"hello over stdio"}')).toBe('Echo: hello over stdio');
    expect(await say(c, '/mcp web echo {"message":"hello over http"}')).toBe('Echo: hello over http');
    const audit = await mcpAudit(c);
    expect(audit.map((r) => `${r.tool}:${r.decision}`)).toEqual(['mcp.web.echo:allowed', 'mcp.everything.echo:allowed']);
    expect(audit[1]).toMatchObject({ input: { message: 'hello over stdio' } });
  });

  it('redacts secrets in the arguments and the result it audits', async () => {
    const c = chat();
    const secret = `api_key=${SECRET}`;
    expect(await say(c, `/mcp everything echo {"message":"${secret}"}`)).toBe(`Echo: ${secret}`);
    const audit = await mcpAudit(c);
    expect(audit[0]).toMatchObject({ tool: 'mcp.everything.echo', decision: 'allowed' });
    expect(JSON.stringify(audit)).not.toContain(SECRET);
  });

  it('an ask call waits for approval, then runs once and posts its result to the chat', async () => {
    const c = chat();
    const target = path.join(shared, 'note.txt');
    const text = await say(c, `/mcp fs write_file ${JSON.stringify({ path: target, content: 'written after approval' })}`);
    const id = /Approval id: (\S+)\./.exec(text)?.[1];
    expect(id, text).toBeDefined();
    expect(existsSync(target)).toBe(false);
    const pending = await mycel.api('/api/approvals');
    expect(pending.body).toContainEqual(expect.objectContaining({ id, chatId: c, tool: 'mcp.fs.write_file' }));
    expect((await mycel.api(`/api/approvals/${id}`, { body: { decision: 'approve' } })).status).toBe(200);
    const posted = await waitFor(async () => (await listMessages(mycel.proc.store, { channel: 'web', chatId: c })).find((m) => m.text.startsWith(`Approved ${id}`)), 20_000);
    expect(posted.text).toMatch(/Successfully wrote/);
    expect(readFileSync(target, 'utf8')).toBe('written after approval');
    const audit = await mcpAudit(c);
    expect(audit[0]).toMatchObject({ tool: 'mcp.fs.write_file', decision: 'approved' });
  });

  it('a forbidden call is refused and nothing is called', async () => {
    const c = chat();
    const text = await say(c, '/mcp everything get-sum {"a":1,"b":2}');
    expect(text).toContain('refused');
    expect(text).not.toContain('3');
    const audit = await mcpAudit(c);
    expect(audit).toEqual([expect.objectContaining({ tool: 'mcp.everything.get-sum', decision: 'refused' })]);
  });

  it('arguments that fail the tool\'s schema are refused before the call, with the schema\'s message', async () => {
    const c = chat();
    const text = await say(c, '/mcp everything echo {"text":"no message"}');
    expect(text).toContain("must have required property 'message'");
    expect(text).toContain('Nothing was called');
    expect(await say(c, '/mcp everything echo {not json')).toContain('not valid JSON');
    const audit = await mcpAudit(c);
    expect(audit).toEqual([expect.objectContaining({ tool: 'mcp.everything.echo', decision: 'refused' })]);
  });

  it('an unknown server or tool gets a reply that says so, and nothing is called', async () => {
    const c = chat();
    expect(await say(c, '/mcp nowhere echo')).toMatch(/There is no MCP server "nowhere" \(configured: everything, web, fs, bad\)/);
    expect(await say(c, '/mcp everything no-such-tool')).toMatch(/has no tool "no-such-tool" \(its tools: .*echo/);
    expect(await mcpAudit(c)).toEqual([]);
  });

  it('gives a stdio server a minimal environment plus its entry\'s own, never Mycel\'s secrets', async () => {
    const text = await say(chat(), '/mcp everything get-env');
    const env = JSON.parse(text) as Record<string, string>;
    expect(env.MCP_TEST_VISIBLE).toBe('from-the-entry');
    expect(env.PATH).toBeTruthy();
    expect(text).not.toContain(SECRET);
    expect(Object.keys(env).filter((k) => /^(MYCEL_|TELEGRAM_|TEMPORAL_)/.test(k))).toEqual([]);
  });

  it('cuts off a server that never answers at its timeout, and does not send the call again', async () => {
    const before = logLines().filter((l) => l === 'hang').length;
    const text = await say(chat(), '/mcp bad hang');
    expect(text).toMatch(/did not answer hang within 1500 ms/);
    expect(logLines().filter((l) => l === 'hang').length).toBe(before + 1);
  });

  it('reports a call whose server crashed mid-call without sending it again, and starts the server again', async () => {
    const restartsBefore = hub().connection('bad')!.restarts;
    const text = await say(chat(), '/mcp bad crash');
    expect(text).toMatch(/went away during crash/);
    expect(text).toMatch(/not sent again/);
    expect(logLines().filter((l) => l === 'crash')).toHaveLength(1);
    await waitFor(() => (hub().connection('bad')!.state === 'connected' && hub().connection('bad')!.restarts > restartsBefore ? true : undefined), 20_000);
    const listed = await say(chat(), '/mcp');
    expect(listed).toMatch(/bad \(stdio\) — connected, restarted \d+×/);
  });

  it('sends an idempotent call again after its server crashed mid-call and came back', async () => {
    const connection = hub().connection('everything')!;
    const pid = connection.pid!;
    const c = chat();
    const reply = say(c, '/mcp everything trigger-long-running-operation {"duration":2,"steps":2}');
    await new Promise((r) => setTimeout(r, 700));
    process.kill(pid, 'SIGKILL');
    expect(await reply).toMatch(/Long running operation completed/);
    expect(connection.pid).not.toBe(pid);
  });

  it('reads the servers file again when it changes', async () => {
    writeFileSync(configFile, JSON.stringify(config({ later: { command: EVERYTHING, disabled: true } }), null, 2));
    const text = await say(chat(), '/mcp');
    expect(text).toMatch(/later \(stdio\) — disabled/);
    expect(text).toMatch(/everything \(stdio\) — connected/);
  });
});

describe('a model brain turn', () => {
  let model: StandIn;
  let modelMycel: TestMycel;

  beforeAll(async () => {
    model = await startOpenAIStandIn();
    writeFileSync(path.join(dir, 'model-mcp.json'), JSON.stringify({ mcpServers: { everything: { command: EVERYTHING } } }));
    writeFileSync(path.join(dir, 'model-policy.json'), JSON.stringify({ ...defaultPolicy(), tools: { 'mcp.everything.*': 'allow' } }));
    modelMycel = await startTestMycel({
      env: { MYCEL_MODEL: 'openai-compatible:stand-in', MYCEL_MODEL_BASE_URL: model.baseUrl, MYCEL_MCP_CONFIG: path.join(dir, 'model-mcp.json'), MYCEL_TOOLS_POLICY: path.join(dir, 'model-policy.json') },
    });
  }, 60_000);
  afterAll(async () => {
    await modelMycel?.stop();
    await model?.close();
  });

  it('calls an MCP tool offered with its JSON Schema, through the gate', async () => {
    const runtime = modelMycel.workerDeps().tools;
    await waitFor(() => (runtime.mcp.status()[0]?.state === 'connected' ? true : undefined), 30_000);
    const c = chat();
    const res = await modelMycel.api(`/api/chats/${c}/messages`, { body: { text: 'please echo blue whale through mcp' } });
    expect(res.body.reply).toContain('Echo: blue whale');
    const offered = model.requests[0]!.tools!.find((t) => t.function.name === 'mcp_everything_echo');
    expect(offered?.function.parameters).toMatchObject({ type: 'object', required: ['message'] });
    const audit = await modelMycel.api(`/api/audit?chatId=${c}`);
    expect(audit.body[0]).toMatchObject({ tool: 'mcp.everything.echo', decision: 'allowed', input: { message: 'blue whale' } });
  });
});
