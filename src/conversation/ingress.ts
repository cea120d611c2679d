import { ApplicationFailure, WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { MycelConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { withLogContext } from '../logging/log-context.js';
import type { Metrics } from '../metrics/metrics.js';
import { MycelError, formatError } from '../shared/errors.js';
import { envelopeSchema, type Envelope } from '../shared/envelope.js';
import { DATABASE_RETRY_AFTER_SECONDS } from '../storage/outage.js';
import type { conversationWorkflow } from '../workflows/conversation.js';
import {
  conversationWorkflowId,
  duplicateDroppedSignal,
  FAILURE_TYPES,
  turnUpdate,
  WORKFLOW_TYPES,
  type ScheduledTurn,
  type TurnFailureDetails,
  type TurnOptions,
  type TurnReply,
} from '../workflows/definitions.js';
import { findTurnRecord, sameTurnText } from './dedupe.js';
import type { Queryable } from './transcript.js';

/**
 * Ingress of every channel: one call per inbound message. It validates the envelope,
 * drops repeats (durable dedupe record, then messages still in flight in this process),
 * and otherwise sends the message as an Update-with-Start to the chat's conversation
 * workflow, whose first message creates it. The envelope's `updateId` is both the Update
 * id (Temporal itself collapses concurrent repeats onto one Update) and the dedupe key.
 */

/** How long ingress waits for a turn's reply before answering that it is still running. */
export const TURN_REPLY_TIMEOUT_MS = 5 * 60_000;

export interface SubmitTurnOptions {
  taskQueue: string;
  /** The durable dedupe record is checked here first when given (always, in the product). */
  store?: Queryable;
  metrics?: Metrics;
  logger?: Logger;
  /** Turns per run of a newly started conversation (MYCEL_CONVERSATION_TURNS_PER_RUN). */
  turnsPerRun?: number;
  /** True when the brain is the offline brain: its steps run as local activities (faster). */
  localBrain?: boolean;
  timeoutMs?: number;
  /** Marks a turn that a scheduled promise runs (see TurnOptions.scheduled). */
  scheduled?: ScheduledTurn;
  /**
   * The process's in-flight messages and per-chat order (`submitTurn` needs them; `acceptTurn`
   * does not). Give every caller in a process the same one: `createIngress` binds them.
   */
  lanes?: TurnLanes;
}

export interface SubmittedTurn {
  reply: string;
  turn: number;
  /** True when this message had been answered before: nothing new happened. */
  duplicate: boolean;
  /** True when the channel's sequence number was lower than one already seen in this chat. */
  outOfOrder: boolean;
  workflowId: string;
  /** The run that answered (absent when the durable record answered without asking it). */
  runId?: string;
}

/**
 * The ingress options a process derives from its configuration: spread them into
 * `submitTurn`'s options, e.g. `submitTurn(client, { ...turnOptionsFromConfig(config), store, metrics, logger }, envelope)`.
 */
export function turnOptionsFromConfig(config: Pick<MycelConfig, 'temporal' | 'model' | 'conversationTurnsPerRun'>): Pick<SubmitTurnOptions, 'taskQueue' | 'turnsPerRun' | 'localBrain'> {
  return { taskQueue: config.temporal.taskQueue, turnsPerRun: config.conversationTurnsPerRun, localBrain: config.model.id === 'offline' };
}

/** The envelope failed validation, at ingress or in the workflow's Update validator. */
export class InvalidEnvelopeError extends MycelError {
  constructor(message: string) {
    super('ENVELOPE_INVALID', message, 'send text of 1 to 8000 characters; see the envelope schema in src/shared/envelope.ts');
    this.name = 'InvalidEnvelopeError';
  }
}

/** No reply came in time; the turn goes on and its reply will appear in the transcript. */
export class TurnTimeoutError extends MycelError {
  constructor(workflowId: string, ms: number) {
    super(
      'TURN_TIMEOUT',
      `No reply from the conversation ${workflowId} within ${Math.round(ms / 1000)} s.`,
      'check that a worker runs (`mycel start` or `mycel worker`, see /readyz); the reply will appear in the transcript when the turn finishes',
    );
    this.name = 'TurnTimeoutError';
  }
}

/**
 * The database went away after the conversation took the message: nothing of the turn was
 * kept and its number was not used. An outage (code `DATABASE_UNREACHABLE`, answered 503 with
 * `Retry-After`): the same message (same id) sent again later is answered once.
 */
export class TurnDatabaseUnavailableError extends MycelError {
  constructor(workflowId: string, options?: { cause?: unknown }) {
    super(
      'DATABASE_UNREACHABLE',
      `The conversation ${workflowId} could not record the turn: the database is unavailable; nothing was kept.`,
      `send the same message again in ${DATABASE_RETRY_AFTER_SECONDS} s; if it lasts, check that the database runs (\`mycel doctor\`)`,
      options,
    );
    this.name = 'TurnDatabaseUnavailableError';
  }
}

/** The conversation took the message but could not record the turn for another reason; nothing was kept. */
export class TurnNotRecordedError extends MycelError {
  constructor(workflowId: string, message: string, options?: { cause?: unknown }) {
    super('TURN_NOT_RECORDED', `The conversation ${workflowId} could not record the turn: ${message}`, 'the worker log has the detail; the same message may be sent again', options);
    this.name = 'TurnNotRecordedError';
  }
}

/** The message's idempotency key was used before in this chat for other text; nothing new happened. */
export class MessageIdConflictError extends MycelError {
  /** The turn that answered the key's first message. */
  readonly turn: number;

  constructor(updateId: string, turn: number) {
    super(
      'MESSAGE_ID_CONFLICT',
      `The message id of "${updateId}" was already used in this chat for a different text (turn ${turn}); this message was not taken.`,
      'send a new message with a new messageId; repeat a messageId only to retry the very same text',
    );
    this.name = 'MessageIdConflictError';
    this.turn = turn;
  }
}

/** In-process state of ingress: messages in flight and per-chat order. One per process. */
export class TurnLanes {
  /** Messages being answered, by update id, with their text (a repeat must carry the same). */
  readonly inFlight = new Map<string, { text: string; work: Promise<Answer> }>();
  readonly chatTails = new Map<string, Promise<unknown>>();
}

/** A process's one way in for turns: `submitTurn` and `acceptTurn` with its options and lanes bound. */
export interface Ingress {
  /** Sends one message and waits for its reply (see `submitTurn`). */
  submit(envelope: Envelope, overrides?: Pick<SubmitTurnOptions, 'timeoutMs' | 'logger'>): Promise<SubmittedTurn>;
  /** Hands a turn over and returns once it is accepted (see `acceptTurn`). */
  accept(envelope: Envelope, overrides?: Pick<SubmitTurnOptions, 'scheduled' | 'logger'>): Promise<{ recorded: boolean }>;
}

/** Binds ingress to a client and options, with lanes shared by every call through it. */
export function createIngress(client: Client, options: SubmitTurnOptions): Ingress {
  const bound = { ...options, lanes: options.lanes ?? new TurnLanes() };
  return {
    submit: (envelope, overrides) => submitTurn(client, { ...bound, ...overrides }, envelope),
    accept: (envelope, overrides) => acceptTurn(client, { ...bound, ...overrides }, envelope),
  };
}

/** Runs `fn` after the chat's previous message finished: one update at a time per chat. */
function inChatOrder<T>(state: TurnLanes, chat: string, fn: () => Promise<T>): Promise<T> {
  const previous = state.chatTails.get(chat) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => undefined);
  state.chatTails.set(chat, tail);
  void tail.then(() => {
    if (state.chatTails.get(chat) === tail) state.chatTails.delete(chat);
  });
  return run;
}

function parseEnvelope(envelope: unknown): Envelope {
  const parsed = envelopeSchema.safeParse(envelope);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidEnvelopeError(`invalid message: ${issue?.path.join('.') || 'envelope'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends one message to its chat's conversation and returns the reply. A repeated
 * `updateId` (sequential or concurrent, across Continue-As-New and restarts) returns the
 * first reply and turn with `duplicate: true` and starts no new turn.
 *
 * Give every delivery its own `requestId` (a repeat keeps the `updateId` but not the
 * requestId): that is how a repeat that Temporal answers from a completed Update is told
 * apart from the first delivery. For pushing channels (Telegram) the workflow delivers the
 * reply itself; the caller must not send it again.
 *
 * Callers in a process go through its `Ingress` (`services.ingress.submit(envelope)`), which
 * shares one `TurnLanes` among them: one message at a time per chat, repeats in flight joined.
 *
 * @example
 *   const { reply, turn } = await submitTurn(client, { taskQueue: config.temporal.taskQueue, store, lanes }, envelope);
 */
export async function submitTurn(client: Client, options: SubmitTurnOptions & { lanes: TurnLanes }, envelope: Envelope): Promise<SubmittedTurn> {
  const message = parseEnvelope(envelope);
  const state = options.lanes;
  const workflowId = conversationWorkflowId(message.channel, message.chatId);
  const started = performance.now();
  return withLogContext({ chatId: message.chatId, updateId: message.updateId, workflowId }, async () => {
    const timeoutMs = options.timeoutMs ?? TURN_REPLY_TIMEOUT_MS;
    const timedOut = () => new TurnTimeoutError(workflowId, timeoutMs);
    const running = state.inFlight.get(message.updateId);
    if (running) {
      const first = await withTimeout(running.work, timeoutMs, timedOut);
      if (running.text !== message.text) throw new MessageIdConflictError(message.updateId, first.turn.turn);
      return dropped(client, options, message, { ...first.turn, duplicate: true }, true);
    }
    const work = inChatOrder(state, `${message.channel}:${message.chatId}`, () => answer(client, options, message, workflowId));
    // Repeats share this message's answer until it settles, even past a caller's timeout.
    state.inFlight.set(message.updateId, { text: message.text, work });
    void work.then(
      () => state.inFlight.delete(message.updateId),
      () => state.inFlight.delete(message.updateId),
    );
    try {
      // The wait includes the chat's earlier messages still in flight: the caller's whole wait is bounded.
      const { turn: result, countedByWorkflow } = await withTimeout(work, timeoutMs, timedOut);
      if (result.duplicate) return dropped(client, options, message, result, !countedByWorkflow);
      const seconds = (performance.now() - started) / 1000;
      options.metrics?.turns.inc({ channel: message.channel, outcome: 'ok' });
      options.metrics?.turnLatency.observe({ channel: message.channel }, seconds);
      if (result.outOfOrder) options.metrics?.outOfOrderArrivals.inc({ channel: message.channel });
      withLogContext({ runId: result.runId ?? '' }, () =>
        options.logger?.info({ turn: result.turn, ms: Math.round(seconds * 1000), outOfOrder: result.outOfOrder || undefined }, 'turn answered'),
      );
      return result;
    } catch (err) {
      if (!(err instanceof InvalidEnvelopeError || err instanceof MessageIdConflictError)) options.metrics?.turns.inc({ channel: message.channel, outcome: 'error' });
      options.logger?.warn(`turn failed: ${formatError(err)}`);
      throw err;
    }
  });
}

/** A turn's result, and whether the workflow already counted it as a repeat. */
interface Answer {
  turn: SubmittedTurn;
  countedByWorkflow: boolean;
}

async function answer(client: Client, options: SubmitTurnOptions, message: Envelope, workflowId: string): Promise<Answer> {
  if (options.store) {
    const record = await findTurnRecord(options.store, message.updateId);
    if (record && !sameTurnText(record, message.text)) throw new MessageIdConflictError(message.updateId, record.turn);
    if (record) return { turn: { reply: record.reply, turn: record.turn, duplicate: true, outOfOrder: false, workflowId }, countedByWorkflow: false };
  }
  let reply: TurnReply;
  try {
    reply = await executeTurn(client, options, message, workflowId, message.updateId);
  } catch (err) {
    // Temporal keeps a failed Update's outcome for its id in this run: an outage that failed an
    // earlier delivery of this message would answer every resend. The message was not recorded
    // (the durable record says so above), so this delivery runs it under an Update id of its own;
    // the workflow still keys the turn on the envelope's updateId, so it runs at most once.
    if (!failedForOtherDelivery(err, message)) throw updateFailure(err, workflowId);
    try {
      reply = await executeTurn(client, options, message, workflowId, `${message.updateId}#resent:${message.requestId}`);
    } catch (again) {
      throw updateFailure(again, workflowId);
    }
  }
  // Temporal answers a repeat of an Update it completed in this run with the stored result:
  // another delivery's requestId means this one is a repeat the workflow never saw.
  const repeat = reply.duplicate || reply.requestId !== message.requestId;
  return {
    turn: { reply: reply.reply, turn: reply.turn, duplicate: repeat, outOfOrder: repeat ? false : reply.outOfOrder, workflowId, runId: reply.runId },
    countedByWorkflow: reply.duplicate,
  };
}

/** Sends the turn as an Update-with-Start (the chat's first message creates its workflow). */
function executeTurn(client: Client, options: SubmitTurnOptions, message: Envelope, workflowId: string, updateId: string): Promise<TurnReply> {
  return client.workflow.executeUpdateWithStart(turnUpdate, {
    args: turnArgs(options, message),
    updateId,
    startWorkflowOperation: startConversation(options, message, workflowId),
  });
}

function startConversation(options: SubmitTurnOptions, message: Envelope, workflowId: string) {
  return new WithStartWorkflowOperation<typeof conversationWorkflow>(WORKFLOW_TYPES.conversation, {
    workflowId,
    taskQueue: options.taskQueue,
    args: [{ channel: message.channel, chatId: message.chatId, ...(options.turnsPerRun ? { turnsPerRun: options.turnsPerRun } : {}) }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

function turnArgs(options: SubmitTurnOptions, message: Envelope): [Envelope, TurnOptions] {
  return [message, { localBrain: options.localBrain ?? false, ...(options.scheduled ? { scheduled: options.scheduled } : {}) }];
}

/** The typed failure of a turn's Update, or undefined when the Update did not fail. */
function turnFailureOf(err: unknown): ApplicationFailure | undefined {
  return err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure ? err.cause : undefined;
}

/**
 * True when the Update failed to record the turn while answering another delivery of this
 * message: an outcome Temporal stored, not this delivery's.
 */
function failedForOtherDelivery(err: unknown, message: Envelope): boolean {
  const failure = turnFailureOf(err);
  if (failure?.type !== FAILURE_TYPES.databaseUnavailable && failure?.type !== FAILURE_TYPES.turnNotRecorded) return false;
  const details = failure.details?.[0] as Partial<TurnFailureDetails> | undefined;
  return typeof details?.requestId === 'string' && details.requestId !== message.requestId;
}

/** Maps a failed turn by its failure type: bad input, an outage, a fault; anything else is Temporal's. */
function updateFailure(err: unknown, workflowId: string): Error {
  if (err instanceof MycelError) return err;
  const failure = turnFailureOf(err);
  if (err instanceof WorkflowUpdateFailedError) {
    switch (failure?.type) {
      case FAILURE_TYPES.invalidTurn:
        return new InvalidEnvelopeError(failure.message);
      case FAILURE_TYPES.databaseUnavailable:
        return new TurnDatabaseUnavailableError(workflowId, { cause: err });
      default:
        return new TurnNotRecordedError(workflowId, failure?.message ?? err.message, { cause: err });
    }
  }
  return new MycelError('TURN_FAILED', `The conversation ${workflowId} could not take the message: ${formatError(err)}`, 'check that Temporal is reachable (see /readyz)', { cause: err });
}

/**
 * Hands a turn to its chat's conversation and returns once the workflow has accepted it (not
 * when it is answered): for scheduled work, whose occurrence activity must not hold an
 * activity slot while the turn's own tool activities wait for one. Idempotent on the
 * envelope's `updateId` like `submitTurn`: a turn already recorded, or already accepted in
 * this run, is not started again. Returns whether it was already recorded.
 */
export async function acceptTurn(client: Client, options: SubmitTurnOptions, envelope: Envelope): Promise<{ recorded: boolean }> {
  const message = parseEnvelope(envelope);
  if (options.store && (await findTurnRecord(options.store, message.updateId))) return { recorded: true };
  const workflowId = conversationWorkflowId(message.channel, message.chatId);
  try {
    await client.workflow.startUpdateWithStart(turnUpdate, {
      args: turnArgs(options, message),
      updateId: message.updateId,
      startWorkflowOperation: startConversation(options, message, workflowId),
      waitForStage: 'ACCEPTED',
    });
    return { recorded: false };
  } catch (err) {
    throw updateFailure(err, workflowId);
  }
}

/** Counts a repeat that ingress answered itself, in the metrics and in the workflow's counters. */
function dropped(client: Client, options: SubmitTurnOptions, message: Envelope, result: SubmittedTurn, tellWorkflow: boolean): SubmittedTurn {
  options.metrics?.duplicatesDropped.inc({ channel: message.channel });
  options.logger?.info({ turn: result.turn }, 'duplicate message dropped; the first reply is returned');
  if (tellWorkflow) {
    void client.workflow
      .getHandle(result.workflowId)
      .signal(duplicateDroppedSignal, { updateId: message.updateId })
      .catch((err) => options.logger?.debug(`could not count the duplicate in the workflow: ${formatError(err)}`));
  }
  return result;
}
