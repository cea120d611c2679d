import type { Client } from '@temporalio/client';
import type { MycelConfig } from '../../config/config.js';
import type { Logger } from '../../logging/logger.js';
import {
  describeSchedule,
  listSchedules,
  parseRunInput,
  runProgress,
  runResult,
  schedulePipeline,
  SCHEDULE_CATCHUP_WINDOW_MS,
  startPipelineRun,
  unschedulePipeline,
  type PipelineSchedule,
} from '../../pipelines/client.js';
import { describeLoadErrors } from '../../pipelines/loader.js';
import { resolveOutputs } from '../../pipelines/outputs.js';
import type { PipelineProgress, PipelineRunResult } from '../../pipelines/run-types.js';
import { createPipelineRuntime } from '../../pipelines/runtime.js';
import { findDefinition, getRun, listDefinitions, listRuns } from '../../pipelines/store.js';
import { startProcess, type MycelProcess } from '../../runtime/processes.js';
import { readRuntimeInfo } from '../../runtime/runtime-file.js';
import { compareVersions, toVersion, type PipelineVersion } from '../../pipelines/version.js';
import { MycelError, formatError } from '../../shared/errors.js';
import type { Store } from '../../storage/database.js';
import type { CliContext } from '../context.js';
import { connectInstanceTemporal, openInstanceDatabase } from '../instance.js';

/** How often `pipelines run` asks the run for its progress. */
export const PROGRESS_POLL_MS = 200;

const MARK: Record<string, string> = { succeeded: '✓', failed: '✗', skipped: '–', 'upstream-failed': '✗', running: '…' };

/** Temporal of the running instance, or (when none runs) an embedded server with an in-process worker. */
interface Engine {
  client: Client;
  store: Store;
  embedded: boolean;
  close(): Promise<void>;
}

async function openEngine(config: MycelConfig, logger: Logger, store: Store, say: (line: string) => void): Promise<Engine> {
  if (config.temporal.address || readRuntimeInfo(config.dataDir)) {
    const { client, connection } = await connectInstanceTemporal(config);
    return { client, store, embedded: false, close: () => connection.close() };
  }
  say(`No running Mycel on ${config.dataDir}: starting an embedded Temporal server and an in-process worker for this run.`);
  const proc: MycelProcess = await startProcess(config, logger, { embedded: true, worker: true, gateway: false });
  return { client: proc.client, store: proc.store, embedded: true, close: () => proc.lifecycle.stop() };
}

/** The version (and shape) to run: the highest one in the pipeline files, else the highest the database knows. */
async function resolveTarget(config: MycelConfig, store: Store, id: string, version: PipelineVersion | undefined, warn: (line: string) => void) {
  const runtime = createPipelineRuntime({ target: config.pipelinesPath, store });
  const report = await runtime.ready;
  for (const line of describeLoadErrors(report)) warn(`warning: pipeline file not loaded: ${line}`);
  const local = version === undefined ? runtime.registry.latest(id) : runtime.registry.get(id, version);
  if (local) return { version: local.pipeline.version, shape: local.shape };
  const known = await findDefinition(store, id, version);
  if (known) return { version: known.version, shape: known.shape };
  const ids = [...new Set([...runtime.registry.list().map((e) => e.pipeline.id), ...(await listDefinitions(store)).map((d) => d.id)])];
  throw new MycelError(
    'PIPELINE_NOT_FOUND',
    `There is no pipeline "${id}"${version !== undefined ? ` version ${version}` : ''}.`,
    ids.length ? `known pipelines: ${ids.join(', ')} (see \`mycel pipelines list\`)` : `put a pipeline file in ${config.pipelinesPath} (MYCEL_PIPELINES); see docs/pipelines.md`,
  );
}

/** `--version`: a whole number from 1 or a non-empty text, as in the pipeline's file. */
function versionOption(text: string | undefined): PipelineVersion | undefined {
  if (text === undefined) return undefined;
  const version = toVersion(text);
  if (version === undefined) throw new MycelError('PIPELINE_INPUT_INVALID', `--version must be a whole number from 1 up or a non-empty text, got "${text}".`);
  return version;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function progressLine(t: PipelineProgress['tasks'][number], duration?: number | null): string {
  const extra = t.status === 'failed' ? `: ${t.error}` : t.reason ? ` (${t.reason})` : '';
  const time = duration != null ? `, ${duration} ms` : '';
  const attempts = t.attempts ? ` (${plural(t.attempts, 'attempt')}${time})` : '';
  return `  ${MARK[t.status] ?? ' '} ${t.id} ${t.status}${attempts}${extra}`;
}

export async function runCommand(ctx: CliContext, id: string, opts: { input?: string; version?: string }): Promise<void> {
  const config = ctx.config();
  const input = parseRunInput(opts.input);
  const version = versionOption(opts.version);
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const store = await openInstanceDatabase(config);
  let engine: Engine | undefined;
  try {
    const target = await resolveTarget(config, store, id, version, say);
    engine = await openEngine(config, ctx.commandLogger(), store, say);
    const { runId, handle } = await startPipelineRun(engine.client, {
      pipelineId: id,
      version: target.version,
      shape: target.shape,
      input,
      trigger: 'cli',
      taskQueue: config.temporal.taskQueue,
    });
    ctx.out(`Running pipeline "${id}" version ${target.version} (run ${runId})`);
    const printed = new Map<string, string>();
    const print = async (progress: PipelineProgress | undefined) => {
      if (!progress) return;
      const changed = progress.tasks.filter((t) => t.status !== 'pending' && printed.get(t.id) !== t.status);
      if (!changed.length) return;
      const rows = new Map((await getRun(engine!.store, runId))?.tasks.map((t) => [t.taskId, t.durationMs]) ?? []);
      for (const t of changed) {
        printed.set(t.id, t.status);
        ctx.out(progressLine(t, rows.get(t.id)));
      }
    };
    let result: PipelineRunResult | undefined;
    const done = runResult(handle).then((r) => (result = r));
    while (!result) {
      await Promise.race([done, new Promise((r) => setTimeout(r, PROGRESS_POLL_MS))]);
      await print(await runProgress(handle));
    }
    await print({ status: result.status, tasks: Object.entries(result.tasks).map(([taskId, s]) => ({ id: taskId, ...s })) });
    if (result.status !== 'succeeded') {
      const task = result.failedTask ? `task "${result.failedTask}"` : 'the run';
      const attempts = result.failedTask ? result.tasks[result.failedTask]?.attempts : undefined;
      throw new MycelError(
        'PIPELINE_RUN_FAILED',
        `Pipeline "${id}" failed: ${task} failed${attempts ? ` after ${plural(attempts, 'attempt')}` : ''}: ${result.error ?? 'unknown error'}`,
        `see the run with \`curl <api>/api/pipeline-runs/${runId}\`, or \`mycel pipelines list\``,
      );
    }
    ctx.out(JSON.stringify(await resolveOutputs(engine.store, result.outputs)));
  } finally {
    await engine?.close().catch(() => undefined);
    await store.close();
  }
}

export async function listCommand(ctx: CliContext, opts: { json?: boolean; limit: string }): Promise<void> {
  const config = ctx.config();
  const store = await openInstanceDatabase(config);
  try {
    const runtime = createPipelineRuntime({ target: config.pipelinesPath, store });
    const report = await runtime.ready;
    const definitions = await listDefinitions(store);
    const runs = await listRuns(store, { limit: Number(opts.limit) || 10 });
    let schedules: PipelineSchedule[] = [];
    let schedulesNote: string | undefined;
    try {
      const { client, connection } = await connectInstanceTemporal(config);
      try {
        schedules = await listSchedules(client);
      } finally {
        await connection.close();
      }
    } catch (err) {
      schedulesNote = `schedules unavailable: ${formatError(err).split('\n')[0]}`;
    }
    const ids = [...new Set([...runtime.registry.list().map((e) => e.pipeline.id), ...definitions.map((d) => d.id)])].sort();
    const pipelines = ids.map((pid) => {
      const loaded = runtime.registry.list().filter((e) => e.pipeline.id === pid);
      const latest = runtime.registry.latest(pid);
      const def = definitions.find((d) => d.id === pid);
      return {
        id: pid,
        version: latest?.pipeline.version ?? def?.version,
        versions: [...new Set([...loaded.map((e) => e.pipeline.version), ...definitions.filter((d) => d.id === pid).map((d) => d.version)])].sort(compareVersions),
        tasks: latest?.pipeline.spec.tasks.length ?? def?.tasks.length ?? 0,
        description: latest?.pipeline.description ?? def?.description ?? undefined,
        source: latest?.source ?? def?.source ?? undefined,
        schedule: schedules.find((s) => s.pipelineId === pid),
      };
    });
    if (opts.json) {
      ctx.out(JSON.stringify({ pipelines, runs, loadErrors: report.errors, ...(schedulesNote ? { note: schedulesNote } : {}) }, null, 2));
      return;
    }
    ctx.out(`Pipelines (${config.pipelinesPath}):`);
    if (!pipelines.length) ctx.out('  none yet: put a .ts, .js or .mjs file there (see docs/pipelines.md)');
    for (const p of pipelines) {
      const schedule = p.schedule ? `  schedule "${p.schedule.cron.join(', ')}" v${p.schedule.version}${p.schedule.paused ? ' (paused)' : ''}, next ${p.schedule.nextRunAt ?? '—'}` : '';
      ctx.out(`  ${p.id}  v${p.version} (versions ${p.versions.join(', ')}), ${plural(p.tasks, 'task')}${p.description ? ` — ${p.description}` : ''}${schedule}`);
    }
    for (const line of describeLoadErrors(report)) ctx.out(`  ✗ not loaded: ${line}`);
    if (schedulesNote) ctx.out(`  (${schedulesNote})`);
    ctx.out('Recent runs:');
    if (!runs.length) ctx.out('  none yet: `mycel pipelines run <id>`');
    for (const r of runs) {
      const tail = r.status === 'failed' ? `  task ${r.failedTask ?? '?'}: ${r.error ?? ''}` : '';
      ctx.out(`  ${r.startedAt}  ${r.status.padEnd(9)} ${r.runId}  (${r.trigger}${r.durationMs != null ? `, ${r.durationMs} ms` : ''})${tail}`);
    }
  } finally {
    await store.close();
  }
}

export async function scheduleCommand(ctx: CliContext, id: string, cron: string, opts: { input?: string; timezone?: string; version?: string }): Promise<void> {
  const config = ctx.config();
  const input = parseRunInput(opts.input);
  const store = await openInstanceDatabase(config);
  try {
    const target = await resolveTarget(config, store, id, versionOption(opts.version), (l) => process.stderr.write(`${l}\n`));
    const { client, connection } = await connectInstanceTemporal(config);
    try {
      const s = await schedulePipeline(client, { pipelineId: id, version: target.version, shape: target.shape, cron, timeZone: opts.timezone ?? config.timeZone, input, taskQueue: config.temporal.taskQueue });
      ctx.out(`Scheduled "${id}" version ${s.version} on "${cron}" (${s.timeZone ?? 'UTC'}); next run ${s.nextRunAt ?? 'unknown'}.`);
      ctx.out(`Overlapping runs are skipped; firings missed for up to ${SCHEDULE_CATCHUP_WINDOW_MS / 60_000} minutes (an outage) are caught up.`);
    } finally {
      await connection.close();
    }
  } finally {
    await store.close();
  }
}

export async function unscheduleCommand(ctx: CliContext, id: string): Promise<void> {
  const { client, connection } = await connectInstanceTemporal(ctx.config());
  try {
    const existed = await describeSchedule(client, id);
    if (!(await unschedulePipeline(client, id))) {
      throw new MycelError('SCHEDULE_NOT_FOUND', `Pipeline "${id}" has no schedule.`, 'see the schedules with `mycel pipelines list`');
    }
    ctx.out(`Removed the schedule of "${id}"${existed?.cron.length ? ` (${existed.cron.join(', ')})` : ''}. Runs in flight finish.`);
  } finally {
    await connection.close();
  }
}
