import type { Command } from 'commander';
import type { CliContext } from '../context.js';

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.max(1, Math.round(bytes / 1024))} KiB`;
}

/** `mycel backup <file>` and `mycel restore <file>` for the embedded default. */
export function registerBackupCommands(program: Command, ctx: CliContext): void {
  program
    .command('backup <file>')
    .description("write a consistent backup of the embedded default's data")
    .addHelpText(
      'after',
      '\nWrites one gzipped tar: the Mycel SQLite database and the embedded Temporal state (each a consistent\n' +
        'SQLite snapshot, taken while Mycel runs or not), the tools policy and the pipelines folder.\n' +
        'PostgreSQL and external Temporal setups are backed up with their own tools (see docs/runbook.md).',
    )
    .action(async (file: string) => {
      const { createBackup } = await import('../../operations/backup.js');
      const started = performance.now();
      const result = await createBackup(ctx.config(), file);
      const ms = Math.round(performance.now() - started);
      ctx.out(`Backup written to ${result.file} (${size(result.bytes)}, ${result.manifest.contents.join(', ')}) in ${ms} ms${result.manifest.takenWhileRunning ? ', taken while Mycel was running' : ''}.`);
    });

  program
    .command('restore <file>')
    .description('restore the embedded default from a backup file')
    .addHelpText('after', '\nRefuses while Mycel runs on the data dir. The files it replaces are kept in <data dir>/pre-restore-<time>/.')
    .action(async (file: string) => {
      const { restoreBackup } = await import('../../operations/backup.js');
      const config = ctx.config();
      const result = await restoreBackup(config, file);
      ctx.out(`Restored ${result.manifest.contents.join(', ')} from a backup of ${result.manifest.createdAt} into ${config.dataDir}.`);
      if (result.previous) ctx.out(`The replaced files are kept in ${result.previous}.`);
      ctx.out('Start Mycel again with `mycel start`; pending timers and reminders resume from the backup.');
    });
}
