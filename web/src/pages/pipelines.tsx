import { useState } from 'preact/hooks';
import { ApiError, get, post } from '../lib/api.js';
import { loadCapabilities, type Capabilities } from '../lib/capabilities.js';
import { compactJson, formatDuration, formatTime } from '../lib/format.js';
import { useResource } from '../lib/resource.js';
import { ErrorNotice, Empty, Loading, Unavailable, isMissing } from '../components/notices.js';

/** A registered pipeline, as GET /api/pipelines lists it. */
export interface PipelineInfo {
  id: string;
  version?: number;
  description?: string;
  tasks?: Array<{ id: string; dependsOn?: string[] }> | number;
  cron?: string | string[] | null;
  schedule?: { cron: string[]; paused?: boolean; nextRunAt?: string | null } | null;
  source?: string | null;
}

/** A task of a run, as the runs API reports it. */
export interface TaskRun {
  id: string;
  status: string;
  attempts?: number;
  startedAt?: string | null;
  finishedAt?: string | null;
  durationMs?: number | null;
  error?: string | null;
  reason?: string | null;
}

export interface PipelineRun {
  runId: string;
  pipelineId: string;
  status: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  durationMs?: number | null;
  error?: string | null;
  failedTask?: string | null;
  output?: unknown;
  tasks: TaskRun[];
}

/** How many recent runs the page shows, and how many of them with their tasks. */
export const RECENT_RUNS = 20;
export const DETAILED_RUNS = 5;
const REFRESH_MS = 3_000;

/** The documented paths for running a pipeline and listing runs, whatever their exact names. */
function runPaths(caps: Capabilities) {
  return {
    start: caps.find('post', /^\/api\/pipelines\/\{[^}]+\}\/runs?$/),
    runs: caps.find('get', /^\/api\/(pipelines\/)?(pipeline-)?runs$/),
    runsOf: caps.find('get', /^\/api\/pipelines\/\{[^}]+\}\/runs$/),
    detail: caps.find('get', /^\/api\/(pipeline-runs|pipelines\/runs)\/\{[^}]+\}$/),
  };
}

function fill(template: string, id: string): string {
  return template.replace(/\{[^}]+\}/, encodeURIComponent(id));
}

function durationOf(x: { durationMs?: number | null; startedAt?: string | null; finishedAt?: string | null }): number | undefined {
  if (typeof x.durationMs === 'number') return x.durationMs;
  if (x.startedAt && x.finishedAt) return Date.parse(x.finishedAt) - Date.parse(x.startedAt);
  return undefined;
}

/** Accepts the run shapes the API may use (`id` or `runId`, tasks as a list or a map). */
export function normalizeRun(raw: Record<string, unknown>): PipelineRun {
  const tasksRaw = raw.tasks;
  const tasks: TaskRun[] = Array.isArray(tasksRaw)
    ? (tasksRaw as Array<Record<string, unknown>>).map((t) => ({ ...(t as unknown as TaskRun), id: String(t.id ?? t.taskId ?? '') }))
    : tasksRaw && typeof tasksRaw === 'object'
      ? Object.entries(tasksRaw as Record<string, Record<string, unknown>>).map(([id, t]) => ({ ...(t as unknown as TaskRun), id }))
      : [];
  return {
    ...(raw as unknown as PipelineRun),
    runId: String(raw.runId ?? raw.id ?? raw.workflowId ?? ''),
    pipelineId: String(raw.pipelineId ?? raw.pipeline ?? ''),
    status: String(raw.status ?? 'unknown'),
    output: raw.output ?? raw.outputs,
    tasks,
  };
}

export function PipelinesPage() {
  const data = useResource(async (signal) => {
    const caps = await loadCapabilities();
    const pipelines = await get<PipelineInfo[]>('/api/pipelines', signal);
    return { caps, pipelines, paths: runPaths(caps) };
  }, []);
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
                    {p.version !== undefined && <span class="muted-text"> v{p.version}</span>}
                  </p>
                  <p class="row-meta">
                    {Array.isArray(p.tasks) ? `${p.tasks.length} tasks: ${p.tasks.map((t) => t.id).join(', ')}` : typeof p.tasks === 'number' ? `${p.tasks} tasks` : ''}
                    {p.cron ? ` · cron ${[p.cron].flat().join(', ')}` : ''}
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
            <RunForm key={current.id} pipeline={current} startPath={data.data.paths.start} onStarted={() => setRunsTick((t) => t + 1)} />
          )}
        </div>
      )}
      {data.data && <RecentRuns paths={data.data.paths} pipelineId={current?.id} tick={runsTick} />}
    </section>
  );
}

function RunForm({ pipeline, startPath, onStarted }: { pipeline: PipelineInfo; startPath: string | undefined; onStarted(): void }) {
  const [input, setInput] = useState('{}');
  const [inputError, setInputError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<PipelineRun>();

  if (!startPath) return <Unavailable what="Running pipelines from the web" />;

  const run = async (e: Event) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = input.trim() ? JSON.parse(input) : {};
    } catch (err) {
      return setInputError(`The input is not valid JSON: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return setInputError('The input must be a JSON object, for example {"name": "Ada"}.');
    setInputError(undefined);
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const started = await post<Record<string, unknown>>(fill(startPath, pipeline.id), { input: parsed });
      setResult(normalizeRun({ pipelineId: pipeline.id, ...started }));
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
          <p class="notice-title">
            {result.status === 'running' ? `Started run ${result.runId}. Its progress shows under Recent runs.` : `Run ${result.runId}: ${result.status}.`}
          </p>
          {result.output !== undefined && (
            <pre class="output">{JSON.stringify(result.output, null, 2)}</pre>
          )}
          {result.error && <p>{result.error}</p>}
        </div>
      )}
    </form>
  );
}

function RecentRuns({ paths, pipelineId, tick }: { paths: ReturnType<typeof runPaths>; pipelineId: string | undefined; tick: number }) {
  const source = paths.runsOf && pipelineId ? fill(paths.runsOf, pipelineId) : paths.runs;
  const runs = useResource(
    async (signal) => {
      if (!source) return undefined;
      const list = await get<Array<Record<string, unknown>> | { runs: Array<Record<string, unknown>> }>(source, signal);
      const recent = (Array.isArray(list) ? list : list.runs).map(normalizeRun).slice(0, RECENT_RUNS);
      // The list has no per-task detail: fetch it for the newest runs.
      const detail = paths.detail;
      if (!detail) return recent;
      return Promise.all(
        recent.map((run, i) =>
          i < DETAILED_RUNS && run.tasks.length === 0 && run.runId
            ? get<Record<string, unknown>>(fill(detail, run.runId), signal).then(normalizeRun, () => run)
            : run,
        ),
      );
    },
    [source, tick],
    REFRESH_MS,
  );
  return (
    <>
      <h2>Recent runs</h2>
      {!source && <Unavailable what="Run history" />}
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
                      <tr key={t.id}>
                        <td>{t.id}</td>
                        <td>
                          <span class={`badge ${t.status}`}>{t.status}</span>
                        </td>
                        <td>{t.attempts ?? '—'}</td>
                        <td>{formatDuration(durationOf(t))}</td>
                        <td>{t.error ?? t.reason ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {r.output !== undefined && r.output !== null && <p class="row-meta">output {compactJson(r.output)}</p>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
