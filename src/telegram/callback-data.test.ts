import { describe, expect, it } from 'vitest';
import { approvalButtonData, parseButtonData, signalButtonData } from './callback-data.js';

describe('button data', () => {
  it('round-trips approvals and the form the tool gate uses', () => {
    expect(parseButtonData(approvalButtonData('ap-1a2b3c', 'deny'))).toEqual({ kind: 'approval', approvalId: 'ap-1a2b3c', decision: 'deny' });
    expect(parseButtonData('approval:ap-99:approve')).toEqual({ kind: 'approval', approvalId: 'ap-99', decision: 'approve' });
  });

  it('round-trips signals whose parts contain colons and spaces', () => {
    const data = signalButtonData('chat-telegram-42:x', 'contradiction', 'keep: the newer one');
    expect(parseButtonData(data)).toEqual({ kind: 'signal', workflowId: 'chat-telegram-42:x', signal: 'contradiction', payload: 'keep: the newer one' });
    expect(parseButtonData(signalButtonData('wf', 'go', ''))).toEqual({ kind: 'signal', workflowId: 'wf', signal: 'go', payload: '' });
  });

  it('refuses anything else', () => {
    for (const bad of ['', 'approval:ap-1:maybe', 'sig:wf', 'sig::s:p', 'hello', 'sig:%E0%A4%A:s:p']) expect(parseButtonData(bad), bad).toBeUndefined();
  });
});
