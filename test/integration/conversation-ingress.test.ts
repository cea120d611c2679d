import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { submitTurn, TurnLanes, TurnTimeoutError } from '../../src/conversation/ingress.js';
import { listMessages } from '../../src/conversation/transcript.js';
import { ENVELOPE_VERSION, type Envelope } from '../../src/shared/envelope.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';

function envelope(chatId: string, text: string, id = randomBytes(4).toString('hex'), sequence: number | null = null): Envelope {
  return {
    v: ENVELOPE_VERSION,
    channel: 'web',
    chatId,
    userId: 'tester',
    updateId: `web:test:${id}`,
    sequence,
    requestId: `req-${id}`,
    text,
    receivedAt: new Date().toISOString(),
  };
}

describe('conversation ingress (submitTurn) against the dev server', () => {
  let mycel: TestMycel;
  beforeAll(async () => {
    mycel = await startTestMycel({ parts: { embedded: false, worker: true, gateway: false } });
  });
  afterAll(() => mycel?.stop());

  /** Shared by every call, as a process shares its ingress's lanes. */
  const lanes = new TurnLanes();
  const opts = () => ({ taskQueue: mycel.config.temporal.taskQueue, store: mycel.proc.store, metrics: mycel.proc.metrics, lanes });

  it('creates the chat workflow with the first message and answers with the offline brain', async () => {
    const chatId = `c-${randomBytes(3).toString('hex')}`;
    const first = await submitTurn(mycel.proc.client, opts(), envelope(chatId, '/start'));
    expect(first).toMatchObject({ turn: 1, duplicate: false, workflowId: `chat-web-${chatId}` });
    expect(first.reply).toMatch(/Mycel/);
    const second = await submitTurn(mycel.proc.client, opts(), envelope(chatId, '/nosuchcommand'));
    expect(second.turn).toBe(2);
    expect(second.reply).toMatch(/don't know the command \/nosuchcommand/);
    const lines = await listMessages(mycel.proc.store, { channel: 'web', chatId });
    expect(lines.map((l) => [l.role, l.turn])).toEqual([
      ['user', 1],
      ['assistant', 1],
      ['user', 2],
      ['assistant', 2],
    ]);
  });

  it('logs every turn with chatId, updateId, workflowId and runId', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination });
    const chatId = `log-${randomBytes(3).toString('hex')}`;
    const e = envelope(chatId, '/help', 'log1');
    const result = await submitTurn(mycel.proc.client, { ...opts(), logger }, e);
    await submitTurn(mycel.proc.client, { ...opts(), logger }, { ...e, requestId: 'again' });
    const answered = lines.find((l) => l.msg === 'turn answered');
    expect(answered).toMatchObject({ chatId, updateId: e.updateId, workflowId: `chat-web-${chatId}`, runId: result.runId, turn: 1 });
    const duplicate = lines.find((l) => String(l.msg).startsWith('duplicate message dropped'));
    expect(duplicate).toMatchObject({ chatId, updateId: e.updateId, workflowId: `chat-web-${chatId}`, turn: 1 });
  });

  it('answers TurnTimeoutError when no worker takes the turn in time, for queued messages too', async () => {
    const chatId = `timeout-${randomBytes(3).toString('hex')}`;
    const nobody = { taskQueue: `nobody-polls-${randomBytes(3).toString('hex')}`, timeoutMs: 1_500, lanes };
    const started = Date.now();
    const [first, second] = await Promise.allSettled([
      submitTurn(mycel.proc.client, nobody, envelope(chatId, 'one')),
      submitTurn(mycel.proc.client, nobody, envelope(chatId, 'two')),
    ]);
    expect(first.status === 'rejected' && first.reason).toBeInstanceOf(TurnTimeoutError);
    expect(second.status === 'rejected' && second.reason).toBeInstanceOf(TurnTimeoutError);
    expect(Date.now() - started).toBeLessThan(10_000);
    await mycel.proc.client.workflow.getHandle(`chat-web-${chatId}`).terminate('test cleanup');
  });
});
