import { ApiError, api, errorFrom, getText, networkError, type Schemas } from '../lib/api.js';
import { formatBytes, formatDuration } from '../lib/format.js';
import { mean, parsePrometheus, sum, type Sample } from '../lib/metrics.js';
import { useResource } from '../lib/resource.js';
import { ErrorNotice, Loading } from '../components/notices.js';

interface Check {
  name: string;
  ok: boolean;
  ms: number;
  detail?: string;
  error?: string;
}

interface Readiness {
  status: string;
  checks: Check[];
}

/** GET /api/system: facts about this instance. */
export type SystemInfo = Schemas['SystemInfo'];

const REFRESH_MS = 5_000;

/** /readyz answers 503 with the same JSON when something is not ready: read both. */
async function readiness(signal: AbortSignal): Promise<Readiness> {
  let res: Response;
  try {
    res = await fetch('/readyz', { signal, cache: 'no-store' });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw networkError(err);
  }
  if (res.status !== 200 && res.status !== 503) throw await errorFrom(res);
  return (await res.json()) as Readiness;
}

interface KeyMetric {
  label: string;
  value: string;
  help: string;
}

function n(value: number | undefined, unit = ''): string {
  return value === undefined ? '—' : `${Number.isInteger(value) ? value : value.toFixed(2)}${unit}`;
}

/** The handful of numbers a person checks first, from the Prometheus text. */
export function keyMetrics(samples: Sample[], now = Date.now()): KeyMetric[] {
  const started = sum(samples, 'mycel_process_start_time_seconds');
  const rss = sum(samples, 'mycel_process_resident_memory_bytes');
  const turnMean = mean(samples, 'mycel_turn_duration_seconds');
  const delay = mean(samples, 'mycel_promise_delivery_delay_seconds');
  return [
    { label: 'Turns answered', value: n(sum(samples, 'mycel_turns_total', { outcome: 'ok' })), help: 'conversation turns finished without error' },
    { label: 'Turns failed', value: n(sum(samples, 'mycel_turns_total', { outcome: 'error' })), help: 'conversation turns that ended in an error' },
    { label: 'Mean reply time', value: turnMean === undefined ? '—' : formatDuration(turnMean * 1000), help: 'from receiving a message to its reply' },
    { label: 'Mean reminder delay', value: delay === undefined ? '—' : formatDuration(delay * 1000), help: 'how late reminders were delivered against their due time' },
    { label: 'Duplicates dropped', value: n(sum(samples, 'mycel_duplicates_dropped_total')), help: 'resent messages recognised and answered once' },
    { label: 'Pipeline runs', value: n(sum(samples, 'mycel_pipeline_runs_total')), help: 'pipeline runs finished (succeeded or failed)' },
    { label: 'Pipeline runs failed', value: n(sum(samples, 'mycel_pipeline_runs_total', { status: 'failed' })), help: 'pipeline runs that failed' },
    { label: 'Activity failures', value: n(sum(samples, 'mycel_activity_failures_total')), help: 'activity attempts that threw (retried by Temporal)' },
    { label: 'Task queue backlog', value: n(sum(samples, 'mycel_task_queue_backlog')), help: 'tasks waiting for a worker' },
    { label: 'HTTP requests', value: n(sum(samples, 'mycel_http_requests_total')), help: 'requests served by this process' },
    { label: 'Memory in use', value: rss === undefined ? '—' : formatBytes(rss), help: 'resident memory of the Mycel process' },
    { label: 'Up for', value: started === undefined ? '—' : formatDuration(now - started * 1000), help: 'since this process started' },
  ];
}

export function SystemPage() {
  const ready = useResource(readiness, [], REFRESH_MS);
  const metrics = useResource((signal) => getText('/metrics', signal).then(parsePrometheus), [], REFRESH_MS);
  const info = useResource((signal) => api.ok(api.GET('/api/system', { signal })), []);
  const usage = useResource((signal) => api.ok(api.GET('/api/usage', { params: { query: { days: 14 } }, signal })), [], REFRESH_MS);

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        System health
      </h1>
      <h2>Readiness</h2>
      {ready.error !== undefined && <ErrorNotice error={ready.error} action="check readiness" onRetry={ready.reload} />}
      {ready.data === undefined && ready.loading && <Loading what="readiness" />}
      {ready.data && (
        <>
          <p class={`overall ${ready.data.status === 'ready' ? 'ok' : 'bad'}`} role="status">
            {ready.data.status === 'ready' ? 'Ready: Mycel can do its work.' : 'Not ready: see the failing checks below.'}
          </p>
          <ul class="checks" aria-label="Readiness checks">
            {ready.data.checks.map((c) => (
              <li key={c.name} class={c.ok ? 'ok' : 'bad'}>
                <span class="check-mark" aria-hidden="true">
                  {c.ok ? '✓' : '✗'}
                </span>
                <strong>{c.name}</strong> <span class="visually-hidden">{c.ok ? 'passed' : 'failed'}</span>
                <span class="check-detail">{c.ok ? c.detail ?? 'ok' : c.error}</span>
                <span class="check-ms">{c.ms} ms</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>Key metrics</h2>
      {metrics.error !== undefined && <ErrorNotice error={metrics.error} action="read the metrics" onRetry={metrics.reload} />}
      {metrics.data === undefined && metrics.loading && <Loading what="metrics" />}
      {metrics.data && (
        <dl class="metrics">
          {keyMetrics(metrics.data).map((m) => (
            <div key={m.label} class="metric" title={m.help}>
              <dt>{m.label}</dt>
              <dd>{m.value}</dd>
            </div>
          ))}
        </dl>
      )}
      <p>
        All metrics in Prometheus format: <a href="/metrics">/metrics</a>. API description: <a href="/api/openapi.json">/api/openapi.json</a>.
      </p>
      <h2>Model usage</h2>
      {usage.error !== undefined && !(usage.error instanceof ApiError && usage.error.kind === 'missing-route') && <ErrorNotice error={usage.error} action="read the model usage" onRetry={usage.reload} />}
      {usage.data && <UsagePanel usage={usage.data} />}
      <h2>This instance</h2>
      {info.error !== undefined && !(info.error instanceof ApiError && info.error.kind === 'missing-route') && <ErrorNotice error={info.error} action="load the instance facts" onRetry={info.reload} />}
      {info.data && <InstanceFacts info={info.data} />}
    </section>
  );
}

type Usage = Schemas['Usage'];

const count = (v: number) => v.toLocaleString();
const cost = (v: number | undefined) => (v === undefined ? '—' : `$${v.toFixed(v < 1 ? 4 : 2)}`);

/** Tokens by day (the last two weeks), origin and model, from GET /api/usage. */
function UsagePanel({ usage }: { usage: Usage }) {
  if (usage.totals.calls === 0) return <p class="muted-text">No model calls counted yet (with MYCEL_MODEL=offline there are none).</p>;
  return (
    <>
      <p>
        All time: {count(usage.totals.inputTokens)} tokens in, {count(usage.totals.outputTokens)} out, {count(usage.totals.calls)} calls
        {usage.byOrigin.length > 0 && <> ({usage.byOrigin.map((o) => `${o.origin}: ${count(o.calls)}`).join(', ')})</>}.
        {usage.byModel.length > 1 && <> Models: {usage.byModel.map((m) => `${m.model} ${count(m.calls)}`).join(', ')}.</>}
      </p>
      <table class="usage" aria-label="Model usage by day">
        <thead>
          <tr>
            <th scope="col">Day (UTC)</th>
            <th scope="col">Tokens in</th>
            <th scope="col">Tokens out</th>
            <th scope="col">Calls</th>
            <th scope="col">Cost</th>
          </tr>
        </thead>
        <tbody>
          {usage.days.map((d) => (
            <tr key={d.date}>
              <td>{d.date}</td>
              <td>{count(d.inputTokens)}</td>
              <td>{count(d.outputTokens)}</td>
              <td>{count(d.calls)}</td>
              <td>{cost(d.costUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {usage.pricesError ? <p class="muted-text">No cost: {usage.pricesError}</p> : <p class="muted-text">Cost appears for models listed in the price table (MYCEL_MODEL_PRICES).</p>}
    </>
  );
}

function InstanceFacts({ info }: { info: SystemInfo }) {
  const facts: Array<[string, string | undefined]> = [
    ['Version', info.version],
    ['Temporal', info.embeddedTemporal ? 'embedded dev server' : 'external cluster'],
    ['Namespace', info.temporalNamespace],
    ['Task queue', info.taskQueue],
    ['Database', info.database],
    ['Model', info.model],
    ['Channels', info.channels?.join(', ')],
    ['API token', info.authRequired ? 'required' : 'not required (loopback only)'],
  ];
  return (
    <>
      <dl class="facts">
        {facts
          .filter(([, v]) => v)
          .map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
      </dl>
      {info.temporalUiUrl ? (
        <p>
          <a href={info.temporalUiUrl} target="_blank" rel="noopener noreferrer">
            Open the Temporal web UI
          </a>{' '}
          to see every workflow (chats, reminders, pipelines) and its history.
        </p>
      ) : (
        <p class="muted-text">The Temporal web UI is not running{info.embeddedTemporal ? ' (start Mycel with MYCEL_TEMPORAL_UI=1 to serve it)' : ''}.</p>
      )}
    </>
  );
}
