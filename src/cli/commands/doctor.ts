import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** `mycel doctor [--json]`: validates the deployment; exit code 0 only when every check passes. */
export function registerDoctorCommand(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description('validate the deployment end to end; exit 0 only if every check passes')
    .option('--json', 'print one JSON document instead of a table')
    .addHelpText(
      'after',
      [
        '',
        'Checks Temporal (reachable, version and capabilities, stores, namespace and retention, workers',
        'polling, latency), the database (reachable, version, migrations, privileges, encoding, connection',
        'headroom, latency), Telegram getMe, Slack auth.test and the model when configured, then runs a',
        'five-stage validation workflow: connection, workflow execution, activity execution, state persistence,',
        'error handling. Without TEMPORAL_ADDRESS it checks the running `mycel start` on MYCEL_DATA_DIR,',
        'or starts the embedded default there for the duration of the check.',
      ].join('\n'),
    )
    .action(async (opts: { json?: boolean }) => {
      const [{ runDoctor }, { renderTable }, { flushTracing, installTracing }] = await Promise.all([
        import('../../operations/doctor/doctor.js'),
        import('../../operations/doctor/report.js'),
        import('../../telemetry/tracing.js'),
      ]);
      const config = ctx.config();
      // Progress lines of the server and worker (and the planned failures of the retry stage)
      // would drown the table: errors only, unless MYCEL_LOG_LEVEL asks for more.
      const logger = ctx.commandLogger();
      // With OTLP configured, the validation workflow is traced like any other work.
      installTracing(config, logger);
      const interactive = !opts.json && Boolean(process.stderr.isTTY);
      const report = await runDoctor({
        config,
        logger,
        onStage: interactive ? (stage) => process.stderr.write(stage === 'done' ? '' : `  validating: ${stage}…\n`) : undefined,
      });
      ctx.out(opts.json ? JSON.stringify(report, null, 2) : renderTable(report));
      await flushTracing(logger);
      process.exitCode = report.ok ? 0 : 1;
    });
}
