import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DoctorStageName, DoctorStageResult } from '../shared/doctor.js';
import type { Channel, Envelope } from '../shared/envelope.js';
import type { PipelineProgress } from '../pipelines/run-types.js';
import type { PromiseWorkflowState } from '../promises/workflow-types.js';
import type { ScheduledTurn } from '../conversation/scheduled-turn.js';

/**
 * The Temporal contract of Mycel, in one place: every workflow type name, every Signal,
 * Update and Query definition, the workflow ids, and the failure types a workflow or its
 * activities report. Workflows register handlers for these definitions; clients (ingress,
 * the API, the CLI, the bench) send, start and query by them, never by a string of their own.
 *
 * Workflow-safe: only `@temporalio/workflow`'s define* functions, constants and types.
 * A name here is part of running histories: renaming one breaks every run that uses it.
 */

// ─── Workflow types ──────────────────────────────────────────────────────────────────────

/**
 * The workflow type names the worker registers (the exports of `src/workflows/index.ts`,
 * checked by `definitions.test.ts`). Start a workflow with its name and, where a workflow-safe
 * signature exists, its type: `client.workflow.start<PromiseWorkflowFn>(WORKFLOW_TYPES.promise, …)`
 * (importing a workflow's own module from client code would make an import circle).
 */
export const WORKFLOW_TYPES = {
  conversation: 'conversationWorkflow',
  promise: 'promiseWorkflow',
  recurringPromise: 'recurringPromiseWorkflow',
  approval: 'approvalWorkflow',
  pipeline: 'pipelineWorkflow',
  memoryQuestion: 'memoryQuestionWorkflow',
  memoryRetention: 'memoryRetentionWorkflow',
  doctor: 'doctorWorkflow',
  baseline: 'baselineWorkflow',
  pipelineBaseline: 'pipelineBaselineWorkflow',
} as const;

// ─── Workflow ids ────────────────────────────────────────────────────────────────────────

/** The id of a chat's conversation workflow (**contract**: `chat-<channel>-<chatId>`). */
export function conversationWorkflowId(channel: Channel, chatId: string): string {
  return `chat-${channel}-${chatId}`;
}

/** The workflow (one-off) or schedule (recurring) id of a promise (**contract**: `promise-<chatId>-<id>`). */
export function promiseWorkflowId(chatId: string, id: string): string {
  return `promise-${chatId}-${id}`;
}

export function approvalWorkflowId(approvalId: string): string {
  return `approval-${approvalId}`;
}

export function memoryQuestionWorkflowId(questionId: string): string {
  return `memory-question-${questionId}`;
}

// ─── Failure types ───────────────────────────────────────────────────────────────────────

/**
 * `ApplicationFailure` types that cross the boundary between a workflow (or activity) and
 * its caller. Ingress maps an Update's failure by its type, never by its message.
 */
export const FAILURE_TYPES = {
  /** The turn's Update validator refused the envelope or options (non-retryable: the input is wrong). → 400 */
  invalidTurn: 'InvalidTurn',
  /**
   * The database was unreachable: thrown by activities that write (retryable), and the type
   * of a turn's Update failure when its record could not be written after a bounded wait.
   * Nothing of the turn was kept and its number was not used: send the same message again later. → 503
   */
  databaseUnavailable: 'DatabaseUnavailable',
  /** The turn could not be recorded for another reason; nothing of it was kept. */
  turnNotRecorded: 'TurnNotRecorded',
  /** The model refused the request itself (retrying cannot help). */
  brainRejected: 'BrainRejected',
} as const;

/** Details of a turn's Update failure: which delivery it answered (see ingress's retry of a stored failure). */
export interface TurnFailureDetails {
  requestId: string;
}

// ─── Conversation ────────────────────────────────────────────────────────────────────────

export interface ConversationCounters {
  /** Turns answered in this chat, over all runs. */
  turns: number;
  /** Repeated updates dropped (by ingress or by the workflow). */
  duplicatesDropped: number;
  /** Messages that arrived with a sequence lower than one already seen. */
  outOfOrder: number;
  /** The lowest sequence number the next message should carry (null until a channel sends one). */
  expectedSequence: number | null;
  /** Turns answered by this run; Continue-As-New resets it. */
  runTurns: number;
  /** Runs of this conversation so far (1 + Continue-As-New count). */
  runs: number;
}

/** The answer to one turn Update. */
export interface TurnReply {
  reply: string;
  turn: number;
  /** True when this update had been answered before: `reply` and `turn` are the first ones. */
  duplicate: boolean;
  outOfOrder: boolean;
  /**
   * The envelope's `requestId` of the delivery that made the turn. Temporal answers a repeat
   * of an Update id it already completed in this run with the stored result, so a caller
   * whose own requestId differs knows it got the first delivery's answer.
   */
  requestId: string;
  workflowId: string;
  runId: string;
}

/** How ingress asks a turn to run (chosen from its configuration; recorded with the Update). */
export interface TurnOptions {
  /**
   * Run the brain steps as local activities, inside the workflow task: right for the offline
   * brain (microseconds of pure code), saving two server round trips per step. Model brains
   * keep regular activities (long calls, retries visible in the history).
   */
  localBrain?: boolean;
  /**
   * Set when a scheduled promise runs this turn (not a message typed by a person): the turn's
   * lines are recorded with `kind` (the reply also carries `lateMs`), `note` (why it is late,
   * what was missed) goes before the reply, and no memories are extracted from it.
   */
  scheduled?: ScheduledTurn;
}

export type { ScheduledTurn };

/**
 * One message, as a Workflow Update. Its Update id is the envelope's `updateId` (the
 * idempotency key), except when ingress resends a message whose earlier Update failed for an
 * outage (see `FAILURE_TYPES.databaseUnavailable`). Runs recorded before TurnOptions existed
 * sent the envelope alone: the handler takes `undefined` too.
 */
export const turnUpdate = defineUpdate<TurnReply, [Envelope, TurnOptions]>('turn');
/** Ingress tells the workflow about a repeat it dropped itself (so the query counts it). */
export const duplicateDroppedSignal = defineSignal<[{ updateId: string }]>('duplicateDropped');
export const countersQuery = defineQuery<ConversationCounters>('counters');

// ─── Promises ────────────────────────────────────────────────────────────────────────────

export type { PromiseWorkflowState };

/** Sent after the row was cancelled: end without delivering. */
export const cancelPromiseSignal = defineSignal('cancel');
/** Sent after the row's due time was moved: sleep until the new time. */
export const snoozePromiseSignal = defineSignal<[{ dueAt: string }]>('snooze');
export const promiseStateQuery = defineQuery<{ state: PromiseWorkflowState; dueAt: string }>('state');

// ─── Tool approvals ──────────────────────────────────────────────────────────────────────

/** The owner's decision, sent after the database row was settled (API, CLI, web, Telegram). */
export interface ApprovalDecisionSignal {
  decision: 'approve' | 'deny';
  by: string;
}

export const decideSignal = defineSignal<[ApprovalDecisionSignal]>('decide');
export const approvalStateQuery = defineQuery<string>('state');

// ─── Memory questions ────────────────────────────────────────────────────────────────────

/**
 * The answer to a memory question: the choice as text, "1" (the older fact is right) or "2"
 * (the newer one is). Sent by `answerMemoryQuestion` (chat, API) after it recorded the
 * answer, or straight from an inline button (`sig:<workflowId>:answer:<choice>`, which
 * carries the signal's name: `memoryAnswerSignal.name`).
 */
export const memoryAnswerSignal = defineSignal<[string]>('answer');
export const memoryQuestionStateQuery = defineQuery<string>('state');

// ─── Pipelines ───────────────────────────────────────────────────────────────────────────

/** Live task states, for `mycel pipelines run` progress and the API. */
export const pipelineProgressQuery = defineQuery<PipelineProgress>('progress');

// ─── Doctor ──────────────────────────────────────────────────────────────────────────────

/** The stage running now, or `done` when every stage has finished. */
export const currentStageQuery = defineQuery<DoctorStageName | 'done'>('currentStage');
/** Every stage with its status, timing and detail so far. */
export const stageResultsQuery = defineQuery<DoctorStageResult[]>('stageResults');

// ─── Bench baseline ──────────────────────────────────────────────────────────────────────

/** The baseline workflow's echo: the smallest Update round trip. */
export const echoUpdate = defineUpdate<string, [string]>('echo');
export const finishSignal = defineSignal('finish');
