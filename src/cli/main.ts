import { Command, CommanderError } from 'commander';
import { CONFIG_VARIABLES } from '../config/config.js';
import { formatError, MycelError } from '../shared/errors.js';
import { createCliContext, type CliContext } from './context.js';
import { loadEnvFile } from './env-file.js';
import { registerApprovalCommands } from './commands/approvals.js';
import { registerPromiseCommands } from './commands/promises.js';
import { registerChatCommand } from './commands/chat.js';
import { registerPairingCommands } from './commands/pairing.js';
import { registerBackupCommands } from './commands/backup.js';
import { registerDeployCommands } from './commands/deploy.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerMcpCommands } from './commands/mcp.js';
import { registerPipelineCommands } from './commands/pipelines.js';
import { registerRunCommands } from './commands/run.js';
import { registerInitCommand } from './commands/init.js';

export function buildProgram(ctx: CliContext = createCliContext()): Command {
  const program = new Command('mycel')
    .description('Mycel: a self-hosted personal assistant whose every promise is durable work, on Temporal.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `\nGetting started:\n  npx mycel init             optional: a Telegram bot, its owner and a model, written to ./.env\n  npx mycel start            start everything, then open the URL it prints\n  npx mycel <command> --help what a command does\n` +
        `\nConfiguration (environment variables):\n${CONFIG_VARIABLES.map(([n, d, m]) => `  ${n.padEnd(26)} ${m} [default: ${d}]`).join('\n')}\n`,
    );
  registerInitCommand(program, ctx);
  registerRunCommands(program, ctx);
  registerChatCommand(program, ctx);
  registerApprovalCommands(program, ctx);
  registerPromiseCommands(program, ctx);
  registerPairingCommands(program, ctx);
  registerPipelineCommands(program, ctx);
  registerDoctorCommand(program, ctx);
  registerBackupCommands(program, ctx);
  registerDeployCommands(program, ctx);
  registerMcpCommands(program, ctx);
  return program;
}

/** Runs the CLI; prints errors as message + hint (no stack) and sets the exit code. */
export async function main(argv: string[]): Promise<void> {
  try {
    loadEnvFile();
  } catch (err) {
    process.stderr.write(`error: ${formatError(err)}\n`);
    process.exitCode = 1;
    return;
  }
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`error: ${formatError(err)}\n`);
    if (process.env.MYCEL_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof MycelError && err.code === 'NOT_AVAILABLE' ? 3 : 1;
  }
}
