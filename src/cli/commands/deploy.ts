import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** `mycel deploy compose`: the split deployment's compose file, from the current configuration. */
export function registerDeployCommands(program: Command, ctx: CliContext): void {
  const deploy = program.command('deploy').description('deployment assets');
  deploy
    .command('compose')
    .description('write a compose file for a split deployment')
    .option('--dir <folder>', 'where to write compose.yaml, dynamicconfig/ and Dockerfile', 'mycel-deploy')
    .option('--force', 'overwrite existing files')
    .option('--stdout', 'print the compose file instead of writing files')
    .addHelpText(
      'after',
      '\nPostgreSQL, Temporal on PostgreSQL (with its dynamic config), Mycel worker and gateway, each with a\n' +
        'health check. Namespace, task queue, model, Telegram mode and the like come from the current\n' +
        'configuration; secrets are written as ${VAR} references for a .env file, never inlined.',
    )
    .action(async (opts: { dir: string; force?: boolean; stdout?: boolean }) => {
      const { renderCompose, writeComposeDeployment } = await import('../../operations/compose.js');
      const config = ctx.config();
      if (opts.stdout) {
        ctx.out(renderCompose(config).trimEnd());
        return;
      }
      const written = writeComposeDeployment(config, opts.dir, opts.force);
      ctx.out(`Wrote ${written.files.join(', ')}.`);
      ctx.out(`Next: put POSTGRES_PASSWORD and MYCEL_API_TOKEN in ${opts.dir}/.env, then \`docker compose -f ${opts.dir}/compose.yaml up -d --build\` (see docs/runbook.md).`);
    });
}
