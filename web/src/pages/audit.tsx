import { useState } from 'preact/hooks';
import { api, type Schemas } from '../lib/api.js';
import { compactJson, describeToolInput, formatDuration, formatTime } from '../lib/format.js';
import { useResource } from '../lib/resource.js';
import { ErrorNotice, Empty, Loading, Unavailable, isMissing } from '../components/notices.js';

/** One audit record (**contract**: id, at, chatId, tool, decision, input, outcome). */
export type AuditRecord = Schemas['AuditRecord'];

/** How many records the page asks for. */
export const AUDIT_PAGE_SIZE = 200;

export function AuditPage() {
  const [filter, setFilter] = useState('');
  const list = useResource((signal) => api.ok(api.GET('/api/audit', { params: { query: { limit: AUDIT_PAGE_SIZE } }, signal })), [], 10_000);
  const q = filter.trim().toLowerCase();
  const shown = (list.data ?? []).filter((r) => !q || [r.chatId, r.tool, r.decision, r.outcome, compactJson(r.input)].some((f) => f.toLowerCase().includes(q)));
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Audit log
      </h1>
      <p class="lead">Every tool call, allowed or refused, newest first. Secrets are redacted.</p>
      {isMissing(list.error) ? (
        <Unavailable what="Audit log" />
      ) : (
        <>
          <div class="search">
            <label for="audit-filter">Filter</label>
            <input id="audit-filter" type="search" placeholder="chat, tool, decision…" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
          </div>
          {list.error !== undefined && <ErrorNotice error={list.error} action="load the audit log" onRetry={list.reload} />}
          {list.data === undefined && list.loading && <Loading what="the audit log" />}
          {list.data && shown.length === 0 && <Empty>{q ? 'No record matches the filter.' : 'No tool has been called yet.'}</Empty>}
          {shown.length > 0 && (
            <div class="table-wrap">
              <table class="table stack">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Chat</th>
                    <th scope="col">Tool</th>
                    <th scope="col">Decision</th>
                    <th scope="col">Input</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Took</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((r) => (
                    <tr key={r.id}>
                      <td class="nowrap" data-label="When">
                        <time dateTime={r.at}>{formatTime(r.at)}</time>
                      </td>
                      <td data-label="Chat">{r.chatId}</td>
                      <td data-label="Tool">{r.tool}</td>
                      <td data-label="Decision">
                        <span class={`badge ${r.decision}`}>{r.decision}</span>
                        {r.decidedBy ? <span class="by"> by {r.decidedBy}</span> : null}
                      </td>
                      <td data-label="Input">
                        <code>{describeToolInput(r.input)}</code>
                      </td>
                      <td class="outcome" data-label="Outcome">{compactJson(r.outcome, 160)}</td>
                      <td data-label="Took">{formatDuration(r.durationMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
