import { describe, expect, it } from 'vitest';
import { CommitSignals } from './commit-signals.js';

describe('CommitSignals', () => {
  it('wakes the listeners of a topic only, until they unsubscribe', () => {
    const signals = new CommitSignals();
    const heard: string[] = [];
    const off = signals.on('telegram', () => heard.push('telegram'));
    signals.on('whatsapp', () => heard.push('whatsapp'));
    signals.emit('telegram');
    off();
    signals.emit('telegram');
    signals.emit('whatsapp');
    expect(heard).toEqual(['telegram', 'whatsapp']);
  });

  it('keeps two instances apart', () => {
    const a = new CommitSignals();
    const b = new CommitSignals();
    let woken = 0;
    a.on('inbox', () => (woken += 1));
    b.emit('inbox');
    expect(woken).toBe(0);
  });
});
