import { formatDuration } from '../../promises/lateness.js';
import { listLedger, type LedgerEntry } from '../../promises/ledger.js';
import { PromiseNotPendingError, cancelPromise } from '../../promises/service.js';
import { getPromise } from '../../promises/store.js';
import { MycelError } from '../../shared/errors.js';
import type { CliContext } from '../context.js';
import { connectInstanceTemporal, openInstanceDatabase } from '../instance.js';
import { PROMISE_STATUSES, type PromiseStatusFilter } from './promises-options.js';

// The actions of `mycel promises`, loaded only when one runs.

/** One ledger entry and its last receipts, as lines for the terminal. */
function describeEntry(p: LedgerEntry): string[] {
  const head = `${p.id}  ${p.kind.padEnd(9)}  ${p.status.padEnd(9)}  ${p.dueAt}  ${p.channel}:${p.chatId}  ${p.recurrence ? `(${p.recurrence}) ` : ''}${p.text}`;
  const receipts = p.deliveries.slice(-5).map((d) => `    ${d.outcome.padEnd(9)} ${d.at}${d.lateMs > 60_000 ? `  ${formatDuration(d.lateMs)} late` : ''}${d.note ? `  ${d.note}` : ''}`);
  return [head, ...receipts];
}

export async function listPromisesAction(ctx: CliContext, opts: { status: string; chat?: string; json?: boolean }): Promise<void> {
  if (!PROMISE_STATUSES.includes(opts.status as PromiseStatusFilter)) {
    throw new MycelError('BAD_STATUS', `Unknown status "${opts.status}".`, `use one of ${PROMISE_STATUSES.join(', ')}`);
  }
  const store = await openInstanceDatabase(ctx.config());
  try {
    const list = await listLedger(store, { status: opts.status as PromiseStatusFilter, chatId: opts.chat });
    if (opts.json) return ctx.out(JSON.stringify(list, null, 2));
    if (!list.length) return ctx.out(opts.status === 'pending' ? 'No promises are pending.' : 'No promises match.');
    for (const p of list) for (const line of describeEntry(p)) ctx.out(line);
  } finally {
    await store.close();
  }
}

export async function cancelPromiseAction(ctx: CliContext, id: string): Promise<void> {
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
}
