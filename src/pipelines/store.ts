import { sql } from 'kysely';
import type { Store } from '../storage/database.js';
import type { PipelineRunsTable, PipelineTaskRunsTable } from '../storage/schema.js';
import type { PipelineSpec, TaskStatus } from './dag.js';
import { shapeChanged } from './registry.js';
import { compareVersions, storedVersion, type PipelineVersion } from './version.js';

/**
 * Run history and definitions of pipelines, in SQLite or PostgreSQL through one query
 * layer. Every write is keyed (run id, task id), so a retried activity rewrites the same row.
 */

export type RunStatus = PipelineRunsTable['status'];

export interface PipelineDefinitionView {
  id: string;
  version: PipelineVersion;
  shape: string;
  description: string | null;
  source: string | null;
  tasks: Array<{ id: string; dependsOn: string[]; conditional: boolean }>;
  firstLoadedAt: string;
  lastLoadedAt: string;
}

export interface TaskRunView {
  taskId: string;
  status: TaskStatus;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

export interface RunView {
  runId: string;
  pipelineId: string;
  version: PipelineVersion;
  status: RunStatus;
  trigger: string;
  input: unknown;
  outputs: unknown;
  failedTask: string | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface RunDetailView extends RunView {
  tasks: TaskRunView[];
}

const parse = (text: string | null): unknown => (text === null ? null : (JSON.parse(text) as unknown));

/**
 * Records a loaded definition. Refuses (PIPELINE_SHAPE_CHANGED) an id and version that the
 * database already knows with another shape: the check survives restarts and spans workers.
 */
export async function recordDefinition(
  store: Store,
  entry: { spec: PipelineSpec; shape: string; description?: string | undefined; source?: string | undefined },
  now = new Date(),
): Promise<void> {
  const { spec, shape } = entry;
  const existing = await store.db
    .selectFrom('pipeline_definitions')
    .select(['shape', 'source'])
    .where('pipeline_id', '=', spec.id)
    .where('version', '=', spec.version)
    .executeTakeFirst();
  if (existing && existing.shape !== shape) {
    throw shapeChanged(spec.id, spec.version, `first loaded from ${existing.source ?? 'code'}`, entry.source ?? 'this definition');
  }
  const at = now.toISOString();
  if (existing) {
    await store.db
      .updateTable('pipeline_definitions')
      .set({ last_loaded_at: at, source: entry.source ?? null, description: entry.description ?? null })
      .where('pipeline_id', '=', spec.id)
      .where('version', '=', spec.version)
      .execute();
    return;
  }
  await store.db
    .insertInto('pipeline_definitions')
    .values({
      pipeline_id: spec.id,
      version: spec.version,
      shape,
      spec: JSON.stringify(spec),
      description: entry.description ?? null,
      source: entry.source ?? null,
      first_loaded_at: at,
      last_loaded_at: at,
    })
    .onConflict((oc) => oc.columns(['pipeline_id', 'version']).doNothing())
    .execute();
}

/** Every known pipeline version, newest version first within each id. */
export async function listDefinitions(store: Store): Promise<PipelineDefinitionView[]> {
  const rows = await store.db.selectFrom('pipeline_definitions').selectAll().execute();
  rows.sort((a, b) => (a.pipeline_id === b.pipeline_id ? compareVersions(storedVersion(b.version), storedVersion(a.version)) : a.pipeline_id < b.pipeline_id ? -1 : 1));
  return rows.map((r) => {
    const spec = JSON.parse(r.spec) as PipelineSpec;
    return {
      id: r.pipeline_id,
      version: storedVersion(r.version),
      shape: r.shape,
      description: r.description,
      source: r.source,
      tasks: spec.tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn, conditional: t.conditional })),
      firstLoadedAt: r.first_loaded_at,
      lastLoadedAt: r.last_loaded_at,
    };
  });
}

/** The highest known version of a pipeline (or the given one). */
export async function findDefinition(store: Store, id: string, version?: PipelineVersion): Promise<PipelineDefinitionView | undefined> {
  return (await listDefinitions(store)).find((d) => d.id === id && (version === undefined || d.version === version));
}

/** Inserts the run's row when it starts (a retry finds it and changes nothing). */
export async function beginRun(store: Store, run: { runId: string; pipelineId: string; version: PipelineVersion; trigger: string; input: unknown; startedAt: string }): Promise<void> {
  await store.db
    .insertInto('pipeline_runs')
    .values({
      run_id: run.runId,
      pipeline_id: run.pipelineId,
      version: run.version,
      status: 'running',
      trigger: run.trigger,
      input: JSON.stringify(run.input),
      outputs: null,
      failed_task: null,
      error: null,
      started_at: run.startedAt,
      finished_at: null,
      duration_ms: null,
    })
    .onConflict((oc) => oc.column('run_id').doNothing())
    .execute();
}

export async function finishRun(
  store: Store,
  runId: string,
  result: { status: Exclude<RunStatus, 'running'>; outputs: unknown; failedTask?: string | undefined; error?: string | undefined; finishedAt: string },
): Promise<void> {
  const row = await store.db.selectFrom('pipeline_runs').select('started_at').where('run_id', '=', runId).executeTakeFirst();
  await store.db
    .updateTable('pipeline_runs')
    .set({
      status: result.status,
      outputs: JSON.stringify(result.outputs),
      failed_task: result.failedTask ?? null,
      error: result.error ?? null,
      finished_at: result.finishedAt,
      duration_ms: row ? Date.parse(result.finishedAt) - Date.parse(row.started_at) : null,
    })
    .where('run_id', '=', runId)
    .execute();
}

/**
 * Records one attempt of a task (written by the task's activity). A later attempt replaces
 * an earlier one; a stale attempt (one that timed out and finished late) changes nothing.
 */
export async function recordTaskAttempt(store: Store, row: PipelineTaskRunsTable): Promise<void> {
  await store.db
    .insertInto('pipeline_task_runs')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['run_id', 'task_id'])
        .doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          attempts: eb.ref('excluded.attempts'),
          started_at: sql<string>`coalesce(pipeline_task_runs.started_at, excluded.started_at)`,
          finished_at: eb.ref('excluded.finished_at'),
          duration_ms: eb.ref('excluded.duration_ms'),
          error: eb.ref('excluded.error'),
          output: eb.ref('excluded.output'),
          output_bytes: eb.ref('excluded.output_bytes'),
        }))
        .where(sql<boolean>`pipeline_task_runs.attempts < excluded.attempts or (pipeline_task_runs.attempts = excluded.attempts and pipeline_task_runs.status = 'running')`),
    )
    .execute();
}

/**
 * Writes the workflow's final word on each task: rows for tasks that never ran (skipped with
 * a parent, upstream-failed) and the final status of those whose last attempt timed out.
 */
export async function settleTasks(
  store: Store,
  runId: string,
  tasks: Array<{ taskId: string; status: TaskStatus; attempts: number; error?: string | undefined }>,
): Promise<void> {
  if (tasks.length === 0) return;
  const existing = new Map(
    (await store.db.selectFrom('pipeline_task_runs').select(['task_id', 'status', 'attempts']).where('run_id', '=', runId).execute()).map((r) => [r.task_id, r]),
  );
  for (const t of tasks) {
    if (t.status === 'pending' || t.status === 'running') continue;
    const row = existing.get(t.taskId);
    if (!row) {
      await store.db
        .insertInto('pipeline_task_runs')
        .values({ run_id: runId, task_id: t.taskId, status: t.status, attempts: t.attempts, started_at: null, finished_at: null, duration_ms: null, error: t.error ?? null, output: null, output_bytes: null })
        .onConflict((oc) => oc.columns(['run_id', 'task_id']).doNothing())
        .execute();
    } else if (row.status !== t.status || row.attempts < t.attempts) {
      await store.db
        .updateTable('pipeline_task_runs')
        .set({ status: t.status, attempts: Math.max(row.attempts, t.attempts), ...(t.error ? { error: t.error } : {}) })
        .where('run_id', '=', runId)
        .where('task_id', '=', t.taskId)
        .execute();
    }
  }
}

/** Stored outputs of some tasks of a run (to resolve references). */
export async function loadOutputs(store: Store, runId: string, taskIds: string[]): Promise<Map<string, unknown>> {
  if (taskIds.length === 0) return new Map();
  const rows = await store.db
    .selectFrom('pipeline_task_runs')
    .select(['task_id', 'output'])
    .where('run_id', '=', runId)
    .where('task_id', 'in', taskIds)
    .execute();
  return new Map(rows.map((r) => [r.task_id, parse(r.output)]));
}

/** The run's stored input. */
export async function loadRunInput(store: Store, runId: string): Promise<unknown> {
  const row = await store.db.selectFrom('pipeline_runs').select('input').where('run_id', '=', runId).executeTakeFirst();
  return row ? parse(row.input) : undefined;
}

function runView(r: PipelineRunsTable): RunView {
  return {
    runId: r.run_id,
    pipelineId: r.pipeline_id,
    version: storedVersion(r.version),
    status: r.status,
    trigger: r.trigger,
    input: parse(r.input),
    outputs: parse(r.outputs),
    failedTask: r.failed_task,
    error: r.error,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
  };
}

/** Most recent runs first. */
export async function listRuns(store: Store, options: { pipelineId?: string | undefined; limit?: number | undefined } = {}): Promise<RunView[]> {
  let query = store.db.selectFrom('pipeline_runs').selectAll().orderBy('started_at', 'desc').orderBy('run_id', 'desc').limit(options.limit ?? 20);
  if (options.pipelineId) query = query.where('pipeline_id', '=', options.pipelineId);
  return (await query.execute()).map(runView);
}

/** One run with its tasks, in the pipeline's topological order when the definition is known. */
export async function getRun(store: Store, runId: string): Promise<RunDetailView | undefined> {
  const run = await store.db.selectFrom('pipeline_runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  if (!run) return undefined;
  const rows = await store.db.selectFrom('pipeline_task_runs').selectAll().where('run_id', '=', runId).execute();
  const def = await store.db.selectFrom('pipeline_definitions').select('spec').where('pipeline_id', '=', run.pipeline_id).where('version', '=', run.version).executeTakeFirst();
  const order = def ? (JSON.parse(def.spec) as PipelineSpec).tasks.map((t) => t.id) : [];
  const byId = new Map(rows.map((r) => [r.task_id, r]));
  const ids = [...order.filter((id) => byId.has(id) || run.status === 'running'), ...rows.map((r) => r.task_id).filter((id) => !order.includes(id))];
  const tasks: TaskRunView[] = ids.map((id) => {
    const r = byId.get(id);
    return {
      taskId: id,
      status: (r?.status ?? 'pending') as TaskStatus,
      attempts: r?.attempts ?? 0,
      startedAt: r?.started_at ?? null,
      finishedAt: r?.finished_at ?? null,
      durationMs: r?.duration_ms ?? null,
      error: r?.error ?? null,
    };
  });
  return { ...runView(run), tasks };
}
