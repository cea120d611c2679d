import type { ActivityDeps } from '../deps/activity-deps.js';
import type { WorkerDeps } from './worker-deps.js';
import { formatMcpOutput, isMcpOutput } from '../mcp/client/result.js';
import { getApproval, settleApproval } from '../tools/approvals-store.js';
import { recordAudit } from '../tools/audit.js';
import { summarize } from '../tools/executor.js';
import { postToChat } from '../tools/notify.js';
import { approvalInput } from '../tools/approvals-store.js';
import { SCHEDULED_KIND, SCHEDULED_TURN_PREFIX } from '../conversation/scheduled-turn.js';

/** Activities of the approval workflow. */
export function createApprovalActivities(deps: ActivityDeps & Pick<WorkerDeps, 'tools'>) {
  async function load(approvalId: string) {
    const approval = await getApproval(deps.store, approvalId);
    if (!approval) throw new Error(`unknown approval ${approvalId}`);
    return approval;
  }

  async function auditDecision(approvalId: string, decision: 'denied' | 'expired', outcome: string) {
    const approval = await load(approvalId);
    const row = await deps.store.db.selectFrom('tool_approvals').select('call_id').where('id', '=', approvalId).executeTakeFirstOrThrow();
    await recordAudit(deps.store, {
      callId: row.call_id,
      channel: approval.channel,
      chatId: approval.chatId,
      tool: approval.tool,
      decision,
      input: await approvalInput(deps.store, approvalId),
      outcome,
      decidedBy: approval.decidedBy ?? undefined,
    });
    return approval;
  }

  /**
   * The transcript kind of an approval's outcome: a call made by a scheduled promise's turn
   * (its call id starts with the turn key `scheduled:…`) posts its result as `scheduled`,
   * so the result of scheduled work follows its approval.
   */
  async function outcomeKind(approvalId: string): Promise<string> {
    const row = await deps.store.db.selectFrom('tool_approvals').select('call_id').where('id', '=', approvalId).executeTakeFirst();
    return row?.call_id.startsWith(SCHEDULED_TURN_PREFIX) ? SCHEDULED_KIND : 'approval';
  }

  return {
    /** After the wait: expires the approval if nobody decided; returns the decision that stands. */
    async settleAfterWait(approvalId: string): Promise<'approved' | 'denied' | 'expired'> {
      await settleApproval(deps.store, approvalId, 'expired', 'timeout');
      const approval = await load(approvalId);
      if (approval.status === 'pending') throw new Error(`approval ${approvalId} is still pending after settling`);
      return approval.status;
    },

    async runApprovedTool(approvalId: string): Promise<void> {
      const approval = await load(approvalId);
      const outcome = await deps.tools.executor.runApproved(approvalId);
      const text =
        outcome.status === 'ok'
          ? `Approved ${approval.id} (${approval.tool}):\n${formatOutput(outcome.output)}`
          : `Approved ${approval.id} (${approval.tool}), but it failed: ${outcome.error}`;
      await postToChat(deps, { channel: approval.channel, chatId: approval.chatId }, text, `approval-outcome:${approvalId}`, await outcomeKind(approvalId));
    },

    async announceDenial(approvalId: string): Promise<void> {
      const approval = await auditDecision(approvalId, 'denied', 'denied by the owner; nothing ran');
      await postToChat(deps, { channel: approval.channel, chatId: approval.chatId }, `Denied ${approval.id} (${approval.tool}): nothing was run.`, `approval-outcome:${approvalId}`, await outcomeKind(approvalId));
    },

    async announceExpiry(approvalId: string): Promise<void> {
      const approval = await auditDecision(approvalId, 'expired', 'nobody decided in time; nothing ran');
      await postToChat(
        deps,
        { channel: approval.channel, chatId: approval.chatId },
        `The approval ${approval.id} (${approval.tool}) expired without a decision: nothing was run.`,
        `approval-outcome:${approvalId}`,
        await outcomeKind(approvalId),
      );
    },
  };
}

function formatOutput(output: unknown): string {
  if (isMcpOutput(output)) return formatMcpOutput(output);
  if (output && typeof output === 'object' && 'output' in output && typeof (output as { output: unknown }).output === 'string') {
    const shell = output as { output: string; exitCode: number | null; truncated?: boolean };
    return `${shell.output.trimEnd() || '(no output)'}${shell.truncated ? '\n… (output truncated)' : ''}${shell.exitCode ? `\n(exit code ${shell.exitCode})` : ''}`;
  }
  return summarize(output);
}

export { formatOutput as formatToolOutput };
