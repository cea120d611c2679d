import { useState } from 'preact/hooks';
import { api, type Schemas } from '../lib/api.js';
import { loadCapabilities, type Capabilities } from '../lib/capabilities.js';
import { channelQuery, chatParam, type Channel } from '../lib/chat-param.js';
import { formatDuration, formatTime, relativeTime } from '../lib/format.js';
import { useResource } from '../lib/resource.js';
import type { Location } from '../lib/router.js';
import { ChatSelect } from '../components/chat-select.js';
import { ErrorNotice, Empty, Loading, Unavailable, isMissing } from '../components/notices.js';

/** A pending promise (**contract**: id, text, dueAt, status). */
export type Reminder = Schemas['Reminder'];
/** One delivery of a promise in the ledger (**contract**: at, lateMs, outcome). */
export type LedgerDelivery = Schemas['PromiseDelivery'];
/** A promise in the ledger (**contract**: GET /api/promises). */
export type LedgerEntry = Schemas['LedgerEntry'];

/** A delivery this much after its due time is shown as late (the contract's threshold). */
const LATE_MS = 60_000;
const SNOOZE = '/api/chats/{chatId}/reminders/{id}/snooze';
const RESUME = '/api/promises/{id}/resume';
/** Refresh the list this often so fired reminders leave it. */
const REFRESH_MS = 5_000;
/** The snooze choices offered: the server's `when` text and its label. */
export const SNOOZE_CHOICES: ReadonlyArray<[when: string, label: string]> = [
  ['10m', 'by 10 minutes'],
  ['1h', 'by 1 hour'],
  ['tomorrow at 9', 'to tomorrow 9:00'],
];

export function PromisesPage({ location }: { location: Location }) {
  const { chatId, channel, choose } = chatParam(location);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Reminders
      </h1>
      <p class="lead">What Mycel promised to tell you or to do, and when. Each one is durable work that fires once, even across restarts.</p>
      <ChatSelect value={chatId} channel={channel} onChange={choose} />
      {chatId ? <ReminderList key={`${channel}:${chatId}`} chatId={chatId} channel={channel} /> : <Empty>Choose a chat to see its reminders.</Empty>}
      <Ledger key={`ledger:${channel}:${chatId ?? ''}`} chatId={chatId} channel={channel} />
    </section>
  );
}

function ReminderList({ chatId, channel }: { chatId: string; channel: Channel }) {
  const list = useResource(
    async (signal) => {
      const [caps, reminders] = await Promise.all([loadCapabilities(), api.ok(api.GET('/api/chats/{chatId}/reminders', { params: { path: { chatId }, query: channelQuery(channel) }, signal }))]);
      return { caps, reminders };
    },
    [chatId, channel],
    REFRESH_MS,
  );
  const [actionError, setActionError] = useState<{ error: unknown; action: string }>();
  const [busy, setBusy] = useState<string>();
  const [notice, setNotice] = useState<string>();

  if (isMissing(list.error)) return <Unavailable what="Reminders" />;
  const act = async (id: string, action: string, run: () => Promise<unknown>, done: string) => {
    setBusy(id);
    setActionError(undefined);
    try {
      await run();
      setNotice(done);
      list.reload();
    } catch (error) {
      setActionError({ error, action });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <div>
      {notice && (
        <p class="notice ok" role="status">
          {notice}
        </p>
      )}
      {actionError && <ErrorNotice error={actionError.error} action={actionError.action} />}
      {list.error !== undefined && <ErrorNotice error={list.error} action="load the reminders" onRetry={list.reload} />}
      {list.data === undefined && list.loading && <Loading what="reminders" />}
      {list.data && list.data.reminders.length === 0 && <Empty>No pending reminders in this chat. In the chat, try "/remind in 10m stretch".</Empty>}
      {list.data && list.data.reminders.length > 0 && (
        <ul class="rows" aria-label="Pending reminders">
          {list.data.reminders.map((r) => (
            <li key={r.id} class="row">
              <div class="row-main">
                <p class="row-title">{r.text}</p>
                <p class="row-meta">
                  <time dateTime={r.dueAt}>{formatTime(r.dueAt)}</time> ({relativeTime(r.dueAt)}) · {r.status} · id {r.id}
                  {r.recurrence ? ` · ${r.recurrence}` : ''}
                  {r.timeZone ? ` · ${r.timeZone}` : ''}
                </p>
              </div>
              <div class="row-actions">
                <SnoozeControl caps={list.data!.caps} disabled={busy === r.id} onSnooze={(when) =>
                  act(r.id, 'snooze the reminder', () => api.ok(api.POST(SNOOZE, { params: { path: { chatId, id: r.id }, query: channelQuery(channel) }, body: { when } })), `Snoozed "${r.text}".`)
                } />
                <button type="button" class="danger" disabled={busy === r.id} aria-label={`Cancel reminder: ${r.text}`} onClick={() =>
                  act(r.id, 'cancel the reminder', () => api.ok(api.DELETE('/api/chats/{chatId}/reminders/{id}', { params: { path: { chatId, id: r.id }, query: channelQuery(channel) } })), `Cancelled "${r.text}".`)
                }>
                  Cancel
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function SnoozeControl({ caps, disabled, onSnooze }: { caps: Capabilities; disabled: boolean; onSnooze(when: string): void }) {
  const [when, setWhen] = useState(SNOOZE_CHOICES[0]![0]);
  if (!caps.has('post', SNOOZE)) return null;
  return (
    <span class="snooze">
      <label>
        <span class="visually-hidden">Snooze</span>
        <select value={when} disabled={disabled} onChange={(e) => setWhen((e.target as HTMLSelectElement).value)}>
          {SNOOZE_CHOICES.map(([m, label]) => (
            <option key={m} value={m}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <button type="button" disabled={disabled} onClick={() => onSnooze(when)}>
        Snooze
      </button>
    </span>
  );
}

function receipt(d: LedgerDelivery): string {
  const late = d.lateMs > LATE_MS ? `, ${formatDuration(d.lateMs)} late` : '';
  const tokens = d.tokens !== undefined ? `, ${d.tokens.toLocaleString()} tokens` : '';
  return `${d.outcome} ${formatTime(d.at)}${late}${tokens}`;
}

function budgetText(b: { perRun: number; perDay: number }): string {
  return `budget ${b.perRun.toLocaleString()} tokens per run, ${b.perDay.toLocaleString()} per day`;
}

/** The promise ledger: every promise (of the chosen chat, or of all chats) with its receipts. */
function Ledger({ chatId, channel }: { chatId: string | undefined; channel: Channel }) {
  const query = { status: 'all' as const, ...(chatId ? { chatId, channel } : {}) };
  const ledger = useResource((signal) => api.ok(api.GET('/api/promises', { params: { query }, signal })), [chatId, channel], REFRESH_MS);
  const [busy, setBusy] = useState<string>();
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  if (isMissing(ledger.error)) return null;
  const resume = async (p: LedgerEntry) => {
    setBusy(p.id);
    setActionError(undefined);
    try {
      await api.ok(api.POST(RESUME, { params: { path: { id: p.id } } }));
      setNotice(`Resumed "${p.text}".`);
      ledger.reload();
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <section aria-labelledby="ledger-title">
      <h2 id="ledger-title">Ledger</h2>
      <p class="lead">Every promise{chatId ? ' of this chat' : ''} with its receipts: pending, delivered (and how late), cancelled, failed, paused (over its token budget, until resumed), and the recent occurrences of a repeating one.</p>
      {notice && (
        <p class="notice ok" role="status">
          {notice}
        </p>
      )}
      {actionError !== undefined && <ErrorNotice error={actionError} action="resume the promise" />}
      {ledger.error !== undefined && <ErrorNotice error={ledger.error} action="load the ledger" onRetry={ledger.reload} />}
      {ledger.data === undefined && ledger.loading && <Loading what="the ledger" />}
      {ledger.data && ledger.data.length === 0 && <Empty>No promises yet.</Empty>}
      {ledger.data && ledger.data.length > 0 && (
        <ul class="rows" aria-label="Promise ledger">
          {ledger.data.map((p) => (
            <li key={p.id} class="row">
              <div class="row-main">
                <p class="row-title">
                  <span class={`badge ${p.status}`}>{p.status}</span> <span class="badge">{p.kind}</span> {p.text}
                </p>
                <p class="row-meta">
                  {p.status === 'pending' ? (
                    <>
                      due <time dateTime={p.dueAt}>{formatTime(p.dueAt)}</time> ({relativeTime(p.dueAt)})
                    </>
                  ) : null}
                  {p.recurrence ? ` · ${p.recurrence}` : ''} · {p.channel}:{p.chatId} · id {p.id}
                  {p.budget ? ` · ${budgetText(p.budget)}` : ''}
                </p>
                {p.status === 'paused' && <p class="row-meta paused-reason">Paused: {p.pausedReason ?? 'no reason recorded'}.</p>}
                {p.deliveries.length > 0 && (
                  <ul class="receipts" aria-label={`Deliveries of ${p.id}`}>
                    {p.deliveries.map((d) => (
                      <li key={`${d.dueAt ?? d.at}`} class={d.lateMs > LATE_MS ? 'late' : undefined} title={d.note}>
                        {receipt(d)}
                        {d.note ? ` — ${d.note}` : ''}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
              {p.status === 'paused' && (
                <div class="row-actions">
                  <button type="button" disabled={busy === p.id} aria-label={`Resume: ${p.text}`} onClick={() => void resume(p)}>
                    Resume
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
