import type { Generated } from 'kysely';

/**
 * Table types of the Mycel database, one interface per capability, joined in `Database`.
 * Conventions (both dialects): times are ISO-8601 UTC strings (sortable as text), JSON
 * documents are stored as text and parsed at the edge, ids are text.
 */

export interface MetaTable {
  key: string;
  value: string;
}

export interface FoundationTables {
  mycel_meta: MetaTable;
}

export interface ToolApprovalsTable {
  id: string;
  call_id: string;
  channel: string;
  chat_id: string;
  user_id: string;
  tool: string;
  /** JSON of the tool input, as the tool will receive it. */
  input: string;
  requested_at: string;
  expires_at: string;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  decided_by: string | null;
  decided_at: string | null;
  workflow_id: string;
}

export interface ToolAuditTable {
  id: string;
  at: string;
  call_id: string;
  channel: string;
  chat_id: string;
  tool: string;
  decision: 'allowed' | 'refused' | 'approved' | 'denied' | 'expired';
  /** JSON of the input with secrets redacted. */
  input: string;
  outcome: string;
  decided_by: string | null;
  duration_ms: number | null;
}

export interface ToolTables {
  tool_approvals: ToolApprovalsTable;
  tool_audit: ToolAuditTable;
}

/** One line of a chat's transcript; `id` grows monotonically (live streams resume from it). */
export interface MessagesTable {
  id: Generated<number>;
  channel: string;
  chat_id: string;
  role: 'user' | 'assistant';
  text: string;
  /** What kind of assistant line it is when not a reply: `reminder`, `approval`… */
  kind: string | null;
  /** Idempotency key: a second append with the same key is a no-op. */
  key: string | null;
  /** The conversation turn that wrote it (null for lines posted outside a turn). */
  turn: number | null;
  at: string;
}

/** Per-chat settings; a missing row means the defaults from the configuration. */
export interface ChatSettingsTable {
  channel: string;
  chat_id: string;
  time_zone: string | null;
  updated_at: string;
}

/** The durable dedupe record of an inbound update: its turn and reply (bounded retention). */
export interface TurnDedupeTable {
  key: string;
  channel: string;
  chat_id: string;
  turn: number;
  reply: string;
  recorded_at: string;
}

export interface ConversationTables {
  messages: MessagesTable;
  chat_settings: ChatSettingsTable;
  turn_dedupe: TurnDedupeTable;
}

/** Every table. Capabilities add their own interface to this intersection. */
export type Database = FoundationTables & ConversationTables & ToolTables;
