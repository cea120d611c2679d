import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, apiErrorFrom, createApiClient, eventJson, readEventStream, webMessageKey, type ApiClient, type Schemas } from '../api/client.js';
import { MycelError, formatError } from '../shared/errors.js';

/**
 * `mycel chat`'s view of the chat API (`/api/chats/{chatId}/…`), over the shared typed API
 * client: send a message (retried with the same messageId, so a retry never makes a second
 * turn), reading the reply as it is written (server-sent `delta` events), and follow the
 * chat's live event stream (resuming with Last-Event-ID after a drop).
 */

/** Attempts for one message when the connection fails (same messageId each time). */
export const SEND_ATTEMPTS = 3;
/** Wait before reconnecting a dropped event stream. */
export const EVENTS_RECONNECT_MS = 1_000;

/** A transcript line as the chat's event stream sends it. */
export type ChatLine = Schemas['TranscriptEvent'];
/** The answer to a message. */
export type Reply = Schemas['Reply'];

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

const UNAUTHORIZED_HINT = 'set MYCEL_API_TOKEN to the token of the running instance';

/** A refusal by the API as the terminal shows it: the server's message and hint. */
function refused(err: ApiError | { error: string; hint?: string | undefined; status: number }): MycelError {
  const [message, hint, status] = err instanceof ApiError ? [err.message, err.hint, err.status] : [err.error, err.hint, err.status];
  if (status === 401) return new MycelError('UNAUTHORIZED', message, hint ?? UNAUTHORIZED_HINT);
  return new MycelError('CHAT_REFUSED', message, hint);
}

export class ChatClient {
  private readonly api: ApiClient;

  constructor(private readonly options: ChatClientOptions) {
    this.api = createApiClient({ baseUrl: options.baseUrl, token: () => options.token });
  }

  private get path() {
    return { chatId: this.options.chatId };
  }

  private unreachable(err: unknown): MycelError {
    return new MycelError(
      'NOT_RUNNING',
      `Cannot reach Mycel at ${this.options.baseUrl}: ${formatError(err instanceof ApiError && err.kind === 'network' ? (err.cause ?? err) : err)}`,
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
  async send(text: string, messageId = ChatClient.newMessageId(), progress?: ReplyProgress): Promise<Reply> {
    let lastError: unknown;
    let shown = false;
    for (let attempt = 1; attempt <= SEND_ATTEMPTS; attempt += 1) {
      if (shown) {
        progress?.reset();
        shown = false;
      }
      try {
        const { response, error } = await this.api.POST('/api/chats/{chatId}/messages', {
          params: { path: this.path },
          body: { text, messageId },
          headers: { accept: 'text/event-stream, application/json' },
          parseAs: 'stream',
        });
        if (!response.ok) throw refused(apiErrorFrom(response.status, response.statusText, error));
        if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream') || !response.body) {
          const body = (await response.json()) as Reply;
          progress?.delta(body.reply);
          return body;
        }
        let result: Reply | undefined;
        let failure: Schemas['StreamError'] | undefined;
        await readEventStream(response.body, (event) => {
          if (event.event === 'delta') {
            const data = eventJson(event, 'ReplyDelta');
            if (typeof data?.text !== 'string') return;
            shown = true;
            progress?.delta(data.text);
          } else if (event.event === 'reset') {
            shown = false;
            progress?.reset();
          } else if (event.event === 'reply') {
            const data = eventJson(event, 'Reply');
            if (typeof data?.reply === 'string') result = { reply: data.reply, turn: data.turn ?? 0 };
          } else if (event.event === 'error') {
            const data = eventJson(event, 'StreamError');
            failure = { error: data?.error ?? `the API answered ${data?.status ?? 'an error'}`, hint: data?.hint, status: data?.status ?? 0 };
          }
        });
        if (result) return result;
        if (failure) throw refused(failure);
        throw new Error('the reply stream ended before the reply');
      } catch (err) {
        if (err instanceof MycelError) throw err;
        lastError = err;
        await new Promise((r) => setTimeout(r, 300 * attempt));
      }
    }
    throw this.unreachable(lastError);
  }

  /** Recent transcript lines (oldest first), as the contract route returns them. */
  async history(limit: number): Promise<Array<Schemas['Message']>> {
    try {
      return await this.api.ok(this.api.GET('/api/chats/{chatId}/messages', { params: { path: this.path, query: { limit } } }));
    } catch (err) {
      if (err instanceof ApiError && err.kind !== 'network') throw refused(err);
      throw this.unreachable(err);
    }
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
        const { response } = await this.api.GET('/api/chats/{chatId}/events', {
          params: { path: this.path, query: !lastId && options.history ? { history: options.history } : {}, header: lastId ? { 'last-event-id': lastId } : {} },
          parseAs: 'stream',
          signal,
        });
        if (!response.ok || !response.body) throw new Error(`the event stream answered ${response.status}`);
        await readEventStream(
          response.body,
          (event) => {
            if (event.event === 'ready') {
              const start = eventJson(event, 'EventsReady');
              lastId ??= String(start?.after ?? 0);
              replaying = ready ? 0 : (start?.replayed ?? 0);
              if (!ready && replaying === 0) markReady();
            } else if (event.event === 'message' && event.data) {
              lastId = event.id ?? lastId;
              onLine(JSON.parse(event.data) as ChatLine);
              if (!ready && --replaying === 0) markReady();
            }
          },
          { signal },
        );
      } catch (err) {
        if (signal.aborted) return;
        if (!ready) throw this.unreachable(err);
      }
      // A stream that ended because the caller stopped is not a drop: no reconnect pause.
      await sleep(EVENTS_RECONNECT_MS, undefined, { signal }).catch(() => undefined);
    }
  }
}

