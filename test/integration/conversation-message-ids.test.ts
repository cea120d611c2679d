import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../../src/conversation/transcript.js';
import { startTestMycel, testDialects, type TestMycel } from '../support/harness.js';

/**
 * A client's `messageId` is an idempotency key within its chat (**contract**): the same id
 * again with the same text returns the same reply; with other text it answers 409 with the
 * first reply's turn; the same id in another chat is another message.
 */
const newChat = () => `ids-${randomBytes(4).toString('hex')}`;

describe.each(testDialects())('messageId in the chat API on $name', (dialect) => {
  let mycel: TestMycel;
  beforeAll(async () => {
    mycel = await startTestMycel({ dialect });
  });
  afterAll(() => mycel?.stop());

  const send = (chat: string, text: string, messageId: string) => mycel.api(`/api/chats/${chat}/messages`, { body: { text, messageId } });
  const userLines = async (chat: string) => (await listMessages(mycel.proc.store, { channel: 'web', chatId: chat })).filter((l) => l.role === 'user').map((l) => l.text);

  it('takes the same messageId in another chat as a new message of that chat (the README\'s "m-1")', async () => {
    const [a, b] = [newChat(), newChat()];
    const first = await send(a, '/help', 'm-1');
    expect(first.status).toBe(200);
    const other = await send(b, '/tools', 'm-1');
    expect(other.status).toBe(200);
    expect(other.body.turn).toBe(1);
    expect(other.body.reply).not.toBe(first.body.reply);
    expect(await userLines(b)).toEqual(['/tools']);
    expect(await userLines(a)).toEqual(['/help']);
  });

  it('returns the first reply for the same id and text, and 409 with the first turn for other text; nothing new is stored', async () => {
    const chat = newChat();
    expect((await send(chat, '/start', 'm-0')).status).toBe(200);
    const first = await send(chat, '/help', 'm-1');
    expect([first.status, first.body.turn]).toEqual([200, 2]);
    const again = await send(chat, '/help', 'm-1');
    expect(again).toEqual({ status: 200, body: first.body });
    const changed = await send(chat, '/tools', 'm-1');
    expect(changed.status).toBe(409);
    expect(changed.body).toMatchObject({ turn: 2, error: expect.stringMatching(/already used in this chat for a different text/), hint: expect.stringMatching(/new messageId/) });
    expect(await userLines(chat)).toEqual(['/start', '/help']);
    // The chat goes on with gapless turns.
    expect((await send(chat, '/tools', 'm-2')).body.turn).toBe(3);
  });

  it('refuses the second of two concurrent messages with one id and different texts', async () => {
    const chat = newChat();
    const answers = await Promise.all([send(chat, '/help', 'same'), send(chat, '/tools', 'same')]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const taken = answers.find((a) => a.status === 200)!;
    expect(answers.find((a) => a.status === 409)!.body.turn).toBe(taken.body.turn);
    expect(await userLines(chat)).toHaveLength(1);
  });
});
