import { EventStreamParser, readEventStream, type StreamEvent } from '../../../src/api/client.js';
import { authHeaders, errorFrom } from './api.js';

/** Server-sent events are parsed by the shared API client's reader (eventsource-parser), as in `mycel chat`. */
export { EventStreamParser, eventJson, type StreamEvent } from '../../../src/api/client.js';

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
  const parser = new EventStreamParser();
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
    await readEventStream(res.body, options.onEvent, { parser, signal: abort.signal });
    return 'again';
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
