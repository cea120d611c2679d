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
  /** How late a promise's delivery was, when more than 60 s (**contract**: `lateMs`). */
  late_ms: number | null;
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
  /** SHA-256 of the message's text; null on records made before it was kept. */
  text_hash: string | null;
}

export interface ConversationTables {
  messages: MessagesTable;
  chat_settings: ChatSettingsTable;
  turn_dedupe: TurnDedupeTable;
}

export interface PipelineDefinitionsTable {
  pipeline_id: string;
  /** A whole number, or text (PostgreSQL stores every version as text). */
  version: number | string;
  /** Fingerprint of the tasks, dependencies and policies: refused if it changes under the same version. */
  shape: string;
  /** JSON of the PipelineSpec. */
  spec: string;
  description: string | null;
  source: string | null;
  first_loaded_at: string;
  last_loaded_at: string;
}

export interface PipelineRunsTable {
  run_id: string;
  pipeline_id: string;
  /** A whole number, or text (PostgreSQL stores every version as text). */
  version: number | string;
  status: 'running' | 'succeeded' | 'failed';
  trigger: string;
  /** JSON of the run input. */
  input: string;
  /** JSON of the outputs by task id (large ones as references), when finished. */
  outputs: string | null;
  failed_task: string | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
}

export interface PipelineTaskRunsTable {
  run_id: string;
  task_id: string;
  status: 'running' | 'succeeded' | 'failed' | 'skipped' | 'upstream-failed';
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  /** Duration of the last attempt. */
  duration_ms: number | null;
  error: string | null;
  /** JSON of the output (always stored; the workflow carries small ones inline, large ones by reference). */
  output: string | null;
  output_bytes: number | null;
}

export interface PipelineTables {
  pipeline_definitions: PipelineDefinitionsTable;
  pipeline_runs: PipelineRunsTable;
  pipeline_task_runs: PipelineTaskRunsTable;
}

export interface MemoryFactsTable {
  /** Stable integer key the full-text index points at (never reused). */
  seq: Generated<number>;
  /** The id a person sees and types (`/forget m…`). */
  id: string;
  /** Idempotency key of the write (the tool call id, or the turn key of an extraction). */
  write_key: string;
  channel: string;
  chat_id: string;
  user_id: string;
  text: string;
  kind: string;
  /** Normalized subject ("sister's birthday") used to detect contradictions; null when unknown. */
  subject: string | null;
  /** Normalized value stated about the subject ("may 3"). */
  value: string | null;
  confidence: number;
  source: string;
  /** JSON of the provenance (channel, chat, update id, workflow/run id, time, source text). */
  provenance: string;
  retention: string;
  expires_at: string | null;
  valid_from: string;
  valid_to: string | null;
  closed_by: string | null;
  created_at: string;
}

export interface MemoryQuestionsTable {
  id: string;
  write_key: string;
  channel: string;
  chat_id: string;
  old_fact_id: string;
  new_fact_id: string;
  status: 'pending' | 'answered' | 'expired';
  /** 1 = the older fact is right, 2 = the newer one is. */
  choice: number | null;
  asked_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  workflow_id: string;
}

/** Who deleted which fact id, when: never the text. */
export interface MemoryDeletionsTable {
  id: string;
  at: string;
  channel: string;
  chat_id: string;
  fact_id: string;
  deleted_by: string;
  reason: string;
}

export interface MemoryTables {
  memory_facts: MemoryFactsTable;
  memory_questions: MemoryQuestionsTable;
  memory_deletions: MemoryDeletionsTable;
}

/** A promise: a reminder or follow-up that Mycel keeps, one-off or recurring. */
export interface PromisesTable {
  /** Short id a person types (`/cancel r…`), derived from the creating tool call's id. */
  id: string;
  channel: string;
  chat_id: string;
  user_id: string;
  text: string;
  /** When it is due; for a recurring promise, its next occurrence. */
  due_at: string;
  /** `paused`: a recurring promise that stopped firing (its budget ran out) until it is resumed. */
  status: 'pending' | 'delivered' | 'cancelled' | 'paused';
  /** JSON of the recurrence rule; null for a one-off. */
  recurrence: string | null;
  /** The chat's time zone when it was made (how its times are shown). */
  time_zone: string;
  /** The promise workflow's id (one-off) or the Temporal Schedule's id (recurring). */
  workflow_id: string;
  /** The tool call that created it (idempotency key), and its turn and conversation workflow. */
  source_call_id: string;
  source_turn: string;
  source_workflow_id: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
  cancelled_at: string | null;
  cancelled_by: string | null;
  /** `reminder` (says its text) or `scheduled` (runs its text as a turn of the chat). */
  kind: 'reminder' | 'scheduled';
  /** Recurring: what happens to occurrences missed while Mycel was down (`once` by default). */
  catch_up: 'once' | 'skip' | null;
  /** Recurring, catch-up `once`: occurrences up to this time were covered by one run. */
  covered_until: string | null;
  /** How many times it was delivered (1 for a delivered one-off). */
  deliveries: Generated<number>;
  /** Scheduled work: its own token budgets (null: the configured defaults apply at run time). */
  budget_per_run: number | null;
  budget_per_day: number | null;
  /** While paused: since when, and why (for the ledger and the chat). */
  paused_at: string | null;
  pause_reason: string | null;
  /** When it was last resumed: its per-day token allowance counts from then. */
  resumed_at: string | null;
}

/** One firing of a promise, recorded before it is sent. */
export interface PromiseDeliveriesTable {
  /** The promise id (one-off) or `<id>@<occurrence ISO time>` (recurring). */
  key: string;
  promise_id: string;
  /** The due time this firing was for. */
  due_at: string;
  recorded_at: string;
  /** Set once the transcript line and the channel message are out. */
  completed_at: string | null;
  delay_ms: number | null;
  /** `delivered`, `failed`, `covered` (a catch-up run did it), `cancelled`; null while running. */
  outcome: string | null;
  /** Why it was late, or how many occurrences it covered or skipped. */
  note: string | null;
  /** Tokens the occurrence's model calls used (provider figures); null when it made none. */
  input_tokens: number | string | null;
  output_tokens: number | string | null;
}

/** One row per Mycel process: when it started and when it was last seen alive. */
export interface ProcessHeartbeatsTable {
  id: string;
  role: string;
  started_at: string;
  last_seen_at: string;
}

export interface PromiseTables {
  promises: PromisesTable;
  promise_deliveries: PromiseDeliveriesTable;
  process_heartbeats: ProcessHeartbeatsTable;
}

export interface TelegramInboxTable {
  bot_id: string;
  update_id: number;
  /** Updates of one lane (a chat, or the update itself when it has none) are handled one at a time, in update order. */
  lane: string;
  /** The update's type: `message`, `callback_query`, … */
  kind: string;
  /** The update as Telegram sent it (JSON); blanked once a stranger's update is refused. */
  payload: string;
  source: 'polling' | 'webhook';
  status: 'pending' | 'done' | 'answered' | 'ignored' | 'refused' | 'skipped';
  detail: string | null;
  attempts: number;
  /** How many more times the same update arrived (and was dropped). */
  duplicates: number;
  received_at: string;
  handled_at: string | null;
}

export interface TelegramOffsetsTable {
  bot_id: string;
  next_offset: number;
  updated_at: string;
}

export interface TelegramPairingTable {
  user_id: string;
  code: string;
  chat_id: string;
  username: string | null;
  name: string | null;
  status: 'pending' | 'approved' | 'revoked';
  requested_at: string;
  notified_at: string | null;
  decided_at: string | null;
  decided_by: string | null;
}

export interface TelegramOutboxTable {
  /** The sender's idempotency key, per message part. */
  key: string;
  chat_id: string;
  /** `sending` while a request may be in flight; `pending` after Telegram refused it for now (429, 5xx). */
  status: 'pending' | 'sending' | 'sent' | 'failed';
  message_id: number | null;
  attempts: number;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface TelegramButtonsTable {
  /** The short key carried in the button's callback data. */
  id: string;
  chat_id: string;
  message_key: string;
  /** What the button does (see src/telegram/callback-data.ts). */
  data: string;
  created_at: string;
  used_at: string | null;
  used_by_update: string | null;
  result: string | null;
}

export interface TelegramChatsTable {
  bot_id: string;
  chat_id: string;
  last_message_id: number;
  out_of_order: number;
  updated_at: string;
}

export interface TelegramTables {
  telegram_inbox: TelegramInboxTable;
  telegram_offsets: TelegramOffsetsTable;
  telegram_pairing: TelegramPairingTable;
  telegram_outbox: TelegramOutboxTable;
  telegram_buttons: TelegramButtonsTable;
  telegram_chats: TelegramChatsTable;
}

export interface ModelUsageTable {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  channel: string;
  /** Empty for work of no chat. */
  chat_id: string;
  /** What asked the model: `turn`, `memory`, … */
  origin: string;
  model: string;
  /** bigint in PostgreSQL: read back as a string there. */
  input_tokens: number | string;
  output_tokens: number | string;
  calls: number;
}

export interface UsageTables {
  model_usage: ModelUsageTable;
}

/** Every table. Capabilities add their own interface to this intersection. */
/** An inbound event of a channel other than Telegram (see migration 0009). */
export interface ChannelInboxTable {
  channel: string;
  /** The account the event came to (WhatsApp: the phone number id). */
  account: string;
  /** The channel's own id of the event (WhatsApp: the message id), its idempotency key. */
  event_id: string;
  lane: string;
  kind: string;
  /** The event as the channel sent it (JSON); blanked once a stranger's event is refused. */
  payload: string;
  status: 'pending' | 'done' | 'answered' | 'ignored' | 'refused' | 'skipped';
  detail: string | null;
  attempts: number;
  duplicates: number;
  /** Order within one delivery (a webhook call may carry several events). */
  position: number;
  received_at: string;
  handled_at: string | null;
}

export interface ChannelOutboxTable {
  channel: string;
  /** The sender's idempotency key, per message part. */
  key: string;
  chat_id: string;
  /** `sending` while a request may be in flight; `pending` after the service refused it for now (429, 5xx). */
  status: 'pending' | 'sending' | 'sent' | 'failed';
  message_id: string | null;
  attempts: number;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface ChannelButtonsTable {
  channel: string;
  /** The short key the channel carries back on a press. */
  id: string;
  chat_id: string;
  message_key: string;
  /** What the button does (see src/telegram/callback-data.ts). */
  data: string;
  created_at: string;
  used_at: string | null;
  /** The inbound key of the press that used it. */
  used_by: string | null;
  result: string | null;
}

export interface ChannelTables {
  channel_inbox: ChannelInboxTable;
  channel_outbox: ChannelOutboxTable;
  channel_buttons: ChannelButtonsTable;
}

/** Recent parts of replies being written, for followers in other processes (SQLite; pruned within a minute). */
export interface ReplyPartsTable {
  id: Generated<number>;
  channel: string;
  chat_id: string;
  turn_key: string;
  /** `delta` or `reset`. */
  kind: string;
  text: string;
  /** When it was published (ms since the epoch). */
  at: number;
}

export interface ReplyStreamTables {
  reply_parts: ReplyPartsTable;
}

export type Database = ReplyStreamTables & FoundationTables & PipelineTables & ConversationTables & ToolTables & PromiseTables & MemoryTables & TelegramTables & UsageTables & ChannelTables;
