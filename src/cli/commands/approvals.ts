import type { Command } from 'commander';
import type { CliContext } from '../context.js';

function short(value: unknown, max = 60): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

async function decide(ctx: CliContext, id: string, decision: 'approve' | 'deny'): Promise<void> {
  const config = ctx.config();
  const { connectInstanceTemporal, openInstanceDatabase } = await import('../instance.js');
  const { decideApproval } = await import('../../tools/approvals.js');
  const store = await openInstanceDatabase(config);
  try {
    const { client, connection } = await connectInstanceTemporal(config);
    try {
      const approval = await decideApproval(store, client, id, decision, 'owner (cli)');
      ctx.out(`${approval.id}: ${approval.status}. The waiting work resumes and posts its outcome to chat ${approval.chatId}.`);
    } finally {
      await connection.close();
    }
  } finally {
    await store.close();
  }
}

/** `mycel approvals list|approve <id>|deny <id>` and `mycel audit`. */
export function registerApprovalCommands(program: Command, ctx: CliContext): void {
  const approvals = program.command('approvals').description('tool calls waiting for the owner: list, approve, deny');
  approvals
    .command('list')
    .description('list pending approvals (oldest first)')
    .option('--all', 'include decided and expired ones')
    .option('--json', 'print JSON')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const { openInstanceDatabase } = await import('../instance.js');
      const { listApprovals } = await import('../../tools/approvals-store.js');
      const store = await openInstanceDatabase(ctx.config());
      try {
        const list = await listApprovals(store, opts.all ? 'all' : 'pending');
        if (opts.json) return ctx.out(JSON.stringify(list, null, 2));
        if (!list.length) return ctx.out(opts.all ? 'No approvals yet.' : 'No approvals are pending.');
        for (const a of list) ctx.out(`${a.id}  ${a.status.padEnd(8)}  ${a.requestedAt}  ${a.channel}:${a.chatId}  ${a.tool} ${short(a.input)}`);
      } finally {
        await store.close();
      }
    });
  approvals
    .command('approve <id>')
    .description('approve a pending tool call: it runs once, and its outcome is posted to the chat')
    .action((id: string) => decide(ctx, id, 'approve'));
  approvals
    .command('deny <id>')
    .description('deny a pending tool call: nothing runs, and the chat is told')
    .action((id: string) => decide(ctx, id, 'deny'));

  program
    .command('audit')
    .description('show the audit trail of tool calls, newest first (secrets redacted)')
    .option('-n, --limit <n>', 'how many records', '50')
    .option('--chat <chatId>', 'only this chat')
    .option('--json', 'print JSON')
    .action(async (opts: { limit: string; chat?: string; json?: boolean }) => {
      const { openInstanceDatabase } = await import('../instance.js');
      const { listAudit } = await import('../../tools/audit.js');
      const store = await openInstanceDatabase(ctx.config());
      try {
        const records = await listAudit(store, { limit: Number(opts.limit) || 50, chatId: opts.chat });
        if (opts.json) return ctx.out(JSON.stringify(records, null, 2));
        if (!records.length) return ctx.out('The audit trail is empty.');
        for (const r of records) {
          ctx.out(`${r.at}  ${r.decision.padEnd(8)}  ${r.channel}:${r.chatId}  ${r.tool} ${short(r.input, 40)} → ${short(r.outcome, 60)}${r.decidedBy ? `  (by ${r.decidedBy})` : ''}`);
        }
      } finally {
        await store.close();
      }
    });
}
