import { describe, expect, it } from 'vitest';
import { EMAIL_CAPABILITIES } from '../email/adapter.js';
import { WHATSAPP_CAPABILITIES } from '../whatsapp/adapter.js';
import { parseReplyCommand, readReplyCommand, replyCommandCode, replyCommandsText, replyCommandWord } from './reply-commands.js';

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
