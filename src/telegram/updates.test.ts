import { describe, expect, it } from 'vitest';
import { classifyUpdate, toEnvelope, updateSchema } from './updates.js';

const from = { id: 42, is_bot: false, first_name: 'Ada' };
const chat = { id: 42, type: 'private' as const };
const msg = (extra: Record<string, unknown>, id = 7) => updateSchema.parse({ update_id: 1000 + id, message: { message_id: id, date: 1_700_000_000, chat, from, ...extra } });

describe('classifyUpdate', () => {
  it('turns text into a turn and keeps commands for this bot, stripping the @name', () => {
    expect(classifyUpdate(msg({ text: 'hello' }), 'MycelBot')).toMatchObject({ kind: 'turn', text: 'hello' });
    expect(classifyUpdate(msg({ text: '/remind@mycelbot 10m tea' }), 'MycelBot')).toMatchObject({ kind: 'turn', text: '/remind 10m tea' });
    expect(classifyUpdate(msg({ text: '/help@OtherBot' }), 'MycelBot')).toMatchObject({ kind: 'ignore', reason: expect.stringContaining('another bot') });
  });

  it('takes a caption as the text, and answers media without one with a note', () => {
    expect(classifyUpdate(msg({ photo: [{}], caption: 'what is this' }), 'b')).toMatchObject({ kind: 'turn', text: 'what is this' });
    expect(classifyUpdate(msg({ photo: [{}] }), 'b')).toMatchObject({ kind: 'media', media: 'photo' });
    expect(classifyUpdate(msg({ sticker: { emoji: '👍' } }), 'b')).toMatchObject({ kind: 'media', media: 'sticker' });
  });

  it('ignores edits, channel posts, bots and service messages on purpose', () => {
    const edit = updateSchema.parse({ update_id: 1, edited_message: { message_id: 1, date: 1, chat, from, text: 'x' } });
    expect(classifyUpdate(edit, 'b').kind).toBe('ignore');
    const post = updateSchema.parse({ update_id: 2, channel_post: { message_id: 1, date: 1, chat: { id: -100, type: 'channel' }, text: 'x' } });
    expect(classifyUpdate(post, 'b').kind).toBe('ignore');
    expect(classifyUpdate(msg({ from: { ...from, is_bot: true }, text: 'hi' }), 'b').kind).toBe('ignore');
    expect(classifyUpdate(msg({ new_chat_members: [from] }), 'b').kind).toBe('ignore');
  });

  it('rejects malformed updates at the boundary', () => {
    expect(updateSchema.safeParse({ update_id: 'x' }).success).toBe(false);
    expect(updateSchema.safeParse({ update_id: 5, message: { text: 5 } }).success).toBe(false);
  });
});

describe('toEnvelope', () => {
  it('keys the turn on the update id and sequences it by message id', () => {
    const update = msg({ text: 'hi' }, 9);
    const c = classifyUpdate(update, 'b');
    if (c.kind !== 'turn') throw new Error('expected a turn');
    const env = toEnvelope('555', update.update_id, c, new Date('2025-01-01T00:00:00Z'), 'tg-1009-a');
    expect(env).toEqual({
      v: 1,
      channel: 'telegram',
      chatId: '42',
      userId: '42',
      updateId: 'telegram:555:1009',
      sequence: 9,
      requestId: 'tg-1009-a',
      text: 'hi',
      receivedAt: '2025-01-01T00:00:00.000Z',
    });
  });
});
