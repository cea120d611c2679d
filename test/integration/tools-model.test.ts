import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/tools/policy.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';

interface ChatRequest {
  stream?: boolean;
  messages: Array<{ role: string; content: unknown; tool_calls?: unknown[] }>;
  tools?: Array<{ function: { name: string } }>;
}

/**
 * A scripted OpenAI-compatible model: the first call of a turn asks for the shell tool with
 * the command the test chose; the next call (which carries the tool's result) answers in text.
 */
function scriptedModel(command: () => string) {
  const requests: ChatRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const parsed = JSON.parse(body) as ChatRequest;
      requests.push(parsed);
      const last = parsed.messages.at(-1);
      const message =
        last?.role === 'tool'
          ? { role: 'assistant', content: `tool said: ${JSON.stringify(last.content)}` }
          : {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: `call_${requests.length}`, type: 'function', function: { name: 'shell', arguments: JSON.stringify({ command: command() }) } }],
            };
      const finish = last?.role === 'tool' ? 'stop' : 'tool_calls';
      if (parsed.stream) {
        // The brain streams its turns: the same answer as one chunk of server-sent events.
        const delta = { ...message, ...(message.tool_calls ? { tool_calls: message.tool_calls.map((c, index) => ({ index, ...c })) } : {}) };
        const chunk = (d: object, f: string | null, usage?: object) =>
          `data: ${JSON.stringify({ id: `chatcmpl-${requests.length}`, object: 'chat.completion.chunk', created: 1, model: 'fake', choices: [{ index: 0, delta: d, finish_reason: f }], ...(usage ? { usage } : {}) })}\n\n`;
        res.setHeader('content-type', 'text/event-stream');
        res.end(`${chunk(delta, null)}${chunk({}, finish, { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 })}data: [DONE]\n\n`);
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          id: `chatcmpl-${requests.length}`,
          object: 'chat.completion',
          created: 1,
          model: 'fake',
          choices: [{ index: 0, message, finish_reason: last?.role === 'tool' ? 'stop' : 'tool_calls' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
  });
  return { server, requests };
}

describe('a model brain tool call', () => {
  let mycel: TestMycel;
  let command = 'echo hi';
  const model = scriptedModel(() => command);

  beforeAll(async () => {
    await new Promise<void>((resolve) => model.server.listen(0, '127.0.0.1', resolve));
    const port = (model.server.address() as AddressInfo).port;
    mycel = await startTestMycel({ env: { MYCEL_MODEL: 'openai-compatible:fake', MYCEL_MODEL_BASE_URL: `http://127.0.0.1:${port}/v1` } });
  });
  afterAll(async () => {
    await mycel?.stop();
    await new Promise((resolve) => model.server.close(resolve));
  });

  it('goes through the same gate: a forbidden command is refused, audited, and nothing runs', async () => {
    const sandbox = loadPolicy(mycel.config.toolsPolicyPath).sandboxPath;
    writeFileSync(path.join(sandbox, 'important.txt'), 'keep me');
    command = 'rm important.txt';
    const chat = `model-tools-${randomBytes(3).toString('hex')}`;
    const res = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'please delete important.txt' } });
    expect(res.status).toBe(200);
    expect(res.body.reply).toContain('refused');
    expect(existsSync(path.join(sandbox, 'important.txt'))).toBe(true);
    const audit = await mycel.api(`/api/audit?chatId=${chat}`);
    expect(audit.body[0]).toMatchObject({ tool: 'shell', decision: 'refused', input: { command: 'rm important.txt' } });
    // The model was offered the tool, and got the refusal back as data.
    expect(model.requests[0]!.tools?.map((t) => t.function.name)).toContain('shell');
  });

  it('runs an allowed command and returns its output to the model as data', async () => {
    command = 'echo from-the-model';
    const chat = `model-tools-${randomBytes(3).toString('hex')}`;
    const res = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'say something' } });
    expect(res.body.reply).toContain('from-the-model');
    const audit = await mycel.api(`/api/audit?chatId=${chat}`);
    expect(audit.body[0]).toMatchObject({ tool: 'shell', decision: 'allowed' });
  });

  it('asks the owner for a command that needs approval, without running it', async () => {
    command = 'touch model-made.txt';
    const chat = `model-tools-${randomBytes(3).toString('hex')}`;
    const res = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'make a file' } });
    expect(res.body.reply).toMatch(/approval/);
    const pending = await mycel.api('/api/approvals');
    expect(pending.body.find((a: { chatId: string }) => a.chatId === chat)).toMatchObject({ tool: 'shell', input: { command: 'touch model-made.txt' } });
    expect(existsSync(path.join(loadPolicy(mycel.config.toolsPolicyPath).sandboxPath, 'model-made.txt'))).toBe(false);
  });
});
