import { randomUUID } from 'node:crypto';
import type { Store } from '../storage/database.js';
import type { ToolAuditTable } from '../storage/schema.js';
import { redactValue } from '../shared/redact.js';

export type AuditDecision = ToolAuditTable['decision'];

/** Longest outcome text kept in an audit record. */
export const MAX_AUDIT_OUTCOME_CHARS = 2_000;

export interface AuditEntry {
  callId: string;
  channel: string;
  chatId: string;
  tool: string;
  decision: AuditDecision;
  input: unknown;
  outcome: string;
  decidedBy?: string | undefined;
  durationMs?: number | undefined;
}

/** An audit record as the API serves it (**contract** fields first). */
export interface AuditRecord {
  id: string;
  at: string;
  chatId: string;
  tool: string;
  decision: AuditDecision;
  input: unknown;
  outcome: string;
  channel: string;
  decidedBy: string | null;
  durationMs: number | null;
}

/**
 * Records one decision about a tool call, secrets redacted. Idempotent on (call, decision):
 * a retried activity does not write the record twice.
 */
export async function recordAudit(store: Store, entry: AuditEntry, at = new Date()): Promise<void> {
  await store.db
    .insertInto('tool_audit')
    .values({
      id: randomUUID(),
      at: at.toISOString(),
      call_id: entry.callId,
      channel: entry.channel,
      chat_id: entry.chatId,
      tool: entry.tool,
      decision: entry.decision,
      input: JSON.stringify(redactValue(entry.input) ?? null),
      outcome: String(redactValue(entry.outcome)).slice(0, MAX_AUDIT_OUTCOME_CHARS),
      decided_by: entry.decidedBy ?? null,
      duration_ms: entry.durationMs === undefined ? null : Math.round(entry.durationMs),
    })
    .onConflict((oc) => oc.columns(['call_id', 'decision']).doNothing())
    .execute();
}

/** The audit trail, newest first. */
export async function listAudit(store: Store, options: { limit?: number; chatId?: string } = {}): Promise<AuditRecord[]> {
  let query = store.db.selectFrom('tool_audit').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit ?? 100);
  if (options.chatId) query = query.where('chat_id', '=', options.chatId);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    chatId: r.chat_id,
    tool: r.tool,
    decision: r.decision,
    input: JSON.parse(r.input) as unknown,
    outcome: r.outcome,
    channel: r.channel,
    decidedBy: r.decided_by,
    durationMs: r.duration_ms,
  }));
}
