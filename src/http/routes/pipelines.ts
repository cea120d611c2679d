import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { apiRoute, ErrorSchema, mycelErrorBody } from '../error-schema.js';
import { listSchedules, runProgress, startPipelineRun, type PipelineSchedule } from '../../pipelines/client.js';
import { findDefinition, getRun, listDefinitions, listRuns } from '../../pipelines/store.js';
import { MycelError, formatError } from '../../shared/errors.js';
import type { HttpDeps } from '../context.js';
import { compareVersions, toVersion } from '../../pipelines/version.js';

/** A pipeline version: a whole number from 1 or a non-empty text. */
const VersionSchema = z.union([z.number().int(), z.string()]);


const TaskStatusSchema = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'upstream-failed']);

const PipelineSchema = z
  .object({
    id: z.string(),
    version: VersionSchema,
    versions: z.array(VersionSchema),
    description: z.string().nullable(),
    source: z.string().nullable(),
    tasks: z.array(z.object({ id: z.string(), dependsOn: z.array(z.string()), conditional: z.boolean() })),
    /** The schedule's cron expressions (shortcut of schedule.cron), or null when unscheduled. */
    cron: z.array(z.string()).nullable(),
    schedule: z
      .object({ cron: z.array(z.string()), version: VersionSchema.nullable(), timeZone: z.string().nullable(), paused: z.boolean(), nextRunAt: z.string().nullable() })
      .nullable(),
  })
  .openapi('Pipeline');

const RunSchema = z
  .object({
    runId: z.string(),
    pipelineId: z.string(),
    version: VersionSchema,
    status: z.enum(['running', 'succeeded', 'failed']),
    trigger: z.string(),
    input: z.unknown(),
    outputs: z.unknown(),
    failedTask: z.string().nullable(),
    error: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
  })
  .openapi('PipelineRun');

const RunDetailSchema = RunSchema.extend({
  tasks: z.array(
    z.object({
      taskId: z.string(),
      status: TaskStatusSchema,
      attempts: z.number().int(),
      startedAt: z.string().nullable(),
      finishedAt: z.string().nullable(),
      durationMs: z.number().nullable(),
      error: z.string().nullable(),
    }),
  ),
}).openapi('PipelineRunDetail');

const StartedSchema = z.object({ runId: z.string(), pipelineId: z.string(), version: VersionSchema, status: z.literal('running') }).openapi('PipelineRunStarted');

const pipelineIdParam = z.object({ id: z.string().min(1).max(64) });
const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).optional() });

const listRoute = apiRoute({
  method: 'get',
  path: '/api/pipelines',
  summary: 'Pipelines the workers loaded (highest version first), with their schedules',
  responses: { 200: { description: 'pipelines', content: { 'application/json': { schema: z.array(PipelineSchema) } } } },
});

const startRoute = apiRoute({
  method: 'post',
  path: '/api/pipelines/{id}/runs',
  summary: 'Start a run of a pipeline with an input (the highest version unless one is given)',
  request: {
    params: pipelineIdParam,
    body: {
      content: { 'application/json': { schema: z.object({ input: z.record(z.string(), z.unknown()).optional(), version: z.union([z.number().int().min(1), z.string().min(1)]).optional() }) } },
      required: false,
    },
  },
  responses: {
    202: { description: 'the run started', content: { 'application/json': { schema: StartedSchema } } },
    400: { description: 'bad input', content: { 'application/json': { schema: ErrorSchema } } },
    404: { description: 'unknown pipeline or version', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const pipelineRunsRoute = apiRoute({
  method: 'get',
  path: '/api/pipelines/{id}/runs',
  summary: 'Recent runs of one pipeline, newest first',
  request: { params: pipelineIdParam, query: limitQuery },
  responses: {
    200: { description: 'runs', content: { 'application/json': { schema: z.array(RunSchema) } } },
    400: { description: 'a bad path or query value', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const runsRoute = apiRoute({
  method: 'get',
  path: '/api/pipeline-runs',
  summary: 'Recent runs of every pipeline, newest first',
  request: { query: limitQuery.extend({ pipelineId: z.string().optional() }) },
  responses: {
    200: { description: 'runs', content: { 'application/json': { schema: z.array(RunSchema) } } },
    400: { description: 'a bad query value', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const runRoute = apiRoute({
  method: 'get',
  path: '/api/pipeline-runs/{runId}',
  summary: 'One run with the status, attempts and timings of each task (live while it runs)',
  request: { params: z.object({ runId: z.string().min(1).max(256) }) },
  responses: {
    200: { description: 'the run', content: { 'application/json': { schema: RunDetailSchema } } },
    400: { description: 'a bad run id', content: { 'application/json': { schema: ErrorSchema } } },
    404: { description: 'unknown run', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

/** Pipelines, runs and run history for the web app and scripts. */
export function registerPipelineRoutes(app: OpenAPIHono, deps: HttpDeps): void {
  app.openapi(listRoute, async (c) => {
    const definitions = await listDefinitions(deps.store);
    let schedules: PipelineSchedule[] = [];
    try {
      schedules = await listSchedules(deps.temporal);
    } catch (err) {
      deps.logger.warn(`pipeline schedules unavailable: ${formatError(err)}`);
    }
    const ids = [...new Set(definitions.map((d) => d.id))];
    const body = ids.map((id) => {
      const versions = definitions.filter((d) => d.id === id);
      const latest = versions[0]!;
      const s = schedules.find((x) => x.pipelineId === id);
      return {
        id,
        version: latest.version,
        versions: versions.map((d) => d.version).sort(compareVersions),
        description: latest.description,
        source: latest.source,
        tasks: latest.tasks,
        cron: s ? s.cron : null,
        schedule: s ? { cron: s.cron, version: s.version ?? null, timeZone: s.timeZone ?? null, paused: s.paused, nextRunAt: s.nextRunAt ?? null } : null,
      };
    });
    return c.json(body, 200);
  });

  app.openapi(startRoute, async (c) => {
    const { id } = c.req.valid('param');
    const body = (c.req.header('content-type')?.includes('application/json') ? c.req.valid('json') : undefined) ?? {};
    const def = await findDefinition(deps.store, id, body.version === undefined ? undefined : (toVersion(body.version) ?? String(body.version)));
    if (!def) return c.json({ error: `there is no pipeline "${id}"${body.version ? ` version ${body.version}` : ''}` }, 404);
    try {
      const { runId } = await startPipelineRun(deps.temporal, {
        pipelineId: id,
        version: def.version,
        shape: def.shape,
        input: (body.input ?? {}) as never,
        trigger: 'api',
        taskQueue: deps.config.temporal.taskQueue,
      });
      return c.json({ runId, pipelineId: id, version: def.version, status: 'running' as const }, 202);
    } catch (err) {
      if (err instanceof MycelError && err.code === 'PIPELINE_INPUT_INVALID') return c.json(mycelErrorBody(err), 400);
      throw err;
    }
  });

  app.openapi(pipelineRunsRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { limit } = c.req.valid('query');
    return c.json(await listRuns(deps.store, { pipelineId: id, limit }), 200);
  });

  app.openapi(runsRoute, async (c) => {
    const { limit, pipelineId } = c.req.valid('query');
    return c.json(await listRuns(deps.store, { pipelineId, limit }), 200);
  });

  app.openapi(runRoute, async (c) => {
    const { runId } = c.req.valid('param');
    const run = await getRun(deps.store, runId);
    if (!run) return c.json({ error: `there is no pipeline run "${runId}"` }, 404);
    if (run.status === 'running') {
      // Tasks in flight are known to the workflow only: merge its live view.
      const progress = await runProgress(deps.temporal.workflow.getHandle(runId));
      for (const live of progress?.tasks ?? []) {
        const row = run.tasks.find((t) => t.taskId === live.id);
        if (row && (row.status === 'pending' || live.status === 'running')) Object.assign(row, { status: live.status, attempts: Math.max(row.attempts, live.attempts) });
        if (!row) run.tasks.push({ taskId: live.id, status: live.status, attempts: live.attempts, startedAt: null, finishedAt: null, durationMs: null, error: live.error ?? null });
      }
    }
    return c.json(run, 200);
  });
}
