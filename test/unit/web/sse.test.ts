import { describe, expect, it } from 'vitest';
import { EventStreamParser } from '../../../web/src/lib/sse.js';

/** The web app and `mycel chat` read server-sent events with one parser (the shared API client's). */
describe('the server-sent events parser', () => {
  it('parses events split across chunks, with event names, ids and multi-line data', () => {
    const p = new EventStreamParser();
    expect(p.push('event: message\nid: 7\ndata: {"a"')).toEqual([]);
    expect(p.push(':1}\n\n')).toEqual([{ event: 'message', data: '{"a":1}', id: '7' }]);
    expect(p.lastEventId).toBe('7');
    expect(p.push('data: line one\ndata: line two\n\n')).toEqual([{ event: 'message', data: 'line one\nline two', id: undefined }]);
    // The last id is kept for Last-Event-ID until the server sends another.
    expect(p.lastEventId).toBe('7');
  });

  it('ignores comments (keep-alives), dispatches nothing without data, and honours retry', () => {
    const p = new EventStreamParser();
    expect(p.push(': ping\n\nretry: 2500\n\nevent: reminder\ndata:x\n\n')).toEqual([{ event: 'reminder', data: 'x', id: undefined }]);
    expect(p.retryMs).toBe(2500);
  });

  it('accepts CRLF and CR line endings, also when CRLF is split between chunks', () => {
    const p = new EventStreamParser();
    expect(p.push('data: a\r')).toEqual([]);
    expect(p.push('\n\r\n')).toEqual([{ event: 'message', data: 'a', id: undefined }]);
    // A final "\r" may be half of "\r\n": the event is complete once the next byte arrives.
    expect(p.push('data: b\r\r')).toEqual([]);
    expect(p.push('data: c\r\r\n')).toEqual([{ event: 'message', data: 'b', id: undefined }, { event: 'message', data: 'c', id: undefined }]);
  });

  it('drops a half-received event when a new connection starts, keeping the last id', () => {
    const p = new EventStreamParser();
    p.push('id: 3\ndata: whole\n\ndata: half');
    p.reset();
    expect(p.push('data: next\n\n')).toEqual([{ event: 'message', data: 'next', id: undefined }]);
    expect(p.lastEventId).toBe('3');
  });
});
