import type { Client } from '@temporalio/client';
import type { Store } from '../storage/database.js';
import { MycelError } from '../shared/errors.js';
import { approvalWorkflowId, decideSignal } from '../workflows/definitions.js';
import { getApproval, settleApproval, type ApprovalDecision, type ApprovalView } from './approvals-store.js';

export class ApprovalNotFoundError extends MycelError {
  constructor(id: string) {
    super('APPROVAL_NOT_FOUND', `There is no approval "${id}".`, 'list pending approvals with `mycel approvals list`');
  }
}

export class ApprovalAlreadyDecidedError extends MycelError {
  constructor(approval: ApprovalView) {
    super('APPROVAL_DECIDED', `The approval "${approval.id}" is already ${approval.status}${approval.decidedBy ? ` (by ${approval.decidedBy})` : ''}.`, 'nothing was changed; a decision is taken once');
  }
}

/**
 * Records the owner's decision and wakes the waiting workflow. The database row moves out
 * of `pending` once (so a second decision is refused, never a second run); the signal then
 * tells the approval workflow, which reads the row back before acting.
 */
export async function decideApproval(store: Store, client: Client, id: string, decision: ApprovalDecision, by: string): Promise<ApprovalView> {
  const approval = await getApproval(store, id);
  if (!approval) throw new ApprovalNotFoundError(id);
  const settled = await settleApproval(store, id, decision === 'approve' ? 'approved' : 'denied', by);
  if (!settled) throw new ApprovalAlreadyDecidedError((await getApproval(store, id)) ?? approval);
  await client.workflow.getHandle(approvalWorkflowId(id)).signal(decideSignal, { decision, by });
  return (await getApproval(store, id))!;
}
