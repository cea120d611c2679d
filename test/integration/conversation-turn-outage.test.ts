import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countersQuery } from '../../src/workflows/definitions.js';
import { CuttableProxy } from '../support/cuttable-proxy.js';
import { POSTGRES_URL, testDialects } from '../support/databases.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { checkAndRecordHistory } from '../support/histories.js';
import { startOpenAIStandIn, type StandIn } from '../support/openai-stand-in.js';

/**
 * A database that goes away *after* the conversation took a message (while the model thinks
 * it through): PostgreSQL sits behind a TCP proxy that the model stand-in cuts as the turn's
 * request reaches it. The turn cannot be recorded: the sender gets 503 with `Retry-After` and
 * a clear error (not 400), nothing of the turn is kept, and once the database is back the
 * same message (same messageId) is answered exactly once, with the next turn number: the
 * chat's turn numbers stay gapless.
 */
describe.skipIf(!POSTGRES_URL)('a database outage during an accepted turn', () => {
  let mycel: TestMycel;
  let proxy: CuttableProxy;
  let standIn: StandIn;
  let dispose: () => Promise<void>;
  const chat = `turn-outage-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const db = await testDialects()
      .find((d) => d.name === 'postgres')!
      .create();
    dispose = db.dispose;
    const real = new URL(db.url);
    proxy = new CuttableProxy({ host: real.hostname, port: Number(real.port || 5432) });
    await proxy.start();
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    standIn = await startOpenAIStandIn();
    mycel = await startTestMycel({ databaseUrl: viaProxy.toString(), env: { MYCEL_MODEL: 'openai-compatible:stand-in', MYCEL_MODEL_BASE_URL: standIn.baseUrl } });
  });
  afterAll(async () => {
    await mycel?.stop();
    await standIn?.close();
    await dispose?.();
  });

  it('answers 503 with Retry-After, keeps nothing, and answers the resent message once with the next turn number', async () => {
    const send = (text: string, messageId: string) => mycel.api(`/api/chats/${chat}/messages`, { body: { text, messageId } });
    expect((await send('first words', 'm-1')).body).toMatchObject({ reply: 'You said: first words', turn: 1 });

    // The database goes away once the turn was accepted and its context read: only the record is left.
    let cutDuring = '';
    standIn.beforeNextTurn(async (body) => {
      cutDuring = JSON.stringify(body.messages.at(-1));
      await proxy.cut();
    });
    const res = await fetch(`${mycel.url}/api/chats/${chat}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'second words', messageId: 'm-2' }),
    });
    const text = await res.text();
    expect(cutDuring).toContain('second words');
    expect(res.status, text).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = JSON.parse(text) as { error: string; hint?: string };
    expect(body.error).toMatch(/^database unavailable/);
    expect(body.hint).toMatch(/retry/);
    expect(text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|postgres:\/\//);

    await proxy.start();
    // The same message again: answered once, with the number the failed attempt gave back.
    const resent = await send('second words', 'm-2');
    expect(resent.status, JSON.stringify(resent.body)).toBe(200);
    expect(resent.body).toEqual({ reply: 'You said: second words', turn: 2 });
    const repeat = await send('second words', 'm-2');
    expect(repeat.body).toEqual({ reply: 'You said: second words', turn: 2 });
    expect((await send('third words', 'm-3')).body).toMatchObject({ reply: 'You said: third words', turn: 3 });

    const handle = mycel.proc.client!.workflow.getHandle(`chat-web-${chat}`);
    expect((await handle.query(countersQuery)).turns).toBe(3);
    const lines = await mycel.proc.store!.db.selectFrom('messages').select(['role', 'text', 'turn']).where('chat_id', '=', chat).orderBy('id').execute();
    expect(lines.map((l) => [l.turn, l.role, l.text])).toEqual([
      [1, 'user', 'first words'],
      [1, 'assistant', 'You said: first words'],
      [2, 'user', 'second words'],
      [2, 'assistant', 'You said: second words'],
      [3, 'user', 'third words'],
      [3, 'assistant', 'You said: third words'],
    ]);
    await checkAndRecordHistory(handle, 'conversation-record-outage');
  });
});
