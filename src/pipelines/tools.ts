import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ActivityDeps } from '../deps/activity-deps.js';
import { MycelError } from '../shared/errors.js';
import { defineTool, type ToolDefinition } from '../tools/types.js';
import { runResult, startPipelineRun } from './client.js';
import { resolveOutputs } from './outputs.js';
import type { PipelineRunResult } from './run-types.js';
import type { PipelineRuntime } from './runtime.js';
import type { PipelineVersion } from './version.js';

/** How long `pipeline.run` waits for a run to finish before answering that it is still running. */
export const PIPELINE_TOOL_WAIT_MS = 20_000;

/** What `pipeline.run` answers. */
export interface PipelineToolOutput {
  runId: string;
  pipelineId: string;
  version: PipelineVersion;
  status: 'running' | 'succeeded' | 'failed';
  outputs?: Record<string, unknown>;
  failedTask?: string | undefined;
  error?: string | undefined;
}

/**
 * `pipeline.run`: starts a run of a loaded pipeline from chat (the offline brain's `/run`,
 * or a model). The run's id is derived from the call id, so a retried tool call finds the
 * run it started instead of starting a second one. Waits a little for the outcome.
 */
export function createPipelineTools(deps: Pick<ActivityDeps, 'config' | 'store' | 'temporal'>, runtime: PipelineRuntime): ToolDefinition[] {
  const run = defineTool({
    id: 'pipeline.run',
    description: 'Run one of the owner\'s task pipelines now, with an optional JSON object as input; answers its outputs, or that it is still running.',
    input: z.object({
      pipelineId: z.string().min(1).max(64),
      input: z.record(z.string(), z.unknown()).default({}),
    }),
    policy: 'allow',
    async run(args, ctx): Promise<PipelineToolOutput> {
      await runtime.ready;
      const entry = runtime.registry.latest(args.pipelineId);
      if (!entry) {
        const known = [...new Set(runtime.registry.list().map((e) => e.pipeline.id))];
        throw new MycelError('PIPELINE_NOT_FOUND', `there is no pipeline "${args.pipelineId}"${known.length ? ` (pipelines: ${known.join(', ')})` : ' (none is loaded)'}`);
      }
      const key = `chat-${createHash('sha256').update(ctx.callId).digest('hex').slice(0, 12)}`;
      const { runId, handle } = await startPipelineRun(deps.temporal, {
        pipelineId: entry.pipeline.id,
        version: entry.pipeline.version,
        shape: entry.shape,
        input: args.input as never,
        trigger: 'chat',
        taskQueue: deps.config.temporal.taskQueue,
        key,
      });
      const base = { runId, pipelineId: entry.pipeline.id, version: entry.pipeline.version };
      let timer: NodeJS.Timeout | undefined;
      const waited = await Promise.race([
        runResult(handle),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), PIPELINE_TOOL_WAIT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      if (!waited) return { ...base, status: 'running' };
      const result: PipelineRunResult = waited;
      if (result.status === 'failed') return { ...base, status: 'failed', failedTask: result.failedTask, error: result.error };
      return { ...base, status: 'succeeded', outputs: await resolveOutputs(deps.store, result.outputs) };
    },
  });
  return [run];
}
