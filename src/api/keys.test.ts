import { describe, expect, it } from 'vitest';
import { messageIdOfKey, webMessageKey } from './keys.js';

describe('web message keys', () => {
  it('name the chat and the message, and read back only for that chat', () => {
    const key = webMessageKey('main', 'm-1');
    expect(messageIdOfKey('main', key)).toBe('m-1');
    expect(messageIdOfKey('other', key)).toBeUndefined();
    expect(messageIdOfKey('mai', key)).toBeUndefined();
    expect(messageIdOfKey('main', 'telegram:1:42')).toBeUndefined();
  });
});
