import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  TimeoutFailure,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type * as conversationActivities from '../activities/conversation.js';
import type * as toolActivities from '../activities/tools.js';
import type * as memoryActivities from '../activities/memory.js';
import type * as mediaActivities from '../activities/media.js';
import { voiceOf } from '../media/attachments.js';
import { MAX_TOOL_ROUNDS, type BrainStep, type HistoryLine } from '../brain/types.js';
import { envelopeSchema, MAX_MESSAGE_CHARS, type Channel, type Envelope } from '../shared/envelope.js';
import type { ToolCall, ToolOutcome } from '../tools/types.js';
import {
  countersQuery,
  duplicateDroppedSignal,
  FAILURE_TYPES,
  turnUpdate,
  type ConversationCounters,
  type TurnFailureDetails,
  type TurnOptions,
  type TurnReply,
} from './definitions.js';

export type { ConversationCounters, ScheduledTurn, TurnOptions, TurnReply } from './definitions.js';

/**
 * The conversation of one chat (`chat-<channel>-<chatId>`): a long-lived workflow that
 * takes each message as a validated Update, one at a time in arrival order, and answers
 * it with a loop of activities: brainStep → runTool… → brainStep → reply, then recordTurn
 * (transcript + durable dedupe record) and, for pushing channels, a delivery.
 *
 * Its history stays bounded: after `turnsPerRun` turns, or when Temporal suggests it, it
 * waits for running handlers and continues as new, carrying a summary, the recent lines,
 * the counters, the expected sequence and the recent dedupe keys.
 */

/** Turns per run before Continue-As-New, unless the input says otherwise (MYCEL_CONVERSATION_TURNS_PER_RUN). */
export const DEFAULT_TURNS_PER_RUN = 200;
/** Transcript lines the workflow keeps for the brain and carries across Continue-As-New. */
export const RECENT_HISTORY_LINES = 20;
/** Answered update keys the workflow remembers (and carries) to drop repeats on its own. */
export const RECENT_DEDUPE_KEYS = 256;
/** Longest running summary of older lines carried across Continue-As-New (characters). */
export const SUMMARY_MAX_CHARS = 2_000;
/** Longest excerpt of one line that goes into the summary. */
const SUMMARY_LINE_CHARS = 160;

export interface RememberedTurn {
  key: string;
  turn: number;
  reply: string;
}

/** What a run hands to the next one at Continue-As-New. */
export interface CarriedState {
  summary: string;
  recent: HistoryLine[];
  counters: Omit<ConversationCounters, 'runTurns' | 'expectedSequence'>;
  expectedSequence: number | null;
  dedupe: RememberedTurn[];
}

export interface ConversationInput {
  channel: Channel;
  chatId: string;
  turnsPerRun?: number;
  carried?: CarriedState;
}

/** Transcript kind of the person's side of a scheduled turn (the command that ran). */
export const SCHEDULED_REQUEST_KIND = 'scheduled-request';

type ConversationActivities = ReturnType<typeof conversationActivities.createConversationActivities>;
type ToolActivities = ReturnType<typeof toolActivities.createToolActivities>;

/** A model call may take a while; three attempts, then the turn answers that the brain is unreachable. */
const brain = proxyActivities<Pick<ConversationActivities, 'brainStep'>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3, nonRetryableErrorTypes: [FAILURE_TYPES.brainRejected] },
});

/** The offline brain's steps (see TurnOptions.localBrain): short, local, retried in the worker. */
const localBrain = proxyLocalActivities<Pick<ConversationActivities, 'brainStep'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 3, nonRetryableErrorTypes: [FAILURE_TYPES.brainRejected] },
});

const tools = proxyActivities<ToolActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

const bookkeeping = proxyActivities<Pick<ConversationActivities, 'recordTurn' | 'deliverReply'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 20 },
});

/**
 * The turn record as a local activity (one short database transaction, idempotent on the turn
 * key). Scheduled turns, which nobody waits for, keep retrying for minutes.
 */
const localBookkeeping = proxyLocalActivities<Pick<ConversationActivities, 'recordTurn'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 20 },
});

/** Attempts at the record of a turn someone waits for: about 8 s of retries (0.5 + 1 + 2 + 2 + 2 s). */
export const TURN_RECORD_ATTEMPTS = 6;

/**
 * The record of a turn someone waits for (a message): a database that is back within a few
 * seconds goes unnoticed; a longer outage fails the Update with `DatabaseUnavailable`, so the
 * sender gets 503 promptly and sends the message again, instead of waiting minutes for a 5xx.
 */
const waitedBookkeeping = proxyLocalActivities<Pick<ConversationActivities, 'recordTurn'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: TURN_RECORD_ATTEMPTS },
});

/** Patch id: a turn whose record failed gives its number back and fails its Update with a typed failure. */
const TURN_RECORD_FAILURE_PATCH = 'turn-record-failure-typed';

/** True when an activity failed because the database was unreachable (or did not answer in time). */
function isOutage(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure) return true;
  return cause instanceof ApplicationFailure && cause.type === FAILURE_TYPES.databaseUnavailable;
}

/** The Update failure of a turn that could not be recorded: nothing of it was kept. */
function turnNotRecorded(err: unknown, requestId: string): ApplicationFailure {
  const details: TurnFailureDetails = { requestId };
  if (isOutage(err)) {
    return ApplicationFailure.create({
      type: FAILURE_TYPES.databaseUnavailable,
      message: 'database unavailable: the turn could not be recorded and nothing of it was kept; send the same message again later',
      details: [details],
      cause: err instanceof Error ? err : undefined,
    });
  }
  const cause = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
  return ApplicationFailure.create({
    type: FAILURE_TYPES.turnNotRecorded,
    message: `the turn could not be recorded (${cause}); nothing of it was kept`,
    details: [details],
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
  });
}

/** Memory: after a turn, a model brain's exchange may hold facts worth keeping (a no-op offline). */
const memory = proxyActivities<Pick<ReturnType<typeof memoryActivities.createMemoryActivities>, 'extractMemories'>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3 },
});

/** A voice note's transcription: a provider call, retried a few times; a refusal is not retried. */
const media = proxyActivities<ReturnType<typeof mediaActivities.createMediaActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3, nonRetryableErrorTypes: ['TRANSCRIPTION_REJECTED', 'TranscriptionOff', 'MEDIA_GONE', 'MEDIA_PATH_INVALID'] },
});

/** Why the turn could not get an answer from the brain, for a person. */
function brainFailureReply(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const detail = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
  return `Sorry, I could not think this through: ${detail}. Please try again in a moment.`;
}

function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export async function conversationWorkflow(input: ConversationInput): Promise<void> {
  const turnsPerRun = Math.max(1, input.turnsPerRun ?? DEFAULT_TURNS_PER_RUN);
  const carried = input.carried;
  let summary = carried?.summary ?? '';
  const recent: HistoryLine[] = [...(carried?.recent ?? [])];
  const counters: ConversationCounters = {
    turns: carried?.counters.turns ?? 0,
    duplicatesDropped: carried?.counters.duplicatesDropped ?? 0,
    outOfOrder: carried?.counters.outOfOrder ?? 0,
    expectedSequence: carried?.expectedSequence ?? null,
    runTurns: 0,
    runs: (carried?.counters.runs ?? 0) + 1,
  };
  /** Work started after a turn (memory extraction) that must finish before Continue-As-New. */
  const afterTurn: Array<Promise<unknown>> = [];
  const answered = new Map<string, RememberedTurn>((carried?.dedupe ?? []).map((t) => [t.key, t]));

  // Turns run one at a time, in the order their Updates were accepted.
  let nextTicket = 0;
  let serving = 0;

  function remember(entry: RememberedTurn): void {
    answered.set(entry.key, entry);
    while (answered.size > RECENT_DEDUPE_KEYS) answered.delete(answered.keys().next().value!);
  }

  function addLine(line: HistoryLine): void {
    recent.push(line);
    while (recent.length > RECENT_HISTORY_LINES) {
      const old = recent.shift()!;
      summary = `${summary}\n${old.role}: ${excerpt(old.text, SUMMARY_LINE_CHARS)}`.trim();
      if (summary.length > SUMMARY_MAX_CHARS) summary = summary.slice(summary.length - SUMMARY_MAX_CHARS);
    }
  }

  /** Notes the channel's sequence number; true when the message is older than one already seen. */
  function checkSequence(sequence: number | null): boolean {
    if (sequence === null) return false;
    if (counters.expectedSequence !== null && sequence < counters.expectedSequence) {
      counters.outOfOrder += 1;
      return true;
    }
    counters.expectedSequence = sequence + 1;
    return false;
  }

  async function think(envelope: Envelope, turnKey: string, options: TurnOptions): Promise<string> {
    const stepper = options.localBrain ? localBrain : brain;
    const { workflowId, runId } = workflowInfo();
    const results: ToolOutcome[] = [];
    const calls: Array<ToolCall & { callId: string }> = [];
    for (let step = 0; ; step += 1) {
      let next: BrainStep;
      try {
        next = await stepper.brainStep({
          envelope,
          step,
          results,
          calls,
          history: [...recent],
          summary,
          now: new Date().toISOString(),
        });
      } catch (err) {
        log.warn('the brain failed after its retries', { chatId: envelope.chatId, updateId: turnKey, error: String(err) });
        return brainFailureReply(err);
      }
      if (next.type === 'reply') return next.text;
      if (step >= MAX_TOOL_ROUNDS) {
        return `I stopped after ${MAX_TOOL_ROUNDS} rounds of tool calls without reaching an answer. Please ask again more simply.`;
      }
      // One activity per call, in order: side effects happen in the order the brain asked for.
      for (const [index, call] of next.calls.entries()) {
        const callId = `${turnKey}#${step}.${index}`;
        calls.push({ ...call, callId });
        try {
          results.push(await tools.runTool({ call, callId, envelope, now: new Date().toISOString(), workflowId, runId }));
        } catch (err) {
          // A tool whose activity failed after its retries becomes a failed outcome the brain
          // can explain, instead of failing the turn (runs recorded before this patch failed).
          if (!patched('tool-failure-as-outcome')) throw err;
          const cause = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
          log.warn('a tool activity failed after its retries', { chatId: envelope.chatId, updateId: turnKey, callId, error: cause });
          results.push({ callId, tool: call.tool, status: 'error', error: `the tool could not run: ${cause}` });
        }
      }
    }
  }

  async function answer(envelope: Envelope, options: TurnOptions): Promise<TurnReply> {
    const { workflowId, runId } = workflowInfo();
    const key = envelope.updateId;
    const seen = answered.get(key);
    if (seen) {
      counters.duplicatesDropped += 1;
      return { reply: seen.reply, turn: seen.turn, duplicate: true, outOfOrder: false, requestId: envelope.requestId, workflowId, runId };
    }
    // What the turn changes in the counters, given back if it cannot be recorded.
    const before = { turns: counters.turns, runTurns: counters.runTurns, outOfOrder: counters.outOfOrder, expectedSequence: counters.expectedSequence };
    const outOfOrder = checkSequence(envelope.sequence);
    counters.turns += 1;
    counters.runTurns += 1;
    const turn = counters.turns;
    const scheduled = options.scheduled;
    // A voice note is transcribed first; its transcript is the turn's text (runs recorded
    // before voice notes existed never carry one).
    const voice = voiceOf(envelope);
    let message = envelope;
    let heard: string | undefined;
    let unheard: string | undefined;
    if (voice && patched('voice-transcription')) {
      try {
        const { text: transcript } = await media.transcribeVoice({ chatId: envelope.chatId, updateId: key, attachment: voice });
        if (transcript.trim()) {
          heard = transcript.trim().slice(0, MAX_MESSAGE_CHARS);
          message = { ...envelope, text: heard };
        } else unheard = "I couldn't make out any words in that voice note. Please try again, or type your message.";
      } catch (err) {
        const cause = (err instanceof ActivityFailure && err.cause ? err.cause.message : String(err)).replace(/[.\s]+$/, '');
        log.warn('a voice note could not be transcribed', { chatId: envelope.chatId, updateId: key, error: cause });
        unheard = `Sorry, I could not transcribe your voice note: ${cause}. Please type your message instead.`;
      }
    }
    const thought = unheard ?? (await think(message, key, options));
    // The person sees what was heard, before the answer.
    const spoken = heard !== undefined ? `🎤 ${heard}\n\n${thought}` : thought;
    const reply = scheduled?.note ? `${scheduled.note}\n${spoken}` : spoken;
    const repliedAt = new Date().toISOString();
    // Runs recorded before this patch wrote the turn with a regular activity.
    const record = patched('local-turn-record') ? (scheduled ? localBookkeeping : waitedBookkeeping) : bookkeeping;
    try {
      await record.recordTurn({
        channel: envelope.channel,
        chatId: envelope.chatId,
        turnKey: key,
        turn,
        userText: message.text,
        // A repeat of the update carries the message as it came (before transcription).
        ...(message !== envelope ? { dedupeText: envelope.text } : {}),
        reply,
        receivedAt: envelope.receivedAt,
        repliedAt,
        ...(scheduled ? { kind: scheduled.kind, userKind: SCHEDULED_REQUEST_KIND, lateMs: scheduled.lateMs, scheduled } : {}),
      });
    } catch (err) {
      // Runs recorded before this patch kept the number (the next turn skipped one) and failed untyped.
      if (!patched(TURN_RECORD_FAILURE_PATCH)) throw err;
      // Nothing was recorded: the turn did not happen, and the same message sent again gets this number.
      Object.assign(counters, before);
      log.warn('the turn could not be recorded', { chatId: envelope.chatId, updateId: key, error: String(err) });
      throw turnNotRecorded(err, envelope.requestId);
    }
    // Model turns only (the offline brain has no model to ask); commands carry no facts.
    // (A voice note that could not be heard carries no words to learn from.)
    const extract = !scheduled && unheard === undefined && patched('memory-extraction') && !message.text.trimStart().startsWith('/') && (!patched('memory-extraction-model-only') || !options.localBrain);
    if (extract) {
      // Not awaited: the reply does not wait for extraction; Continue-As-New does.
      afterTurn.push(
        memory
          .extractMemories({ channel: envelope.channel, chatId: envelope.chatId, userId: envelope.userId, turnKey: key, userText: message.text, reply, workflowId, runId, at: repliedAt })
          .catch((err) => log.warn('memory extraction failed', { chatId: envelope.chatId, updateId: key, error: String(err) })),
      );
    }
    remember({ key, turn, reply });
    addLine({ role: 'user', text: message.text, at: envelope.receivedAt });
    addLine({ role: 'assistant', text: reply, at: repliedAt });
    if (envelope.channel !== 'web') {
      // Pushing channels get the reply from here; a failed delivery leaves the turn answered.
      try {
        await bookkeeping.deliverReply({ channel: envelope.channel, chatId: envelope.chatId, text: reply, key: `${key}#reply` });
      } catch (err) {
        log.error('the reply could not be delivered', { chatId: envelope.chatId, updateId: key, error: String(err) });
      }
    }
    return { reply, turn, duplicate: false, outOfOrder, requestId: envelope.requestId, workflowId, runId };
  }

  setHandler(
    turnUpdate,
    async (envelope, options: TurnOptions | undefined) => {
      const ticket = nextTicket++;
      await condition(() => serving === ticket);
      try {
        return await answer(envelope, options ?? {});
      } finally {
        serving += 1;
      }
    },
    {
      // A refusal is typed (`InvalidTurn`, non-retryable): ingress answers it as bad input.
      validator: (envelope, options: TurnOptions | undefined) => {
        const refuse = (message: string) => ApplicationFailure.create({ type: FAILURE_TYPES.invalidTurn, message, nonRetryable: true });
        if (options !== undefined && (typeof options !== 'object' || options === null)) throw refuse('invalid turn options: expected an object');
        const parsed = envelopeSchema.safeParse(envelope);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw refuse(`invalid envelope: ${issue?.path.join('.') || 'envelope'}: ${issue?.message ?? 'invalid'}`);
        }
        if (parsed.data.channel !== input.channel || parsed.data.chatId !== input.chatId) {
          throw refuse(`envelope for ${parsed.data.channel}:${parsed.data.chatId} sent to the conversation of ${input.channel}:${input.chatId}`);
        }
      },
    },
  );
  setHandler(duplicateDroppedSignal, () => {
    counters.duplicatesDropped += 1;
  });
  setHandler(countersQuery, () => ({ ...counters }));

  await condition(() => (counters.runTurns >= turnsPerRun || workflowInfo().continueAsNewSuggested) && allHandlersFinished());
  await Promise.all(afterTurn);
  await continueAsNew<typeof conversationWorkflow>({
    channel: input.channel,
    chatId: input.chatId,
    turnsPerRun,
    carried: {
      summary,
      recent,
      counters: { turns: counters.turns, duplicatesDropped: counters.duplicatesDropped, outOfOrder: counters.outOfOrder, runs: counters.runs },
      expectedSequence: counters.expectedSequence,
      dedupe: [...answered.values()],
    },
  });
}
