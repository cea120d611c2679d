import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ScheduledTurn } from '../conversation/scheduled-turn.js';
import type * as conversationActivities from '../activities/conversation.js';
import type { BrainStepResult, RecordedReply, RecordWithStep } from '../activities/conversation.js';
import type * as toolActivities from '../activities/tools.js';
import type * as memoryActivities from '../activities/memory.js';
import type * as mediaActivities from '../activities/media.js';
import { voiceOf } from '../media/attachments.js';
import { MAX_TOOL_ROUNDS, type HistoryLine } from '../brain/types.js';
import { envelopeSchema, MAX_MESSAGE_CHARS, type Channel, type Envelope } from '../shared/envelope.js';
import type { ToolCall, ToolOutcome } from '../tools/types.js';

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

export type { ScheduledTurn } from '../conversation/scheduled-turn.js';

/** Transcript kind of the person's side of a scheduled turn (the command that ran). */
export const SCHEDULED_REQUEST_KIND = 'scheduled-request';

/** One message, as a Workflow Update; the Update id is the envelope's `updateId`. */
// Runs recorded before TurnOptions existed sent the envelope alone: the handler takes `undefined` too.
export const turnUpdate = defineUpdate<TurnReply, [Envelope, TurnOptions]>('turn');
/** Ingress tells the workflow about a repeat it dropped itself (so the query counts it). */
export const duplicateDroppedSignal = defineSignal<[{ updateId: string }]>('duplicateDropped');
export const countersQuery = defineQuery<ConversationCounters>('counters');

type ConversationActivities = ReturnType<typeof conversationActivities.createConversationActivities>;
type ToolActivities = ReturnType<typeof toolActivities.createToolActivities>;

/** A model call may take a while; three attempts, then the turn answers that the brain is unreachable. */
const brain = proxyActivities<Pick<ConversationActivities, 'brainStep'>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3, nonRetryableErrorTypes: ['BrainRejected'] },
});

/** The offline brain's steps (see TurnOptions.localBrain): short, local, retried in the worker. */
const localBrain = proxyLocalActivities<Pick<ConversationActivities, 'brainStep'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 3, nonRetryableErrorTypes: ['BrainRejected'] },
});

const tools = proxyActivities<ToolActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

const bookkeeping = proxyActivities<Pick<ConversationActivities, 'recordTurn' | 'deliverReply'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 20 },
});

/** The turn record as a local activity (one short database transaction, idempotent on the turn key). */
const localBookkeeping = proxyLocalActivities<Pick<ConversationActivities, 'recordTurn'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 20 },
});

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

  /**
   * The brain's answer to a message. With `record` (local steps), the step that replies also
   * records the turn and `recorded` says what stands; otherwise the caller records it.
   */
  async function think(envelope: Envelope, turnKey: string, options: TurnOptions, record?: RecordWithStep): Promise<{ text: string; recorded?: RecordedReply }> {
    const stepper = options.localBrain ? localBrain : brain;
    const { workflowId, runId } = workflowInfo();
    const results: ToolOutcome[] = [];
    const calls: Array<ToolCall & { callId: string }> = [];
    for (let step = 0; ; step += 1) {
      let next: BrainStepResult;
      try {
        next = await stepper.brainStep({
          envelope,
          step,
          results,
          calls,
          history: [...recent],
          summary,
          now: new Date().toISOString(),
          ...(record ? { record } : {}),
        });
      } catch (err) {
        log.warn('the brain failed after its retries', { chatId: envelope.chatId, updateId: turnKey, error: String(err) });
        return { text: brainFailureReply(err) };
      }
      if (next.type === 'reply') return 'recorded' in next ? { text: next.text, recorded: next.recorded } : { text: next.text };
      if (step >= MAX_TOOL_ROUNDS) {
        return { text: `I stopped after ${MAX_TOOL_ROUNDS} rounds of tool calls without reaching an answer. Please ask again more simply.` };
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
    // The person sees what was heard, before the answer; a scheduled turn's note before that.
    const replyPrefix = `${scheduled?.note ? `${scheduled.note}\n` : ''}${heard !== undefined ? `🎤 ${heard}\n\n` : ''}`;
    const turnRecord: Omit<RecordWithStep, 'replyPrefix'> = {
      channel: envelope.channel,
      chatId: envelope.chatId,
      turnKey: key,
      turn,
      userText: message.text,
      // A repeat of the update carries the message as it came (before transcription).
      ...(message !== envelope ? { dedupeText: envelope.text } : {}),
      receivedAt: envelope.receivedAt,
      ...(scheduled ? { kind: scheduled.kind, userKind: SCHEDULED_REQUEST_KIND, lateMs: scheduled.lateMs, scheduled } : {}),
    };
    // A local brain step that replies records the turn itself: one local activity per plain
    // turn instead of two (runs recorded before this patch record it with a second one).
    const recordWithStep = unheard === undefined && options.localBrain === true && patched('local-brain-records-turn');
    const thought = unheard !== undefined ? { text: unheard } : await think(message, key, options, recordWithStep ? { ...turnRecord, replyPrefix } : undefined);
    let reply = `${replyPrefix}${thought.text}`;
    let repliedAt = new Date().toISOString();
    if (thought.recorded) {
      ({ reply, repliedAt } = thought.recorded);
    } else {
      // Runs recorded before this patch wrote the turn with a regular activity.
      const record = patched('local-turn-record') ? localBookkeeping : bookkeeping;
      await record.recordTurn({ ...turnRecord, reply, repliedAt });
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
      validator: (envelope, options: TurnOptions | undefined) => {
        if (options !== undefined && (typeof options !== 'object' || options === null)) throw new Error('invalid turn options: expected an object');
        const parsed = envelopeSchema.safeParse(envelope);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new Error(`invalid envelope: ${issue?.path.join('.') || 'envelope'}: ${issue?.message ?? 'invalid'}`);
        }
        if (parsed.data.channel !== input.channel || parsed.data.chatId !== input.chatId) {
          throw new Error(`envelope for ${parsed.data.channel}:${parsed.data.chatId} sent to the conversation of ${input.channel}:${input.chatId}`);
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
