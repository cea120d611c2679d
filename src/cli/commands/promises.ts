import type { Command } from 'commander';
import type { CliContext } from '../context.js';

import { PROMISE_STATUSES } from './promises-options.js';

export { PROMISE_STATUSES, type PromiseStatusFilter } from './promises-options.js';

/** `mycel promises list|cancel <id>|resume <id>`: the promise ledger of the running instance. */
export function registerPromiseCommands(program: Command, ctx: CliContext): void {
  const promises = program.command('promises').description('reminders and scheduled work across chats, with their deliveries: list, cancel, resume');
  promises
    .command('list')
    .description('list promises with their recent deliveries (pending ones unless --status says otherwise)')
    .option('--status <status>', `one of ${PROMISE_STATUSES.join(', ')}`, 'pending')
    .option('--chat <chatId>', 'only this chat')
    .option('--json', 'print JSON (the shape of GET /api/promises)')
    .action(async (opts: { status: string; chat?: string; json?: boolean }) => (await import('./promises-actions.js')).listPromisesAction(ctx, opts));
  promises
    .command('cancel <id>')
    .description('cancel a pending promise (a recurring one stops for good)')
    .action(async (id: string) => (await import('./promises-actions.js')).cancelPromiseAction(ctx, id));
  promises
    .command('resume <id>')
    .description('resume a promise that paused because it went over its token budget')
    .option('--per-run <tokens>', 'a new token budget for one run')
    .option('--per-day <tokens>', 'a new token budget per UTC day')
    .action(async (id: string, opts: { perRun?: string; perDay?: string }) => (await import('./promises-actions.js')).resumePromiseAction(ctx, id, opts));
}
