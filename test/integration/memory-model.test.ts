import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMycel, type TestMycel } from '../support/harness.js';

/**
 * A stand-in for an OpenAI-compatible model server: the conversation's brain calls get a
 * plain reply; the memory extraction call (recognized by its system prompt) gets the facts
 * the test wants proposed. Every request body is kept for assertions.
 */
function fakeModelServer(proposals: () => unknown[]) {
  const requests: Array<{ messages: Array<{ role: string; content: unknown }> }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { stream?: boolean; messages: Array<{ role: string; content: unknown }> };
      requests.push(parsed);
      const system = JSON.stringify(parsed.messages.find((m) => m.role === 'system')?.content ?? '');
      const content = system.includes('extract durable facts') ? JSON.stringify({ facts: proposals() }) : 'Nice to hear that!';
      if (parsed.stream) {
        // The brain streams its turns: the same answer as one chunk of server-sent events.
        const chunk = (delta: object, finish: string | null, usage?: object) =>
          `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'fake', choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
        res.setHeader('content-type', 'text/event-stream');
        res.end(`${chunk({ role: 'assistant', content }, null)}${chunk({}, 'stop', { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 })}data: [DONE]\n\n`);
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1,
          model: 'fake',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
  });
  return { server, requests };
}

describe('memory with a model brain', () => {
  let mycel: TestMycel;
  const fake = fakeModelServer(() => [
    { text: 'my daughter plays the violin', subject: "daughter's instrument", value: 'violin', kind: 'fact', confidence: 0.9 },
    { text: 'I might visit Rome', subject: null, value: null, kind: 'other', confidence: 0.5 },
  ]);

  beforeAll(async () => {
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const port = (fake.server.address() as AddressInfo).port;
    mycel = await startTestMycel({
      env: { MYCEL_MODEL: 'openai-compatible:fake', MYCEL_MODEL_BASE_URL: `http://127.0.0.1:${port}/v1`, MYCEL_MEMORY_MIN_CONFIDENCE: '0.7' },
    });
  });
  afterAll(async () => {
    await mycel?.stop();
    await new Promise((resolve) => fake.server.close(resolve));
  });

  it('extracts facts after a turn, stores only those above the threshold, and feeds them into later turns', async () => {
    const chat = `model-${randomBytes(4).toString('hex')}`;
    const first = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'My daughter started violin lessons, maybe we visit Rome next year.' } });
    expect(first.body.reply).toBe('Nice to hear that!');
    const deadline = Date.now() + 20_000;
    let facts: Array<{ text: string; confidence: number; provenance: { source: string; sourceText: string } }> = [];
    while (Date.now() < deadline && facts.length === 0) {
      facts = (await mycel.api(`/api/chats/${chat}/memories`)).body;
      if (!facts.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(facts).toEqual([
      expect.objectContaining({
        text: 'my daughter plays the violin',
        confidence: 0.9,
        provenance: expect.objectContaining({ source: 'extraction', sourceText: 'My daughter started violin lessons, maybe we visit Rome next year.' }),
      }),
    ]);

    await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'Which instrument does my daughter play?' } });
    const brainCalls = fake.requests.filter((r) => !JSON.stringify(r.messages[0]?.content ?? '').includes('extract durable facts'));
    expect(JSON.stringify(brainCalls.at(-1))).toContain('my daughter plays the violin');
  });
});
