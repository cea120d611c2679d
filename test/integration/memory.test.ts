import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryRetentionScheduleId } from '../../src/memory/schedule.js';
import { startTestMycel, testDialects, type TestMycel } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

const newChat = () => `mem-${randomBytes(4).toString('hex')}`;


describe.each(testDialects())('memory through the HTTP API on $name', (dialect) => {
  let mycel: TestMycel;
  const say = async (chat: string, text: string): Promise<string> => {
    const res = await mycel.api(`/api/chats/${chat}/messages`, { body: { text } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.reply as string;
  };

  beforeAll(async () => {
    // Questions time out after 2 s here, so the timeout path is observable.
    mycel = await startTestMycel({ dialect, env: { MYCEL_MEMORY_QUESTION_TIMEOUT: '2' } });
  });
  afterAll(() => mycel?.stop());

  it('remembers from chat, lists with provenance, answers a question, and keeps chats apart', async () => {
    const chat = newChat();
    const other = newChat();
    expect(await say(chat, "/remember my sister's birthday is May 3")).toMatch(/I'll remember \(m-/);
    const list = await mycel.api(`/api/chats/${chat}/memories`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^m-/),
        text: "my sister's birthday is May 3",
        confidence: 1,
        kind: 'event',
        validTo: null,
        retention: 'standard',
        provenance: expect.objectContaining({
          channel: 'web',
          chatId: chat,
          source: 'command',
          sourceText: "/remember my sister's birthday is May 3",
          updateId: expect.any(String),
          workflowId: `chat-web-${chat}`,
          runId: expect.any(String),
          at: expect.any(String),
        }),
      }),
    ]);
    expect(await say(chat, "When is my sister's birthday?")).toMatch(/^Your sister's birthday is May 3\./);
    expect(await say(other, "When is my sister's birthday?")).toMatch(/I don't know/);
    expect((await mycel.api(`/api/chats/${other}/memories`)).body).toEqual([]);
    expect((await mycel.api(`/api/chats/${other}/memories?search=sister`)).body).toEqual([]);
    expect((await mycel.api(`/api/chats/${other}/memories/${list.body[0].id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await mycel.api(`/api/chats/${chat}/memories?search=birthday`)).body[0]).toMatchObject({ id: list.body[0].id, score: expect.any(Number) });
  });

  it('deletes through the API for real (404 when unknown), audits who/what/when, and never recalls it again', async () => {
    const chat = newChat();
    await say(chat, '/remember my locker code is 4711');
    const [fact] = (await mycel.api(`/api/chats/${chat}/memories`)).body;
    const res = await mycel.api(`/api/chats/${chat}/memories/${fact.id}`, { method: 'DELETE' });
    expect(res).toEqual({ status: 200, body: { id: fact.id, deleted: true } });
    expect((await mycel.api(`/api/chats/${chat}/memories/${fact.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await mycel.api(`/api/chats/${chat}/memories/m-nope`, { method: 'DELETE' })).status).toBe(404);
    expect((await mycel.api(`/api/chats/${chat}/memories?history=true`)).body).toEqual([]);
    expect((await mycel.api(`/api/chats/${chat}/memories?search=locker`)).body).toEqual([]);
    expect(await say(chat, 'what is my locker code?')).toMatch(/I don't know/);
    const audit = await mycel.api(`/api/chats/${chat}/memory-deletions`);
    expect(audit.body).toEqual([{ id: `del-${fact.id}`, at: expect.any(String), factId: fact.id, deletedBy: 'api', reason: 'forget' }]);
    expect(JSON.stringify(audit.body)).not.toContain('4711');
  });

  it('forgets from chat with /forget and, after confirmation, everything', async () => {
    const chat = newChat();
    await say(chat, '/remember I like green tea');
    await say(chat, '/remember my cat is called Tom');
    const listed = await say(chat, '/memories');
    const id = /• (m-[0-9a-z]{10}) — I like green tea/.exec(listed)![1]!;
    expect(await say(chat, `/forget ${id}`)).toBe(`Forgotten: ${id} is deleted for good.`);
    const prompt = await say(chat, '/forget all');
    const code = /\/forget all ([0-9a-f]+)/.exec(prompt)![1]!;
    expect((await mycel.api(`/api/chats/${chat}/memories`)).body).toHaveLength(1);
    expect(await say(chat, `/forget all ${code}`)).toMatch(/forgot all 1 facts/);
    expect((await mycel.api(`/api/chats/${chat}/memories?history=true`)).body).toEqual([]);
    expect((await mycel.api(`/api/chats/${chat}/memories`, { method: 'DELETE' })).status).toBe(400);
  });

  it('asks when two stated facts disagree, posts the question to the chat, and applies the answer given by API', async () => {
    const chat = newChat();
    await say(chat, 'my gym is FitX');
    const reply = await say(chat, 'my gym is McFit');
    const questionId = /question (q-[0-9a-z]{8})/.exec(reply)![1]!;
    const posted = await waitFor(async () => {
      const transcript = await mycel.api(`/api/chats/${chat}/messages`);
      return transcript.body.find((m: { kind?: string; text: string }) => m.kind === 'memory' && m.text.includes(questionId));
    });
    expect(posted.text).toMatch(/1\. my gym is FitX[\s\S]*2\. my gym is McFit[\s\S]*\/confirm/);
    const pending = await mycel.api(`/api/chats/${chat}/memory-questions`);
    expect(pending.body).toEqual([expect.objectContaining({ id: questionId, status: 'pending', older: expect.objectContaining({ text: 'my gym is FitX' }), newer: expect.objectContaining({ text: 'my gym is McFit' }) })]);
    const answered = await mycel.api(`/api/chats/${chat}/memory-questions/${questionId}`, { body: { choice: 1 } });
    expect(answered.status).toBe(200);
    expect((await mycel.api(`/api/chats/${chat}/memory-questions/${questionId}`, { body: { choice: 2 } })).status).toBe(409);
    expect((await mycel.api(`/api/chats/${chat}/memory-questions/q-00000000`, { body: { choice: 2 } })).status).toBe(404);
    const current = await waitFor(async () => {
      const facts = (await mycel.api(`/api/chats/${chat}/memories`)).body as Array<{ text: string }>;
      return facts.length === 1 ? facts : undefined;
    });
    expect(current.map((f) => f.text)).toEqual(['my gym is FitX']);
    const all = (await mycel.api(`/api/chats/${chat}/memories?history=true`)).body as Array<{ text: string; validTo: string | null; closedBy: string | null }>;
    expect(all.find((f) => f.text === 'my gym is McFit')).toMatchObject({ validTo: expect.any(String), closedBy: questionId });
    expect(await say(chat, 'what is my gym?')).toMatch(/^Your gym is FitX\./);
  });

  it('keeps the newer fact when a question times out, and answers by chat with /confirm', async () => {
    const chat = newChat();
    await say(chat, 'my barber is Tony');
    const first = /question (q-[0-9a-z]{8})/.exec(await say(chat, 'my barber is Luigi'))![1]!;
    const outcome = await waitFor(async () => {
      const transcript = await mycel.api(`/api/chats/${chat}/messages`);
      return transcript.body.find((m: { kind?: string; text: string }) => m.kind === 'memory' && m.text.startsWith(`Nobody answered question ${first}`));
    });
    expect(outcome.text).toContain('my barber is Luigi');
    expect((await mycel.api(`/api/chats/${chat}/memories`)).body.map((f: { text: string }) => f.text)).toEqual(['my barber is Luigi']);
    expect(await say(chat, `/confirm ${first} 1`)).toMatch(/timed out/);
  });

  it('creates the retention schedule at worker start; a run deletes expired facts', async () => {
    const handle = mycel.proc.client.schedule.getHandle(memoryRetentionScheduleId(mycel.config.temporal.taskQueue));
    const described = await handle.describe();
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'memoryRetentionWorkflow' });
    const chat = newChat();
    await say(chat, "/remember short: I'm in Lisbon this week");
    await say(chat, '/remember permanent: my blood type is 0+');
    await mycel.proc.store.db.updateTable('memory_facts').set({ expires_at: '2000-01-01T00:00:00.000Z' }).where('chat_id', '=', chat).where('retention', '=', 'short').execute();
    await handle.trigger();
    await waitFor(async () => ((await mycel.api(`/api/chats/${chat}/memories`)).body.length === 1 ? true : undefined));
    expect((await mycel.api(`/api/chats/${chat}/memories`)).body.map((f: { text: string }) => f.text)).toEqual(['my blood type is 0+']);
    expect((await mycel.api(`/api/chats/${chat}/memory-deletions`)).body).toEqual([expect.objectContaining({ deletedBy: 'retention', reason: 'retention' })]);
  });

  it('creates facts through the API idempotently on "key"', async () => {
    const chat = newChat();
    const body = { text: 'I prefer window seats', key: 'k1' };
    const a = await mycel.api(`/api/chats/${chat}/memories`, { body });
    const b = await mycel.api(`/api/chats/${chat}/memories`, { body });
    expect(a.status).toBe(201);
    expect(b.body.memory.id).toBe(a.body.memory.id);
    expect(a.body).toMatchObject({ status: 'stored', memory: { kind: 'preference', provenance: { source: 'api' } } });
    expect((await mycel.api(`/api/chats/${chat}/memories`)).body).toHaveLength(1);
    expect((await mycel.api(`/api/chats/${chat}/memories`, { body: { text: '' } })).status).toBe(400);
  });
});
