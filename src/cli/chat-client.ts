import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { webMessageKey } from '../conversation/dedupe.js';
import { MycelError, formatError } from '../shared/errors.js';

/**
 * A small client of the chat API (`/api/chats/{chatId}/…`), as `mycel chat` uses it:
 * send a message (retried with the same messageId, so a retry never makes a second turn),
 * reading the reply as it is written (server-sent `delta` events), and follow the chat's
 * live event stream (resuming with Last-Event-ID after a drop).
 */

/** Attempts for one message when the connection fails (same messageId each time). */
export const SEND_ATTEMPTS = 3;
/** Wait before reconnecting a dropped event stream. */
export const EVENTS_RECONNECT_MS = 1_000;

export interface ChatLine {
  id: number;
  role: 'user' | 'assistant';
  text: string;
  at: string;
  kind?: string;
  turn?: number;
  key?: string;
}

export interface ChatClientOptions {
  baseUrl: string;
  chatId: string;
  token?: string | undefined;
}

/** What the caller sees of a reply while it is written. */
export interface ReplyProgress {
  /** The next part of the reply. */
  delta(text: string): void;
  /** The parts so far are void (a retried model call, or a resent message): start over. */
  reset(): void;
}

/** Reads a text/event-stream body, calling `onEvent` per event (any line ending: \n, \r\n, \r). */
export async function readEventStream(body: NonNullable<Response['body']>, onEvent: (event: EventSourceMessage) => void, signal?: AbortSignal): Promise<void> {
  const parser = createParser({ onEvent });
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  // An abort does not always end a pending read of a decoded body: cancel it ourselves.
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    while (!signal?.aborted) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.feed(value);
    }
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}

export class ChatClient {
  constructor(private readonly options: ChatClientOptions) {}

  private url(suffix: string): string {
    return `${this.options.baseUrl}/api/chats/${encodeURIComponent(this.options.chatId)}/${suffix}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}), ...extra };
  }

  private unreachable(err: unknown): MycelError {
    return new MycelError(
      'NOT_RUNNING',
      `Cannot reach Mycel at ${this.options.baseUrl}: ${formatError(err)}`,
      'start it with `npx mycel start`, or set MYCEL_HTTP_HOST / MYCEL_HTTP_PORT (or MYCEL_DATA_DIR) to reach the running one',
      { cause: err },
    );
  }

  /** A fresh idempotency key for one message typed in the terminal. */
  static newMessageId(): string {
    return `term-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  }

  /** The key its transcript lines carry, to recognize our own turns on the event stream. */
  static lineKeyPrefix(chatId: string, messageId: string): string {
    return `${webMessageKey(chatId, messageId)}#`;
  }

  /**
   * Sends one message and returns the reply, telling `progress` each part as it is written;
   * network failures are retried with the same id (the parts start over).
   */
  async send(text: string, messageId = ChatClient.newMessageId(), progress?: ReplyProgress): Promise<{ reply: string; turn: number }> {
    let lastError: unknown;
    let shown = false;
    for (let attempt = 1; attempt <= SEND_ATTEMPTS; attempt += 1) {
      if (shown) {
        progress?.reset();
        shown = false;
      }
      let res: Response;
      try {
        res = await fetch(this.url('messages'), {
          method: 'POST',
          headers: this.headers({ 'content-type': 'application/json', accept: 'text/event-stream, application/json' }),
          body: JSON.stringify({ text, messageId }),
        });
        if (res.ok && res.body && (res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
          let result: { reply: string; turn: number } | undefined;
          let failure: { error?: string; status?: number } | undefined;
          await readEventStream(res.body, (event) => {
            const data = JSON.parse(event.data) as { text?: string; reply?: string; turn?: number; error?: string; status?: number };
            if (event.event === 'delta' && typeof data.text === 'string') {
              shown = true;
              progress?.delta(data.text);
            } else if (event.event === 'reset') {
              shown = false;
              progress?.reset();
            } else if (event.event === 'reply' && typeof data.reply === 'string') result = { reply: data.reply, turn: data.turn ?? 0 };
            else if (event.event === 'error') failure = data;
          });
          if (result) return result;
          if (failure) throw new MycelError('CHAT_REFUSED', failure.error ?? `the API answered ${failure.status ?? 'an error'}`);
          throw new Error('the reply stream ended before the reply');
        }
      } catch (err) {
        if (err instanceof MycelError) throw err;
        lastError = err;
        await new Promise((r) => setTimeout(r, 300 * attempt));
        continue;
      }
      const body = (await res.json().catch(() => ({}))) as { reply?: string; turn?: number; error?: string };
      if (res.ok && typeof body.reply === 'string') {
        progress?.delta(body.reply);
        return { reply: body.reply, turn: body.turn ?? 0 };
      }
      if (res.status === 401) throw new MycelError('UNAUTHORIZED', body.error ?? 'the API refused the token', 'set MYCEL_API_TOKEN to the token of the running instance');
      throw new MycelError('CHAT_REFUSED', body.error ?? `the API answered ${res.status}`);
    }
    throw this.unreachable(lastError);
  }

  /** Recent transcript lines (oldest first), as the contract route returns them. */
  async history(limit: number): Promise<Array<{ role: string; text: string; at: string; kind?: string }>> {
    let res: Response;
    try {
      res = await fetch(`${this.url('messages')}?limit=${limit}`, { headers: this.headers() });
    } catch (err) {
      throw this.unreachable(err);
    }
    if (res.status === 401) throw new MycelError('UNAUTHORIZED', 'the API refused the token', 'set MYCEL_API_TOKEN to the token of the running instance');
    if (!res.ok) throw new MycelError('CHAT_REFUSED', `the API answered ${res.status} for the transcript`);
    return (await res.json()) as Array<{ role: string; text: string; at: string; kind?: string }>;
  }

  /**
   * Follows new transcript lines until `signal` aborts, reconnecting after drops and
   * resuming after the last line seen. With `history`, the last lines come first; `onReady`
   * fires once they are shown and the live stream is open.
   */
  async follow(
    onLine: (line: ChatLine) => void,
    signal: AbortSignal,
    options: { history?: number; onReady?: () => void } = {},
  ): Promise<void> {
    let lastId: string | undefined;
    let ready = false;
    let replaying = 0;
    const markReady = () => {
      ready = true;
      options.onReady?.();
    };
    while (!signal.aborted) {
      try {
        const headers = this.headers(lastId ? { 'last-event-id': lastId } : {});
        const query = !lastId && options.history ? `?history=${options.history}` : '';
        const res = await fetch(`${this.url('events')}${query}`, { headers, signal });
        if (!res.ok || !res.body) throw new Error(`the event stream answered ${res.status}`);
        await readEventStream(res.body, (event) => {
          if (event.event === 'ready') {
            const start = JSON.parse(event.data) as { after: number; replayed?: number };
            lastId ??= String(start.after);
            replaying = ready ? 0 : (start.replayed ?? 0);
            if (!ready && replaying === 0) markReady();
          } else if (event.event === 'message' && event.data) {
            lastId = event.id ?? lastId;
            onLine(JSON.parse(event.data) as ChatLine);
            if (!ready && --replaying === 0) markReady();
          }
        }, signal);
      } catch (err) {
        if (signal.aborted) return;
        if (!ready) throw this.unreachable(err);
      }
      // A stream that ended because the caller stopped is not a drop: no reconnect pause.
      await sleep(EVENTS_RECONNECT_MS, undefined, { signal }).catch(() => undefined);
    }
  }
}
