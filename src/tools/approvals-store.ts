import { createHash } from 'node:crypto';
import type { Store } from '../storage/database.js';
import type { ToolApprovalsTable } from '../storage/schema.js';
import { redactValue } from '../shared/redact.js';

export type ApprovalStatus = ToolApprovalsTable['status'];
export type ApprovalDecision = 'approve' | 'deny';

/** A pending approval as the API serves it (**contract**: id, chatId, tool, input, requestedAt). */
export interface ApprovalView {
  id: string;
  chatId: string;
  tool: string;
  input: unknown;
  requestedAt: string;
  channel: string;
  status: ApprovalStatus;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
}

/** A short id that a person can type, derived from the call id (so a retry finds the same one). */
export function approvalIdFor(callId: string): string {
  return `ap-${createHash('sha256').update(callId).digest('hex').slice(0, 10)}`;
}

export { approvalWorkflowId } from '../workflows/definitions.js';

function view(row: ToolApprovalsTable): ApprovalView {
  return {
    id: row.id,
    chatId: row.chat_id,
    tool: row.tool,
    input: redactValue(JSON.parse(row.input) as unknown),
    requestedAt: row.requested_at,
    channel: row.channel,
    status: row.status,
    expiresAt: row.expires_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
  };
}

/** Creates the pending approval for a call, or returns the one a previous attempt created. */
export async function createApproval(store: Store, row: Omit<ToolApprovalsTable, 'status' | 'decided_by' | 'decided_at'>): Promise<ApprovalView> {
  await store.db
    .insertInto('tool_approvals')
    .values({ ...row, status: 'pending', decided_by: null, decided_at: null })
    .onConflict((oc) => oc.column('call_id').doNothing())
    .execute();
  const stored = await store.db.selectFrom('tool_approvals').selectAll().where('call_id', '=', row.call_id).executeTakeFirstOrThrow();
  return view(stored);
}

export async function getApproval(store: Store, id: string): Promise<ApprovalView | undefined> {
  const row = await store.db.selectFrom('tool_approvals').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? view(row) : undefined;
}

/** The raw input of an approval, unredacted, for running the tool once approved. */
export async function approvalInput(store: Store, id: string): Promise<unknown> {
  const row = await store.db.selectFrom('tool_approvals').select('input').where('id', '=', id).executeTakeFirstOrThrow();
  return JSON.parse(row.input) as unknown;
}

export async function listApprovals(store: Store, status: ApprovalStatus | 'all' = 'pending'): Promise<ApprovalView[]> {
  let query = store.db.selectFrom('tool_approvals').selectAll().orderBy('requested_at', 'asc');
  if (status !== 'all') query = query.where('status', '=', status);
  return (await query.execute()).map(view);
}

/**
 * Moves a pending approval to its final status, once: the row changes only while it is
 * still pending, so approving twice, or approving what already expired, changes nothing.
 * Returns whether this call made the decision.
 */
export async function settleApproval(store: Store, id: string, status: Exclude<ApprovalStatus, 'pending'>, by: string, at = new Date()): Promise<boolean> {
  const result = await store.db
    .updateTable('tool_approvals')
    .set({ status, decided_by: by, decided_at: at.toISOString() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
