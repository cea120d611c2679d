import { authHeaders, errorFrom } from './api.js';

/** One server-sent event. */
export interface StreamEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/**
 * Incremental parser of the `text/event-stream` format (WHATWG HTML, "server-sent events"):
 * feed it chunks as they arrive, get back every event completed so far.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  /** The last id the server sent; sent back as Last-Event-ID on reconnect. */
  lastEventId: string | undefined;
  /** Reconnection delay the server asked for (`retry:`), in ms. */
  retryMs: number | undefined;

  push(chunk: string): StreamEvent[] {
    this.buffer += chunk;
    const events: StreamEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone "\r" at the very end may be the first half of "\r\n": wait for more.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): StreamEvent | undefined {
    if (line === '') {
      const event = this.data.length ? { event: this.event || 'message', data: this.data.join('\n'), id: this.id } : undefined;
      if (this.id !== undefined) this.lastEventId = this.id;
      this.data = [];
      this.event = '';
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

export interface LiveStreamOptions {
  url: string;
  onEvent(event: StreamEvent): void;
  onStatus(status: StreamStatus): void;
  /** Called after every (re)connection, so the caller can catch up on what it missed. */
  onOpen?(): void;
}

/** First and longest wait before reconnecting a dropped stream. */
export const RECONNECT_MIN_MS = 1_000;
export const RECONNECT_MAX_MS = 15_000;

/**
 * A live event stream over fetch (not EventSource, which cannot send the Authorization
 * header; the token never goes into the URL). Reconnects by itself with backoff, sending
 * Last-Event-ID; reports `unavailable` (and stops) when the server has no such route.
 */
export function openLiveStream(options: LiveStreamOptions): { close(): void } {
  const abort = new AbortController();
  const parser = new SseParser();
  let delay = RECONNECT_MIN_MS;

  const wait = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    abort.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });

  async function connectOnce(): Promise<'again' | 'stop'> {
    const headers = authHeaders({ accept: 'text/event-stream' });
    if (parser.lastEventId !== undefined) headers['last-event-id'] = parser.lastEventId;
    const res = await fetch(options.url, { headers, signal: abort.signal, cache: 'no-store' });
    if (res.status === 404 || res.status === 405 || res.status === 501) {
      options.onStatus('unavailable');
      return 'stop';
    }
    if (!res.ok || !res.body) {
      await errorFrom(res); // announces a needed sign-in on 401
      return 'again';
    }
    options.onStatus('live');
    options.onOpen?.();
    delay = RECONNECT_MIN_MS;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'again';
      for (const event of parser.push(value)) options.onEvent(event);
    }
  }

  void (async () => {
    options.onStatus('connecting');
    while (!abort.signal.aborted) {
      let next: 'again' | 'stop' = 'again';
      try {
        next = await connectOnce();
      } catch {
        // network error or aborted: fall through to the reconnect wait
      }
      if (next === 'stop' || abort.signal.aborted) return;
      options.onStatus('reconnecting');
      await wait(parser.retryMs ?? delay);
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    }
  })();

  return { close: () => abort.abort() };
}
