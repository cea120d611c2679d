import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** What the pipeline commands run, loaded only when one of them runs. */
const actions = () => import('./pipelines-actions.js');

/** `mycel pipelines list|run|schedule|unschedule` (**contract**: list and run). */
export function registerPipelineCommands(program: Command, ctx: CliContext): void {
  const pipelines = program
    .command('pipelines')
    .description('list, run and schedule task pipelines (files in MYCEL_PIPELINES)')
    .addHelpText(
      'after',
      '\nThe commands talk to the running instance\'s Temporal (TEMPORAL_ADDRESS, or <data dir>/runtime.json written by `mycel start`).\n' +
        '`run` with no instance running starts an embedded Temporal server and an in-process worker for the run, then stops them.',
    );
  pipelines
    .command('list')
    .description('list pipelines (and files that failed to load), schedules and recent runs')
    .option('--json', 'print JSON')
    .option('-n, --limit <n>', 'how many recent runs', '10')
    .action(async (opts: { json?: boolean; limit: string }) => (await actions()).listCommand(ctx, opts));
  pipelines
    .command('run <id>')
    .description('run a pipeline now, printing progress task by task and, on its last line, the outputs as JSON; exit 1 naming the failed task')
    .option('--input <json>', 'the run input, a JSON object', '{}')
    .option('--version <n>', 'run this version (default: the highest loaded)')
    .addHelpText('after', '\nWithout a running Mycel (no TEMPORAL_ADDRESS, no runtime.json), starts an embedded Temporal server and an in-process worker for the run.')
    .action(async (id: string, opts: { input?: string; version?: string }) => (await actions()).runCommand(ctx, id, opts));
  pipelines
    .command('schedule <id> <cron>')
    .description('run a pipeline on a cron schedule (Temporal Schedule; overlaps skipped, 5-minute catch-up); replaces its previous schedule')
    .option('--input <json>', 'the input of each run, a JSON object', '{}')
    .option('--timezone <tz>', 'IANA time zone of the cron expression (default MYCEL_TIMEZONE)')
    .option('--version <n>', 'pin this version (default: the highest loaded)')
    .action(async (id: string, cron: string, opts: { input?: string; timezone?: string; version?: string }) => (await actions()).scheduleCommand(ctx, id, cron, opts));
  pipelines
    .command('unschedule <id>')
    .description("remove a pipeline's schedule")
    .action(async (id: string) => (await actions()).unscheduleCommand(ctx, id));
}
