import { useState } from 'preact/hooks';
import { ApiError, api, type Schemas } from '../lib/api.js';
import { compactJson, formatDuration, formatTime } from '../lib/format.js';
import { useResource } from '../lib/resource.js';
import { ErrorNotice, Empty, Loading, Unavailable, isMissing } from '../components/notices.js';

/** A registered pipeline, as GET /api/pipelines lists it. */
export type PipelineInfo = Schemas['Pipeline'];
/** A task of a run, as GET /api/pipeline-runs/{runId} reports it. */
export type TaskRun = Schemas['PipelineRunDetail']['tasks'][number];
/** A run as the page shows it: the list's fields, with its tasks once its detail was read. */
export type PipelineRun = Schemas['PipelineRun'] & { tasks: TaskRun[] };

/** How many recent runs the page shows, and how many of them with their tasks. */
export const RECENT_RUNS = 20;
export const DETAILED_RUNS = 5;
const REFRESH_MS = 3_000;

function durationOf(x: { durationMs?: number | null; startedAt?: string | null; finishedAt?: string | null }): number | undefined {
  if (typeof x.durationMs === 'number') return x.durationMs;
  if (x.startedAt && x.finishedAt) return Date.parse(x.finishedAt) - Date.parse(x.startedAt);
  return undefined;
}

/** Recent runs, of one pipeline or of all; the newest with their tasks. */
async function recentRuns(pipelineId: string | undefined, signal: AbortSignal): Promise<PipelineRun[]> {
  const query = { limit: RECENT_RUNS };
  const list = pipelineId
    ? await api.ok(api.GET('/api/pipelines/{id}/runs', { params: { path: { id: pipelineId }, query }, signal }))
    : await api.ok(api.GET('/api/pipeline-runs', { params: { query }, signal }));
  // The list has no per-task detail: read it for the newest runs.
  return Promise.all(
    list.map((run, i): Promise<PipelineRun> | PipelineRun =>
      i < DETAILED_RUNS
        ? api.ok(api.GET('/api/pipeline-runs/{runId}', { params: { path: { runId: run.runId } }, signal })).catch(() => ({ ...run, tasks: [] }))
        : { ...run, tasks: [] },
    ),
  );
}

export function PipelinesPage() {
  const data = useResource(async (signal) => ({ pipelines: await api.ok(api.GET('/api/pipelines', { signal })) }), []);
  const [selected, setSelected] = useState<string>();
  const [runsTick, setRunsTick] = useState(0);

  if (isMissing(data.error)) {
    return (
      <section aria-labelledby="page-title">
        <h1 id="page-title" tabIndex={-1}>
          Pipelines
        </h1>
        <Unavailable what="Pipelines" />
      </section>
    );
  }
  const pipelines = data.data?.pipelines ?? [];
  const current = pipelines.find((p) => p.id === selected) ?? pipelines[0];

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Pipelines
      </h1>
      <p class="lead">Your own durable task graphs. Each run is a Temporal workflow: tasks retry on their own and survive restarts.</p>
      {data.error !== undefined && <ErrorNotice error={data.error} action="load the pipelines" onRetry={data.reload} />}
      {data.data === undefined && data.loading && <Loading what="pipelines" />}
      {data.data && pipelines.length === 0 && <Empty>No pipelines are registered. Put a pipeline file in the pipelines folder (MYCEL_PIPELINES) and restart Mycel; see the README.</Empty>}
      {pipelines.length > 0 && (
        <div class="pipelines">
          <ul class="rows pipeline-list" aria-label="Pipelines">
            {pipelines.map((p) => (
              <li key={p.id} class={`row${current?.id === p.id ? ' selected' : ''}`}>
                <div class="row-main">
                  <p class="row-title">
                    {p.id}
                    <span class="muted-text"> v{p.version}</span>
                  </p>
                  <p class="row-meta">
                    {`${p.tasks.length} tasks: ${p.tasks.map((t) => t.id).join(', ')}`}
                    {p.schedule?.cron.length
                      ? ` · cron ${p.schedule.cron.join(', ')}${p.schedule.paused ? ' (paused)' : p.schedule.nextRunAt ? `, next ${formatTime(p.schedule.nextRunAt)}` : ''}`
                      : ''}
                  </p>
                  {p.description && <p>{p.description}</p>}
                </div>
                <div class="row-actions">
                  <button type="button" aria-pressed={current?.id === p.id} onClick={() => setSelected(p.id)}>
                    Select {p.id}
                  </button>
                </div>
              </li>
            ))}
          </ul>
          {current && data.data && (
            <RunForm key={current.id} pipeline={current} onStarted={() => setRunsTick((t) => t + 1)} />
          )}
        </div>
      )}
      {data.data && <RecentRuns pipelineId={current?.id} tick={runsTick} />}
    </section>
  );
}

function RunForm({ pipeline, onStarted }: { pipeline: PipelineInfo; onStarted(): void }) {
  const [input, setInput] = useState('{}');
  const [inputError, setInputError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<Schemas['PipelineRunStarted']>();

  const run = async (e: Event) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = input.trim() ? JSON.parse(input) : {};
    } catch (err) {
      return setInputError(`The input is not valid JSON: ${(err as Error).message}`);
    }
    if (!isObject(parsed)) return setInputError('The input must be a JSON object, for example {"name": "Ada"}.');
    setInputError(undefined);
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      setResult(await api.ok(api.POST('/api/pipelines/{id}/runs', { params: { path: { id: pipeline.id } }, body: { input: parsed } })));
      onStarted();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card run-form" onSubmit={run}>
      <h2>Run {pipeline.id}</h2>
      <label for="pipeline-input">Input (JSON object)</label>
      <textarea
        id="pipeline-input"
        rows={4}
        spellcheck={false}
        value={input}
        aria-invalid={inputError ? true : undefined}
        aria-describedby={inputError ? 'pipeline-input-error' : undefined}
        onInput={(e) => setInput((e.target as HTMLTextAreaElement).value)}
      />
      {inputError && (
        <p id="pipeline-input-error" class="field-error" role="alert">
          {inputError}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Running…' : 'Run'}
      </button>
      {error !== undefined && <ErrorNotice error={error} action={`run ${pipeline.id}`} />}
      {result && (
        <div class="notice ok" role="status">
          <p class="notice-title">Started run {result.runId}. Its progress shows under Recent runs.</p>
        </div>
      )}
    </form>
  );
}

function RecentRuns({ pipelineId, tick }: { pipelineId: string | undefined; tick: number }) {
  const runs = useResource((signal) => recentRuns(pipelineId, signal), [pipelineId, tick], REFRESH_MS);
  return (
    <>
      <h2>Recent runs</h2>
      {runs.error !== undefined && !(runs.error instanceof ApiError && runs.error.kind === 'missing-route') && (
        <ErrorNotice error={runs.error} action="load the recent runs" onRetry={runs.reload} />
      )}
      {runs.data && runs.data.length === 0 && <Empty>No runs yet.</Empty>}
      {runs.data && runs.data.length > 0 && (
        <ul class="runs" aria-label="Recent runs">
          {runs.data.map((r) => (
            <li key={r.runId} class={`run ${r.status}`}>
              <p class="row-title">
                {r.pipelineId} <span class={`badge ${r.status}`}>{r.status}</span>
              </p>
              <p class="row-meta">
                {r.runId} · started {formatTime(r.startedAt)} · took {formatDuration(durationOf(r))}
              </p>
              {r.error && <p class="field-error">{r.failedTask ? `Task ${r.failedTask}: ` : ''}{r.error}</p>}
              {r.tasks.length > 0 && (
                <table class="table tasks">
                  <caption class="visually-hidden">Tasks of run {r.runId}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Task</th>
                      <th scope="col">Status</th>
                      <th scope="col">Attempts</th>
                      <th scope="col">Took</th>
                      <th scope="col">Note</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.tasks.map((t) => (
                      <tr key={t.taskId}>
                        <td>{t.taskId}</td>
                        <td>
                          <span class={`badge ${t.status}`}>{t.status}</span>
                        </td>
                        <td>{t.attempts ?? '—'}</td>
                        <td>{formatDuration(durationOf(t))}</td>
                        <td>{t.error ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {r.outputs !== undefined && r.outputs !== null && <p class="row-meta">output {compactJson(r.outputs)}</p>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
