import { useState } from 'preact/hooks';
import { api, type Schemas } from '../lib/api.js';
import { loadCapabilities } from '../lib/capabilities.js';
import { channelQuery, chatParam, type Channel } from '../lib/chat-param.js';
import { formatTime } from '../lib/format.js';
import { useResource } from '../lib/resource.js';
import type { Location } from '../lib/router.js';
import { ChatSelect } from '../components/chat-select.js';
import { ConfirmBar } from '../components/confirm.js';
import { ErrorNotice, Empty, Loading, Unavailable, isMissing } from '../components/notices.js';

/** A stored fact (**contract**: id, text, confidence, provenance, …). */
export type Memory = Schemas['Memory'];

const LIST = '/api/chats/{chatId}/memories';
const QUESTIONS = '/api/chats/{chatId}/memory-questions';
/** Lists refresh this often (facts change when a question is answered or a turn remembers). */
const REFRESH_MS = 10_000;

/** Mycel asks when two facts disagree at close confidence: keep the older (1) or the newer (2). */
export type MemoryQuestion = Schemas['MemoryQuestion'];

export function MemoriesPage({ location }: { location: Location }) {
  const { chatId, channel, choose } = chatParam(location);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Memories
      </h1>
      <p class="lead">Facts Mycel keeps about you, with where each came from. Deleting one removes it for good.</p>
      <ChatSelect value={chatId} channel={channel} onChange={choose} />
      {chatId && <Questions key={`q:${channel}:${chatId}`} chatId={chatId} channel={channel} />}
      {chatId ? <MemoryList key={`${channel}:${chatId}`} chatId={chatId} channel={channel} /> : <Empty>Choose a chat to see its memories.</Empty>}
    </section>
  );
}

/** Pending questions about facts that disagree, answered here as in the chat (/confirm). */
function Questions({ chatId, channel }: { chatId: string; channel: Channel }) {
  const list = useResource(
    async (signal) => {
      const caps = await loadCapabilities();
      if (!caps.has('get', QUESTIONS)) return [];
      return api.ok(api.GET(QUESTIONS, { params: { path: { chatId }, query: channelQuery(channel) }, signal }));
    },
    [chatId, channel],
    REFRESH_MS,
  );
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string>();
  const answer = async (q: MemoryQuestion, choice: 1 | 2) => {
    setBusy(q.id);
    setError(undefined);
    try {
      await api.ok(api.POST('/api/chats/{chatId}/memory-questions/{id}', { params: { path: { chatId, id: q.id }, query: channelQuery(channel) }, body: { choice } }));
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };
  const pending = (list.data ?? []).filter((q) => q.status === 'pending');
  if (!pending.length && error === undefined) return null;
  return (
    <section class="questions" aria-labelledby="questions-title">
      <h2 id="questions-title">Which one is right?</h2>
      {error !== undefined && <ErrorNotice error={error} action="record your answer" />}
      <ul class="rows">
        {pending.map((q) => (
          <li key={q.id} class="row">
            <div class="row-main">
              <p class="row-title">These two disagree:</p>
              <p>1. {q.older?.text ?? '(removed)'}</p>
              <p>2. {q.newer?.text ?? '(removed)'}</p>
              <p class="row-meta">question {q.id} · asked {formatTime(q.askedAt)} · open until {formatTime(q.expiresAt)}</p>
            </div>
            <div class="row-actions">
              <button type="button" disabled={busy === q.id} aria-label={`Keep the older: ${q.older?.text ?? ''}`} onClick={() => void answer(q, 1)}>
                Keep 1
              </button>
              <button type="button" disabled={busy === q.id} aria-label={`Keep the newer: ${q.newer?.text ?? ''}`} onClick={() => void answer(q, 2)}>
                Keep 2
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

function matches(m: Memory, query: string): boolean {
  const q = query.toLowerCase();
  return m.text.toLowerCase().includes(q) || (m.kind ?? '').toLowerCase().includes(q);
}

function MemoryList({ chatId, channel }: { chatId: string; channel: Channel }) {
  const [query, setQuery] = useState('');
  const [applied, setApplied] = useState('');
  const list = useResource(
    async (signal) => {
      const caps = await loadCapabilities();
      const serverSearch = caps.queryParams('get', LIST).includes('search');
      const query = { ...channelQuery(channel), ...(serverSearch && applied ? { search: applied } : {}) };
      return { serverSearch, memories: await api.ok(api.GET(LIST, { params: { path: { chatId }, query }, signal })) };
    },
    [chatId, channel, applied],
    REFRESH_MS,
  );
  const [confirming, setConfirming] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();

  if (isMissing(list.error)) return <Unavailable what="Memories" />;

  const remove = async (m: Memory) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await api.ok(api.DELETE('/api/chats/{chatId}/memories/{id}', { params: { path: { chatId, id: m.id }, query: channelQuery(channel) } }));
      setNotice(`Deleted "${m.text}".`);
      setConfirming(undefined);
      list.reload();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };

  const shown = list.data ? (list.data.serverSearch || !applied ? list.data.memories : list.data.memories.filter((m) => matches(m, applied))) : [];

  return (
    <div>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(query.trim());
        }}
      >
        <label for="memory-search">Search memories</label>
        <input id="memory-search" type="search" value={query} onInput={(e) => {
          const v = (e.target as HTMLInputElement).value;
          setQuery(v);
          if (!v) setApplied('');
        }} />
        <button type="submit">Search</button>
      </form>
      {notice && (
        <p class="notice ok" role="status">
          {notice}
        </p>
      )}
      {actionError !== undefined && <ErrorNotice error={actionError} action="delete the memory" />}
      {list.error !== undefined && <ErrorNotice error={list.error} action="load the memories" onRetry={list.reload} />}
      {list.data === undefined && list.loading && <Loading what="memories" />}
      {list.data && shown.length === 0 && (
        <Empty>{applied ? `No memory matches "${applied}".` : 'No memories in this chat yet. In the chat, try "/remember my sister is called Ada".'}</Empty>
      )}
      {shown.length > 0 && (
        <ul class="rows" aria-label="Memories">
          {shown.map((m) => (
            <li key={m.id} class="row memory">
              <div class="row-main">
                <p class="row-title">{m.text}</p>
                <p class="row-meta">
                  confidence {Math.round(m.confidence * 100)}%{m.kind ? ` · ${m.kind}` : ''}
                  {m.validTo ? ` · replaced ${formatTime(m.validTo)}` : ''}
                  {m.retention ? ` · kept ${m.expiresAt ? `until ${formatTime(m.expiresAt)}` : m.retention}` : ''} · id {m.id}
                </p>
                <Provenance value={m.provenance} />
              </div>
              <div class="row-actions">
                {confirming === m.id ? (
                  <ConfirmBar question={`Delete "${m.text}" for good?`} confirmLabel="Delete" busy={busy} onConfirm={() => void remove(m)} onCancel={() => setConfirming(undefined)} />
                ) : (
                  <button type="button" class="danger" aria-label={`Delete memory: ${m.text}`} onClick={() => setConfirming(m.id)}>
                    Delete
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const LABELS: Record<string, string> = {
  channel: 'Channel',
  chatId: 'Chat',
  userId: 'User',
  updateId: 'Message',
  callId: 'Tool call',
  workflowId: 'Workflow',
  runId: 'Run',
  at: 'When',
  recordedAt: 'When',
  sourceText: 'Said',
  source: 'Source',
};

/** Where a fact came from: channel, chat, message, workflow run, time, the words said. */
function Provenance({ value }: { value: Memory['provenance'] }) {
  if (!value || typeof value !== 'object') return null;
  const entries = Object.entries(value).filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (!entries.length) return null;
  return (
    <details class="provenance">
      <summary>Provenance</summary>
      <dl>
        {entries.map(([k, v]) => (
          <div key={k}>
            <dt>{LABELS[k] ?? k}</dt>
            <dd>{typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? formatTime(v) : typeof v === 'string' ? v : JSON.stringify(v)}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
