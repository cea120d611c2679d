import type { Command } from 'commander';
import { GATEWAY_PARTS, START_PARTS, WORKER_PARTS, startProcess, type ProcessParts } from '../../runtime/processes.js';
import type { CliContext } from '../context.js';

async function runUntilSignal(ctx: CliContext, parts: ProcessParts, label: string): Promise<void> {
  const config = ctx.config();
  const logger = ctx.logger();
  const started = performance.now();
  const proc = await startProcess(config, logger, parts);
  const ms = Math.round(performance.now() - started);
  const temporal = proc.embedded ? `embedded Temporal at ${proc.temporalAddress}` : `Temporal at ${proc.temporalAddress}`;
  logger.info({ ms, http: proc.http?.url, temporal: proc.temporalAddress }, `${label} ready`);
  if (proc.http) ctx.out(`Mycel is ready at ${proc.http.url}  (${temporal}, data in ${config.dataDir}; Ctrl-C stops)`);
  else ctx.out(`Mycel ${label} is running (${temporal}, task queue "${config.temporal.taskQueue}"; Ctrl-C stops)`);
  const signal = await proc.lifecycle.untilSignal();
  logger.info({ signal }, `${label} stopped`);
}

/** `mycel start`, `mycel worker`, `mycel gateway`: the long-running processes. */
export function registerRunCommands(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('run everything in one process: embedded Temporal (unless TEMPORAL_ADDRESS), worker, HTTP server with web chat and API, Telegram if a token is set')
    .addHelpText('after', '\nStops gracefully on SIGINT/SIGTERM. State lives in MYCEL_DATA_DIR (default ./.mycel).')
    .action(() => runUntilSignal(ctx, START_PARTS, 'start'));

  program
    .command('worker')
    .description('run only the Temporal worker (workflows and activities) against TEMPORAL_ADDRESS')
    .action(() => runUntilSignal(ctx, WORKER_PARTS, 'worker'));

  program
    .command('gateway')
    .description('run only the ingress: Telegram and the HTTP server (web app and API) against TEMPORAL_ADDRESS')
    .action(() => runUntilSignal(ctx, GATEWAY_PARTS, 'gateway'));
}
