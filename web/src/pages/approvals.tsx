import { useState } from 'preact/hooks';
import { api, type Schemas } from '../lib/api.js';
import { describeToolInput as describeInput, formatTime, relativeTime } from '../lib/format.js';
import { useResource } from '../lib/resource.js';
import { ErrorNotice, Empty, Loading, Unavailable, isMissing } from '../components/notices.js';

/** A tool call waiting for the owner (**contract**: id, chatId, tool, input, requestedAt). */
export type Approval = Schemas['Approval'];

/** Announced on window after a decision, so the nav badge updates at once. */
export const APPROVALS_CHANGED = 'mycel:approvals-changed';

/** New requests show up within this long without a reload. */
const REFRESH_MS = 4_000;

export function ApprovalsPage() {
  const pending = useResource((signal) => api.ok(api.GET('/api/approvals', { signal })), [], REFRESH_MS);
  const decided = useResource((signal) => api.ok(api.GET('/api/approvals', { params: { query: { status: 'all' } }, signal })).then((all) => all.filter((a) => a.status !== 'pending').reverse().slice(0, 20)), [], REFRESH_MS);
  const [busy, setBusy] = useState<string>();
  const [actionError, setActionError] = useState<{ error: unknown; action: string }>();
  const [notice, setNotice] = useState<string>();

  const decide = async (a: Approval, decision: 'approve' | 'deny') => {
    setBusy(a.id);
    setActionError(undefined);
    try {
      await api.ok(api.POST('/api/approvals/{id}', { params: { path: { id: a.id } }, body: { decision } }));
      setNotice(decision === 'approve' ? `Approved ${a.id}: the ${a.tool} call runs now, and its result is posted to chat ${a.chatId}.` : `Denied ${a.id}: nothing runs; chat ${a.chatId} is told.`);
      pending.reload();
      decided.reload();
      window.dispatchEvent(new Event(APPROVALS_CHANGED));
    } catch (error) {
      setActionError({ error, action: `${decision} ${a.id}` });
      pending.reload();
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Approvals
      </h1>
      <p class="lead">Tool calls the safety policy holds for your decision. Nothing runs until you approve; a request not answered in time expires.</p>
      {isMissing(pending.error) ? (
        <Unavailable what="Approvals" />
      ) : (
        <>
          {notice && (
            <p class="notice ok" role="status">
              {notice}
            </p>
          )}
          {actionError && <ErrorNotice error={actionError.error} action={actionError.action} />}
          {pending.error !== undefined && <ErrorNotice error={pending.error} action="load the approvals" onRetry={pending.reload} />}
          <h2>Waiting for you</h2>
          {pending.data === undefined && pending.loading && <Loading what="approvals" />}
          {pending.data && pending.data.length === 0 && <Empty>Nothing is waiting for approval.</Empty>}
          {pending.data && pending.data.length > 0 && (
            <ul class="rows" aria-label="Pending approvals">
              {pending.data.map((a) => (
                <li key={a.id} class="row approval">
                  <div class="row-main">
                    <p class="row-title">
                      <span class="tool">{a.tool}</span> <code class="command">{describeInput(a.input)}</code>
                    </p>
                    <p class="row-meta">
                      id {a.id} · chat {a.chatId} · asked {relativeTime(a.requestedAt)}
                      {a.expiresAt ? ` · expires ${relativeTime(a.expiresAt)}` : ''}
                    </p>
                  </div>
                  <div class="row-actions">
                    <button type="button" disabled={busy === a.id} aria-label={`Approve ${a.id}`} onClick={() => void decide(a, 'approve')}>
                      Approve
                    </button>
                    <button type="button" class="danger" disabled={busy === a.id} aria-label={`Deny ${a.id}`} onClick={() => void decide(a, 'deny')}>
                      Deny
                    </button>
                  </div>
                </li>
              ))}
            </ul>
          )}
          <h2>Recently decided</h2>
          {decided.data && decided.data.length === 0 && <Empty>No decisions yet.</Empty>}
          {decided.data && decided.data.length > 0 && (
            <table class="table stack">
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Tool and input</th>
                  <th scope="col">Decision</th>
                  <th scope="col">By</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {decided.data.map((a) => (
                  <tr key={a.id}>
                    <td data-label="Id">{a.id}</td>
                    <td data-label="Tool and input">
                      {a.tool} <code>{describeInput(a.input)}</code>
                    </td>
                    <td data-label="Decision">
                      <span class={`badge ${a.status}`}>{a.status}</span>
                    </td>
                    <td data-label="By">{a.decidedBy ?? '—'}</td>
                    <td data-label="When">{formatTime(a.decidedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
