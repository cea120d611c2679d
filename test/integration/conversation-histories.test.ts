import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitTurn, turnOptionsFromConfig, TurnLanes } from '../../src/conversation/ingress.js';
import { ENVELOPE_VERSION, type Channel, type Envelope } from '../../src/shared/envelope.js';
import { countersQuery } from '../../src/workflows/definitions.js';
import { checkAndRecordHistory } from '../support/histories.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';

/**
 * Drives representative conversations (commands, a tool call, repeats, out-of-order
 * arrivals, a pushing channel, Continue-As-New) and replays each history against the
 * current workflow code. `MYCEL_RECORD_HISTORIES=1` also writes them to
 * test/replay/histories/ for the replay suite (see docs/workflow-changes.md).
 */
function envelope(channel: Channel, chatId: string, id: string, text: string, sequence: number | null = null): Envelope {
  return { v: ENVELOPE_VERSION, channel, chatId, userId: 'u1', updateId: `${channel}:test:${id}`, sequence, requestId: `r-${randomBytes(3).toString('hex')}`, text, receivedAt: new Date().toISOString() };
}

describe('conversation histories replay against the current workflow code', () => {
  let mycel: TestMycel;
  beforeAll(async () => {
    mycel = await startTestMycel({ parts: { embedded: false, worker: true, gateway: false }, env: { MYCEL_CONVERSATION_TURNS_PER_RUN: '3' } });
  });
  afterAll(() => mycel?.stop());

  const lanes = new TurnLanes();
  const send = (e: Envelope, store = true) =>
    submitTurn(mycel.proc.client, { ...turnOptionsFromConfig(mycel.config), lanes, ...(store ? { store: mycel.proc.store } : {}) }, e);

  it('a conversation with commands, a tool call and repeats (web)', async () => {
    const chat = `hist-${randomBytes(3).toString('hex')}`;
    await send(envelope('web', chat, 'h1', '/start'));
    await send(envelope('web', chat, 'h2', '/timezone Europe/Berlin'));
    const repeat = await send(envelope('web', chat, 'h2', '/timezone Europe/Berlin'), false);
    expect(repeat.turn).toBe(2);
    const handle = mycel.proc.client.workflow.getHandle(`chat-web-${chat}`);
    expect((await handle.fetchHistory()).events!.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runTool')).toBe(true);
    await checkAndRecordHistory(handle, 'conversation-web-commands');
  });

  it('a pushing channel with sequence numbers, one out of order (telegram)', async () => {
    const chat = `${Math.floor(Math.random() * 1e9)}`;
    const first = await send(envelope('telegram', chat, 'h1', '/help', 100));
    await send(envelope('telegram', chat, 'h2', '/nosuchcommand', 102));
    const late = await send(envelope('telegram', chat, 'h3', '/timezone', 101));
    expect(late.outOfOrder).toBe(true);
    const client = mycel.proc.client;
    expect(await client.workflow.getHandle(`chat-telegram-${chat}`).query(countersQuery)).toMatchObject({ outOfOrder: 1, expectedSequence: 103 });
    // The third turn reached the run's turn limit: record the run that answered them.
    await checkAndRecordHistory(client.workflow.getHandle(`chat-telegram-${chat}`, first.runId), 'conversation-telegram-sequence');
  });

  it('a conversation that continues as new, with a repeat of an earlier run', async () => {
    const chat = `hist-can-${randomBytes(3).toString('hex')}`;
    const first = await send(envelope('web', chat, 'c1', '/start'));
    await send(envelope('web', chat, 'c2', '/help'));
    await send(envelope('web', chat, 'c3', '/timezone UTC'));
    const carried = await send(envelope('web', chat, 'c4', '/timezone'));
    expect(carried.runId).not.toBe(first.runId);
    const repeat = await send(envelope('web', chat, 'c1', '/start'), false);
    expect(repeat).toMatchObject({ turn: 1, duplicate: true });
    const client = mycel.proc.client;
    await checkAndRecordHistory(client.workflow.getHandle(`chat-web-${chat}`, first.runId), 'conversation-continue-as-new-first-run');
    await checkAndRecordHistory(client.workflow.getHandle(`chat-web-${chat}`), 'conversation-continue-as-new-next-run');
  });
});
