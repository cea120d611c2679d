import type { Command } from 'commander';
import { MycelError } from '../../shared/errors.js';
import type { InitOptions as InitFlags } from '../../setup/init.js';
import type { CliContext } from '../context.js';

/** `mycel init`: asks what a first run needs and writes `.env` in the working directory. */
export function registerInitCommand(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .description('set up a first run: a Telegram bot and its owner, a model and its key, written to ./.env')
    .option('--yes', 'ask nothing: use the flags below, run the same checks, exit non-zero when one fails')
    .option('--telegram-token <token>', 'the bot token from @BotFather (checked with getMe)')
    .option('--owner <ids>', 'comma-separated Telegram user ids of the owner(s)')
    .option('--telegram-mode <mode>', 'polling (default) or webhook')
    .option('--webhook-url <url>', 'with --telegram-mode webhook: the public URL of /telegram/webhook (a secret is generated)')
    .option('--model <id>', 'offline, openai:<model>, anthropic:<model>, ollama:<model> or openai-compatible:<model> (checked with a tiny request)')
    .option('--model-key <key>', 'the model provider API key')
    .option('--model-base-url <url>', 'the model server base URL (ollama, openai-compatible)')
    .addHelpText(
      'after',
      [
        '',
        'In a terminal it asks for the bot token (checked with getMe), then waits for you to send the',
        'bot any message and offers that sender as the owner; then polling or webhook, and the model',
        '(checked with one tiny request; a failed check says why and lets you fix it or stay offline).',
        'An existing .env is updated only after you agree, keeping its comments and other lines; the',
        'file is readable by you only (mode 600). A non-loopback MYCEL_HTTP_HOST gets a generated',
        'MYCEL_API_TOKEN. TELEGRAM_API_ROOT and MYCEL_MODEL_BASE_URL are respected.',
        '',
        'Examples:',
        '  npx mycel init',
        '  npx mycel init --yes --telegram-token 123456:AA… --owner 12345 --model openai:gpt-4o-mini --model-key sk-…',
      ].join('\n'),
    )
    .action(async (flags: InitFlags) => {
      const { runInitInteractive, runInitWithFlags } = await import('../../setup/init.js');
      const init = { cwd: process.cwd(), env: process.env, out: ctx.out };
      if (flags.yes) return runInitWithFlags(init, flags);
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        throw new MycelError('INIT_NEEDS_TERMINAL', '`mycel init` asks its questions in a terminal, and this is not one.', 'for scripts: mycel init --yes --telegram-token … --owner … --model …');
      }
      return runInitInteractive(init);
    });
}
