import { call, describeFailure, reply, type OfflineCommand } from '../command.js';
import type { PipelineToolOutput } from '../../../pipelines/tools.js';

/** Longest outputs text a chat reply shows. */
export const MAX_RUN_REPLY_CHARS = 1_500;

/** Splits `/run <id> [json]` into the id and the input (a JSON object). */
export function parseRunArgs(args: string): { pipelineId: string; input: Record<string, unknown> } | { error: string } {
  const match = /^(\S+)(?:\s+([\s\S]+))?$/.exec(args.trim());
  if (!match) return { error: 'Usage: /run <pipeline id> [JSON input], for example /run daily-digest {"chatId":"me"}' };
  const [, pipelineId, json] = match;
  if (!json) return { pipelineId: pipelineId!, input: {} };
  try {
    const input = JSON.parse(json) as unknown;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return { error: 'The input must be a JSON object, for example {"day":"today"}.' };
    return { pipelineId: pipelineId!, input: input as Record<string, unknown> };
  } catch {
    return { error: `The input is not valid JSON: ${json}` };
  }
}

function render(out: PipelineToolOutput): string {
  if (out.status === 'running') return `Started pipeline "${out.pipelineId}" (version ${out.version}); it is still running. Run id: ${out.runId}`;
  if (out.status === 'failed') return `Pipeline "${out.pipelineId}" failed: task "${out.failedTask ?? '?'}" failed: ${out.error ?? 'unknown error'}. Run id: ${out.runId}`;
  const text = JSON.stringify(out.outputs ?? {});
  const shown = text.length > MAX_RUN_REPLY_CHARS ? `${text.slice(0, MAX_RUN_REPLY_CHARS)}…` : text;
  return `Pipeline "${out.pipelineId}" (version ${out.version}) succeeded. Outputs: ${shown}`;
}

/** `/run <id> [json]`: runs a task pipeline through the `pipeline.run` tool. */
export function pipelineCommands(): OfflineCommand[] {
  const run: OfflineCommand = {
    name: 'run',
    usage: '/run <pipeline> [JSON input]',
    example: '/run daily-digest',
    summary: 'run one of your task pipelines now and show its outputs',
    run(turn) {
      const parsed = parseRunArgs(turn.args);
      if ('error' in parsed) return reply(parsed.error);
      const outcome = turn.result('pipeline.run');
      if (!outcome) return call({ tool: 'pipeline.run', input: parsed });
      if (outcome.status !== 'ok') return reply(`I could not run "${parsed.pipelineId}": ${describeFailure(outcome)}`);
      return reply(render(outcome.output as PipelineToolOutput));
    },
  };
  return [run];
}
