import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { EMAIL_CAPABILITIES } from '../email/adapter.js';
import type { Store } from '../storage/database.js';
import { WHATSAPP_CAPABILITIES } from '../whatsapp/adapter.js';
import { parseReplyCommand, readReplyCommand, replyCommandCode, replyCommandsText, replyCommandWord, storeReplyCommands } from './reply-commands.js';

describe('reply commands', () => {
  it('give a message one stable, readable code and each choice a word', () => {
    const code = replyCommandCode('approval-request:ap-1:email:ada@example.test');
    expect(code).toMatch(/^[A-HJKMNP-Z2-9]{8}$/);
    expect(replyCommandCode('approval-request:ap-1:email:ada@example.test')).toBe(code);
    expect(replyCommandCode('approval-request:ap-2:email:ada@example.test')).not.toBe(code);
    expect(replyCommandWord('Approve')).toBe('APPROVE');
    expect(replyCommandWord('Not now!')).toBe('NOTNOW');
    expect(replyCommandsText([{ line: 'APPROVE ABCD-EFGH', label: 'Approve' }, { line: 'DENY ABCD-EFGH', label: 'Deny' }])).toBe(
      'To answer, reply with one of these lines (APPROVE or DENY):\nAPPROVE ABCD-EFGH\nDENY ABCD-EFGH',
    );
  });

  it('read the first line of a reply in any case, with or without the dash, and nothing else', () => {
    expect(parseReplyCommand('APPROVE ABCD-EFGH')).toBe('b:ABCDEFGH.APPROVE');
    expect(parseReplyCommand('yes3 ABCD-EFGH')).toBe('b:ABCDEFGH.YES3');
    expect(parseReplyCommand('\n  deny abcdefgh.\n\nOn … wrote:')).toBe('b:ABCDEFGH.DENY');
    expect(parseReplyCommand('please APPROVE ABCD-EFGH')).toBeUndefined();
    expect(parseReplyCommand('/remind 5m tea')).toBeUndefined();
    expect(parseReplyCommand('call 0123-4567')).toBeUndefined();
  });

  it('turn a turn into a press only on a channel that offers them', () => {
    const turn = { kind: 'turn' as const, chatId: 'a@x.test', userId: 'a@x.test', text: 'APPROVE ABCD-EFGH', sequence: null };
    expect(readReplyCommand(EMAIL_CAPABILITIES, turn)).toMatchObject({ kind: 'button', buttonId: 'b:ABCDEFGH.APPROVE' });
    expect(readReplyCommand(WHATSAPP_CAPABILITIES, turn)).toBe(turn);
    expect(readReplyCommand(EMAIL_CAPABILITIES, { ...turn, text: 'hello' })).toEqual({ ...turn, text: 'hello' });
  });
});

describe.each(testDialects())('reply commands stored on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
  });
  afterAll(() => dispose());

  it('store each choice as a button its line presses, two same-lettered labels as two commands', async () => {
    const key = 'memory-question:q-1';
    const commands = await storeReplyCommands(store, 'email', EMAIL_CAPABILITIES, {
      chatId: 'ada@example.test',
      key,
      buttons: [
        { text: 'Yes!', data: 'sig:wf-1:answer:yes' },
        { text: 'Yes?', data: 'sig:wf-1:answer:maybe' },
      ],
    });
    const code = replyCommandCode(key);
    expect(commands.map((c) => c.line)).toEqual([`YES ${code.slice(0, 4)}-${code.slice(4)}`, `YES2 ${code.slice(0, 4)}-${code.slice(4)}`]);
    const rows = await store.db.selectFrom('channel_buttons').select(['id', 'data']).where('channel', '=', 'email').where('message_key', '=', key).orderBy('data').execute();
    expect(rows).toEqual([
      { id: parseReplyCommand(commands[1]!.line)!.slice(2), data: 'sig:wf-1:answer:maybe' },
      { id: parseReplyCommand(commands[0]!.line)!.slice(2), data: 'sig:wf-1:answer:yes' },
    ]);
  });
});
