import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as approvalActivities from '../activities/approvals.js';
import { approvalStateQuery, decideSignal, type ApprovalDecisionSignal } from './definitions.js';

export type { ApprovalDecisionSignal } from './definitions.js';

const acts = proxyActivities<ReturnType<typeof approvalActivities.createApprovalActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/**
 * One pending tool call waiting durably for its owner: a signal brings the decision, a
 * timer expires it. The database row is the single source of truth for who decided
 * first, so a decision that raced the timer is never lost and never applied twice.
 */
export async function approvalWorkflow(input: { approvalId: string; timeoutSeconds: number }): Promise<string> {
  let state = 'pending';
  let signalled: ApprovalDecisionSignal | undefined;
  setHandler(decideSignal, (d) => {
    signalled ??= d;
  });
  setHandler(approvalStateQuery, () => state);

  await condition(() => signalled !== undefined, input.timeoutSeconds * 1000);
  // Whatever woke us, ask the database which decision stands (expiring it if none does).
  const status = await acts.settleAfterWait(input.approvalId);
  state = status;
  if (status === 'approved') {
    await acts.runApprovedTool(input.approvalId);
  } else if (status === 'denied') {
    await acts.announceDenial(input.approvalId);
  } else {
    await acts.announceExpiry(input.approvalId);
  }
  state = `${status}:done`;
  return status;
}
