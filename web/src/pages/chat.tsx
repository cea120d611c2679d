import { Fragment } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, apiPath, messageIdOfKey, type Schemas } from '../lib/api.js';
import { describeError } from '../lib/errors.js';
import { formatTime } from '../lib/format.js';
import { newMessageId } from '../lib/ids.js';
import { loadOutbox, saveOutbox, type OutboxItem } from '../lib/outbox.js';
import { eventJson, openLiveStream, type StreamEvent, type StreamStatus } from '../lib/sse.js';
import { rememberChat } from '../lib/chats.js';
import { ErrorNotice, Unavailable } from '../components/notices.js';

/** One line of the transcript (**contract**: role, text, at, kind?). */
export type TranscriptMessage = Schemas['Message'];

/** Longest message the server accepts (its MAX_MESSAGE_CHARS). */
export const MAX_MESSAGE_CHARS = 8_000;
/** The text the server gives a message that is only an image (its PHOTO_ONLY_TEXT). */
export const PHOTO_ONLY_TEXT = '📷 (photo)';
/** The image types the server accepts (checked again there, from the content). */
const IMAGE_TYPES = 'image/jpeg,image/png,image/gif,image/webp';

/** A chosen file as base64 (without the data URL's prefix). */
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

/** How often the transcript is fetched when the server has no live stream. */
export const POLL_INTERVAL_MS = 3_000;
/** How close two clocks may be apart when matching a sent message to the transcript. */
const CLOCK_SKEW_MS = 120_000;

const MESSAGES = '/api/chats/{chatId}/messages' as const;
const EVENTS = '/api/chats/{chatId}/events';

type Mode = 'stream' | 'polling' | 'local';

const STATUS_TEXT: Record<StreamStatus | 'polling' | 'local', string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  unavailable: 'Updates by polling',
  polling: `Updating every ${POLL_INTERVAL_MS / 1000} s`,
  local: 'This tab only',
};

/**
 * Whether the transcript already holds the message an outbox item sent: a user line with its
 * text, written after it was queued (the transcript does not carry message ids).
 */
function delivered(item: OutboxItem, transcript: TranscriptMessage[]): boolean {
  const queued = Date.parse(item.queuedAt);
  return transcript.some((m) => m.role === 'user' && m.text === item.text && Date.parse(m.at) >= queued - CLOCK_SKEW_MS);
}

function sameLine(a: TranscriptMessage, b: TranscriptMessage): boolean {
  return a.at === b.at && a.role === b.role && a.text === b.text;
}

/** A transcript line from a live event's JSON data, or undefined when it is not one. */
export function parseLine(data: string): TranscriptMessage | undefined {
  try {
    const v = JSON.parse(data) as Partial<Schemas['TranscriptEvent']>;
    if ((v.role !== 'user' && v.role !== 'assistant') || typeof v.text !== 'string' || typeof v.at !== 'string') return undefined;
    return {
      role: v.role,
      text: v.text,
      at: v.at,
      ...(typeof v.kind === 'string' ? { kind: v.kind } : {}),
      ...(typeof v.lateMs === 'number' ? { lateMs: v.lateMs } : {}),
    };
  } catch {
    return undefined;
  }
}

function sameTranscript(a: TranscriptMessage[], b: TranscriptMessage[]): boolean {
  return a.length === b.length && a.every((m, i) => m.at === b[i]!.at && m.text === b[i]!.text && m.role === b[i]!.role);
}

export function ChatPage({ chatId }: { chatId: string }) {
  const [transcript, setTranscript] = useState<TranscriptMessage[]>([]);
  const [loadError, setLoadError] = useState<unknown>();
  const [loaded, setLoaded] = useState(false);
  const [outbox, setOutbox] = useState<OutboxItem[]>(() => loadOutbox(chatId));
  const [mode, setMode] = useState<Mode>('stream');
  const [status, setStatus] = useState<StreamStatus | 'polling' | 'local'>('connecting');
  const [draft, setDraft] = useState('');
  const [draftError, setDraftError] = useState<string>();
  const [image, setImage] = useState<OutboxItem['image']>();
  const fileRef = useRef<HTMLInputElement>(null);
  const [chatMissing, setChatMissing] = useState(false);
  const queue = useRef<Promise<void>>(Promise.resolve());
  const logRef = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const outboxRef = useRef(outbox);
  outboxRef.current = outbox;
  const modeRef = useRef(mode);
  modeRef.current = mode;

  useEffect(() => rememberChat(chatId), [chatId]);
  useEffect(() => saveOutbox(chatId, outbox), [chatId, outbox]);

  const refresh = useCallback(async () => {
    if (modeRef.current === 'local') return;
    try {
      const list = await api.ok(api.GET(MESSAGES, { params: { path: { chatId } } }));
      // Lines a live event added while this request was under way are kept.
      setTranscript((old) => {
        const last = list.at(-1)?.at ?? '';
        const newer = old.filter((m) => m.at >= last && !list.some((l) => sameLine(l, m)));
        const merged = newer.length ? [...list, ...newer] : list;
        return sameTranscript(old, merged) ? old : merged;
      });
      setLoadError(undefined);
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'missing-route') {
        setMode('local');
        setStatus('local');
      } else setLoadError(err);
    } finally {
      setLoaded(true);
    }
  }, [chatId]);

  /** Replies being written, by the message id they answer (from the stream's delta events). */
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const onDraft = useCallback((event: StreamEvent) => {
    const reset = event.event === 'reset';
    const parsed = eventJson(event, reset ? 'ReplyReset' : 'ReplyDelta') as Partial<Schemas['ReplyDelta']> | undefined;
    const messageId = typeof parsed?.key === 'string' ? messageIdOfKey(chatId, parsed.key) : undefined;
    if (!messageId) return;
    const part = typeof parsed?.text === 'string' ? parsed.text : '';
    setDrafts((d) => ({ ...d, [messageId]: reset ? '' : (d[messageId] ?? '') + part }));
  }, [chatId]);

  // Coalesces bursts of events into one fetch of the transcript.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const scheduleRefresh = useCallback(() => {
    clearTimeout(pending.current);
    pending.current = setTimeout(() => void refresh(), 50);
  }, [refresh]);

  useEffect(() => {
    void refresh();
    const stream = openLiveStream({
      url: apiPath(EVENTS, { chatId }),
      onEvent: (event) => {
        if (event.event === 'ready') return;
        if (event.event === 'delta' || event.event === 'reset') return onDraft(event);
        const line = event.event === 'message' ? parseLine(event.data) : undefined;
        if (line) setTranscript((t) => (t.some((m) => sameLine(m, line)) ? t : [...t, line]));
        else scheduleRefresh();
      },
      // After every (re)connection, read the transcript once to catch up on what was missed.
      onOpen: scheduleRefresh,
      onStatus: (s) => {
        if (s === 'unavailable') {
          setMode((m) => (m === 'local' ? m : 'polling'));
          setStatus((old) => (old === 'local' ? old : 'polling'));
        } else if (modeRef.current === 'stream') setStatus(s);
      },
    });
    return () => {
      stream.close();
      clearTimeout(pending.current);
    };
  }, [chatId, refresh, scheduleRefresh, onDraft]);

  useEffect(() => {
    if (mode !== 'polling') return;
    const timer = setInterval(() => document.visibilityState === 'visible' && void refresh(), POLL_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [mode, refresh]);

  const updateItem = (messageId: string, change: Partial<OutboxItem> | null) => {
    if (change === null || change.state === 'sending') {
      setDrafts((d) => {
        if (!(messageId in d)) return d;
        const { [messageId]: _gone, ...rest } = d;
        return rest;
      });
    }
    setOutbox((items) => (change === null ? items.filter((i) => i.messageId !== messageId) : items.map((i) => (i.messageId === messageId ? { ...i, ...change } : i))));
  };

  /** Sends one outbox item; sends run one after another, in the order they were typed. */
  const deliver = (item: OutboxItem) => {
    // An image is not kept across a reload: a message that was only an image cannot be resent.
    if (item.text === PHOTO_ONLY_TEXT && !item.image) {
      updateItem(item.messageId, { state: 'failed', error: { title: 'Image not kept.', detail: 'The page was reloaded before the image was sent.', advice: 'Attach it again.', retryable: false } });
      return;
    }
    queue.current = queue.current.then(async () => {
      updateItem(item.messageId, { state: 'sending', error: undefined });
      try {
        const body = item.image
          ? { ...(item.text !== PHOTO_ONLY_TEXT ? { text: item.text } : {}), messageId: item.messageId, attachments: [{ mime: item.image.mime, dataBase64: item.image.dataBase64 }] }
          : { text: item.text, messageId: item.messageId };
        const res = await api.ok(api.POST(MESSAGES, { params: { path: { chatId } }, body }));
        if (modeRef.current === 'local') {
          const at = new Date().toISOString();
          setTranscript((t) => [...t, { role: 'user', text: item.text, at: item.queuedAt }, { role: 'assistant', text: typeof res === 'object' ? res.reply : res, at }]);
        } else await refresh();
        updateItem(item.messageId, null);
      } catch (err) {
        if (err instanceof ApiError && err.kind === 'missing-route') setChatMissing(true);
        const p = describeError(err, 'send your message');
        const retryable = !(err instanceof ApiError && err.kind === 'bad-request');
        updateItem(item.messageId, {
          state: 'failed',
          error: { ...p, advice: retryable ? `${p.advice} Retry sends it again with the same id, so it is never answered twice.` : p.advice, retryable },
        });
      }
    });
  };

  const send = (e: Event) => {
    e.preventDefault();
    const text = draft.trim() || (image ? PHOTO_ONLY_TEXT : '');
    if (!text) return setDraftError('Type a message first.');
    if (text.length > MAX_MESSAGE_CHARS) return setDraftError(`The message is ${text.length} characters long; the limit is ${MAX_MESSAGE_CHARS}.`);
    setDraftError(undefined);
    const item: OutboxItem = { messageId: newMessageId(), text, queuedAt: new Date().toISOString(), state: 'sending', ...(image ? { image } : {}) };
    setOutbox((items) => [...items, item]);
    setDraft('');
    setImage(undefined);
    stickToBottom.current = true;
    deliver(item);
  };

  const edit = (item: OutboxItem) => {
    updateItem(item.messageId, null);
    setDraft(item.text);
  };

  // A failed send that the transcript shows after all (its answer was lost, not the message)
  // needs no retry: drop it.
  useEffect(() => {
    if (outbox.some((i) => i.state === 'failed' && delivered(i, transcript))) setOutbox((items) => items.filter((i) => !(i.state === 'failed' && delivered(i, transcript))));
  }, [transcript, outbox]);

  // Keep the newest message in view unless the person scrolled up to read.
  const visibleOutbox = outbox.filter((i) => !delivered(i, transcript));
  useLayoutEffect(() => {
    const log = logRef.current;
    if (log && stickToBottom.current) log.scrollTop = log.scrollHeight;
  }, [transcript, visibleOutbox.length]);
  const onScroll = () => {
    const log = logRef.current;
    if (log) stickToBottom.current = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  };

  if (chatMissing) return <Unavailable what="Chat" />;

  return (
    <section class="chat" aria-labelledby="page-title">
      <header class="chat-head">
        <h1 id="page-title" tabIndex={-1}>
          Chat <span class="chat-id">{chatId}</span>
        </h1>
        <p class={`live-status ${status}`} role="status" aria-live="polite">
          {STATUS_TEXT[status]}
        </p>
        <nav class="chat-links" aria-label="This chat">
          <a href={`/promises?chat=${encodeURIComponent(chatId)}`}>Reminders</a>
          <a href={`/memories?chat=${encodeURIComponent(chatId)}`}>Memories</a>
          <a href="/">Other chats</a>
        </nav>
      </header>
      {loadError !== undefined && <ErrorNotice error={loadError} action="load the conversation" onRetry={() => void refresh()} />}
      <div class="log" role="log" aria-label="Conversation" aria-live="polite" tabIndex={0} ref={logRef} onScroll={onScroll}>
        {loaded && transcript.length === 0 && visibleOutbox.length === 0 && (
          <p class="empty">No messages yet. Say hello, or try /help, /remind in 10s stretch, /remember I like tea.</p>
        )}
        {transcript.map((m, i) => (
          <Message key={`${m.at}-${i}`} message={m} />
        ))}
        {visibleOutbox.map((item) => (
          <Fragment key={item.messageId}>
            <div class={`msg user ${item.state}`} data-message-id={item.messageId}>
              <p class="msg-meta">
                <span class="who">You</span> <span class="when">{item.state === 'sending' ? 'sending…' : 'not sent'}</span>
              </p>
              <p class="msg-text">{item.image ? `📎 ${item.image.name} ${item.text === PHOTO_ONLY_TEXT ? '' : item.text}` : item.text}</p>
              {item.state === 'sending' && !drafts[item.messageId] && <p class="thinking">Mycel is answering…</p>}
              {item.state === 'failed' && item.error && (
                <div class="send-error" role="alert">
                  <p>
                    <strong>{item.error.title}</strong> {item.error.detail}
                  </p>
                  <p class="advice">{item.error.advice}</p>
                  {item.error.retryable && (
                    <button type="button" onClick={() => deliver(item)}>
                      Retry
                    </button>
                  )}
                  <button type="button" class="secondary" onClick={() => edit(item)}>
                    Edit
                  </button>
                  <button type="button" class="secondary" onClick={() => updateItem(item.messageId, null)}>
                    Discard
                  </button>
                </div>
              )}
            </div>
            {item.state === 'sending' && drafts[item.messageId] && (
              <div class="msg assistant draft" aria-busy="true" data-draft-for={item.messageId}>
                <p class="msg-meta">
                  <span class="who">Mycel</span> <span class="when">writing…</span>
                </p>
                <p class="msg-text">{drafts[item.messageId]}</p>
              </div>
            )}
          </Fragment>
        ))}
      </div>
      <form class="composer" onSubmit={send}>
        <label for="message" class="visually-hidden">
          Message
        </label>
        <textarea
          id="message"
          name="message"
          rows={2}
          placeholder="Message Mycel (Enter sends, Shift+Enter for a new line)"
          value={draft}
          aria-invalid={draftError ? true : undefined}
          aria-describedby={draftError ? 'message-error' : undefined}
          onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) send(e);
          }}
        />
        <input
          ref={fileRef}
          type="file"
          accept={IMAGE_TYPES}
          hidden
          onChange={(e) => {
            const input = e.target as HTMLInputElement;
            const file = input.files?.[0];
            input.value = '';
            if (file)
              readBase64(file).then(
                (dataBase64) => setImage({ name: file.name, mime: file.type || 'image/jpeg', dataBase64 }),
                () => setDraftError('That file could not be read.'),
              );
          }}
        />
        {image ? (
          <button type="button" class="secondary" aria-label={`Remove attached image ${image.name}`} onClick={() => setImage(undefined)}>
            📎 {image.name} ✕
          </button>
        ) : (
          <button type="button" class="secondary" onClick={() => fileRef.current?.click()}>
            Attach image
          </button>
        )}
        <button type="submit">Send</button>
        {draftError && (
          <p id="message-error" class="field-error" role="alert">
            {draftError}
          </p>
        )}
      </form>
    </section>
  );
}

export function Message({ message }: { message: TranscriptMessage }) {
  const reminder = message.kind === 'reminder';
  const who = message.role === 'user' ? 'You' : 'Mycel';
  return (
    <div class={`msg ${message.role}${reminder ? ' reminder' : ''}`} data-kind={message.kind}>
      <p class="msg-meta">
        <span class="who">{who}</span>
        {reminder && <span class="badge">Reminder</span>}
        {message.kind && !reminder && <span class="badge muted">{message.kind}</span>}{' '}
        <time dateTime={message.at}>{formatTime(message.at)}</time>
      </p>
      <p class="msg-text">{message.text}</p>
    </div>
  );
}
