import { describe, expect, it } from 'vitest';
import { normalizeDiscordEvent } from './adapter.js';
import { storedEventOf } from './gateway.js';
import { botIdFromToken } from './rest.js';

const BOT = '1100000000000000001';
const ALLOWED = '1200000000000000002';
const author = { id: '1300000000000000003', username: 'ada', discriminator: '0', global_name: null, avatar: null };
const message = (over: Record<string, unknown> = {}) =>
  ({ t: 'MESSAGE_CREATE', op: 0, s: 1, d: { id: '1400000000000000004', channel_id: '1500000000000000005', author, content: 'hello', attachments: [], ...over } }) as never;

describe('Discord events', () => {
  it('stores a direct message as a turn of the user\'s chat', () => {
    const stored = storedEventOf(message(), BOT, ALLOWED);
    expect(stored).toMatchObject({ type: 'message', id: '1400000000000000004', guildId: null, content: 'hello' });
    expect(normalizeDiscordEvent(stored)).toEqual({ kind: 'turn', chatId: author.id, userId: author.id, userName: 'ada', text: 'hello', sequence: null });
  });

  it('takes server messages from the allowed channel only, as the channel\'s own chat', () => {
    expect(storedEventOf(message({ guild_id: '1600000000000000006', channel_id: '1700000000000000007' }), BOT, ALLOWED)).toBeUndefined();
    expect(storedEventOf(message({ guild_id: '1600000000000000006', channel_id: ALLOWED }), BOT, undefined)).toBeUndefined();
    const stored = storedEventOf(message({ guild_id: '1600000000000000006', channel_id: ALLOWED }), BOT, ALLOWED);
    expect(normalizeDiscordEvent(stored)).toMatchObject({ kind: 'turn', chatId: `channel-${ALLOWED}`, userId: author.id });
  });

  it('never stores its own messages, other bots\' or webhooks\'', () => {
    expect(storedEventOf(message({ author: { ...author, id: BOT } }), BOT, ALLOWED)).toBeUndefined();
    expect(storedEventOf(message({ author: { ...author, bot: true } }), BOT, ALLOWED)).toBeUndefined();
    expect(storedEventOf(message({ webhook_id: '1800000000000000008' }), BOT, ALLOWED)).toBeUndefined();
  });

  it('answers an attachment without text with a note, and ignores an empty message', () => {
    expect(normalizeDiscordEvent(storedEventOf(message({ content: '', attachments: [{ id: '1' }] }), BOT, ALLOWED))).toMatchObject({ kind: 'media' });
    expect(normalizeDiscordEvent(storedEventOf(message({ content: '   ' }), BOT, ALLOWED))).toMatchObject({ kind: 'ignore' });
  });

  it('stores a button press with its custom id and the token to acknowledge it, and nothing else of interactions', () => {
    const press = { t: 'INTERACTION_CREATE', op: 0, s: 2, d: { id: '1900000000000000009', type: 3, token: 'tok', channel: { id: '1500000000000000005' }, user: author, data: { custom_id: 'b:abc', component_type: 2 } } } as never;
    const stored = storedEventOf(press, BOT, ALLOWED);
    expect(stored).toMatchObject({ type: 'button', customId: 'b:abc', interactionToken: 'tok' });
    expect(normalizeDiscordEvent(stored)).toMatchObject({ kind: 'button', buttonId: 'b:abc', chatId: author.id });
    const command = { t: 'INTERACTION_CREATE', op: 0, s: 3, d: { id: '1', type: 2, token: 't', channel: { id: '1' }, user: author, data: { name: 'x' } } } as never;
    expect(storedEventOf(command, BOT, ALLOWED)).toBeUndefined();
  });

  it('reads a stored event it does not know as nothing to do', () => {
    expect(normalizeDiscordEvent({ type: 'reaction' })).toMatchObject({ kind: 'ignore' });
  });

  it('finds the bot id in its token, and does not guess from a malformed one', () => {
    expect(botIdFromToken(`${Buffer.from(BOT).toString('base64')}.abc.def`)).toBe(BOT);
    expect(botIdFromToken('not-a-token')).toBe('bot');
  });
});
