import type { Command } from 'commander';
import { formatDuration } from '../../promises/lateness.js';
import { listLedger, type LedgerEntry } from '../../promises/ledger.js';
import { PromiseNotPendingError, cancelPromise } from '../../promises/service.js';
import { getPromise } from '../../promises/store.js';
import { MycelError } from '../../shared/errors.js';
import type { CliContext } from '../context.js';
import { connectInstanceTemporal, openInstanceDatabase } from '../instance.js';

/** Statuses `mycel promises list --status` takes. */
const STATUSES = ['pending', 'delivered', 'cancelled', 'all'] as const;
type Status = (typeof STATUSES)[number];

function describeEntry(p: LedgerEntry): string[] {
  const head = `${p.id}  ${p.kind.padEnd(9)}  ${p.status.padEnd(9)}  ${p.dueAt}  ${p.channel}:${p.chatId}  ${p.recurrence ? `(${p.recurrence}) ` : ''}${p.text}`;
  const receipts = p.deliveries.slice(-5).map((d) => `    ${d.outcome.padEnd(9)} ${d.at}${d.lateMs > 60_000 ? `  ${formatDuration(d.lateMs)} late` : ''}${d.note ? `  ${d.note}` : ''}`);
  return [head, ...receipts];
}

/** `mycel promises list|cancel <id>`: the promise ledger of the running instance. */
export function registerPromiseCommands(program: Command, ctx: CliContext): void {
  const promises = program.command('promises').description('reminders and scheduled work across chats, with their deliveries: list, cancel');
  promises
    .command('list')
    .description('list promises with their recent deliveries (pending ones unless --status says otherwise)')
    .option('--status <status>', `one of ${STATUSES.join(', ')}`, 'pending')
    .option('--chat <chatId>', 'only this chat')
    .option('--json', 'print JSON (the shape of GET /api/promises)')
    .action(async (opts: { status: string; chat?: string; json?: boolean }) => {
      if (!STATUSES.includes(opts.status as Status)) {
        throw new MycelError('BAD_STATUS', `Unknown status "${opts.status}".`, `use one of ${STATUSES.join(', ')}`);
      }
      const store = await openInstanceDatabase(ctx.config());
      try {
        const list = await listLedger(store, { status: opts.status as Status, chatId: opts.chat });
        if (opts.json) return ctx.out(JSON.stringify(list, null, 2));
        if (!list.length) return ctx.out(opts.status === 'pending' ? 'No promises are pending.' : 'No promises match.');
        for (const p of list) for (const line of describeEntry(p)) ctx.out(line);
      } finally {
        await store.close();
      }
    });
  promises
    .command('cancel <id>')
    .description('cancel a pending promise (a recurring one stops for good)')
    .action(async (id: string) => {
      const config = ctx.config();
      const store = await openInstanceDatabase(config);
      try {
        const promise = await getPromise(store, id);
        if (!promise) throw new MycelError('PROMISE_NOT_FOUND', `There is no promise "${id}".`, 'list them with `mycel promises list --status all`');
        const { client, connection } = await connectInstanceTemporal(config);
        try {
          const cancelled = await cancelPromise({ store, temporal: client, config, logger: ctx.logger() }, promise.chat, id, 'owner (cli)');
          ctx.out(`Cancelled ${cancelled.id} (${cancelled.kind}) in ${cancelled.chat.channel}:${cancelled.chat.chatId}: ${cancelled.text}`);
        } catch (err) {
          if (err instanceof PromiseNotPendingError) throw new MycelError(err.code, err.message, err.hint);
          throw err;
        } finally {
          await connection.close();
        }
      } finally {
        await store.close();
      }
    });
}
