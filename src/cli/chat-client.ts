import { randomBytes } from 'node:crypto';
import { webMessageKey } from '../conversation/dedupe.js';
import { MycelError, formatError } from '../shared/errors.js';

/**
 * A small client of the chat API (`/api/chats/{chatId}/…`), as `mycel chat` uses it:
 * send a message (retried with the same messageId, so a retry never makes a second turn)
 * and follow the chat's live event stream (resuming with Last-Event-ID after a drop).
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

  /** Sends one message and returns the reply; network failures are retried with the same id. */
  async send(text: string, messageId = ChatClient.newMessageId()): Promise<{ reply: string; turn: number }> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= SEND_ATTEMPTS; attempt += 1) {
      let res: Response;
      try {
        res = await fetch(this.url('messages'), {
          method: 'POST',
          headers: this.headers({ 'content-type': 'application/json' }),
          body: JSON.stringify({ text, messageId }),
        });
      } catch (err) {
        lastError = err;
        await new Promise((r) => setTimeout(r, 300 * attempt));
        continue;
      }
      const body = (await res.json().catch(() => ({}))) as { reply?: string; turn?: number; error?: string };
      if (res.ok && typeof body.reply === 'string') return { reply: body.reply, turn: body.turn ?? 0 };
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
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const event = parseEvent(block);
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
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        if (!ready) throw this.unreachable(err);
      }
      await new Promise((r) => setTimeout(r, EVENTS_RECONNECT_MS));
    }
  }
}

function parseEvent(block: string): { id?: string; event?: string; data: string } {
  const event: { id?: string; event?: string; data: string } = { data: '' };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') event.id = value;
    else if (field === 'event') event.event = value;
    else if (field === 'data') event.data += event.data ? `\n${value}` : value;
  }
  return event;
}
