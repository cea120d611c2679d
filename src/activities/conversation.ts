import { ApplicationFailure, Context } from '@temporalio/activity';
import type { BrainInput, BrainStep, ModelUsage, StepListener } from '../brain/types.js';
import { ReplyDraft, type ReplyStreamEvent } from '../conversation/reply-stream.js';
import { getChatSettings } from '../conversation/chats.js';
import { DEDUPE_PRUNE_EVERY_TURNS, pruneTurnRecords, recordTurnResult } from '../conversation/dedupe.js';
import { recallForTurn } from '../conversation/recall.js';
import { appendMessage } from '../conversation/transcript.js';
import { withLogContext } from '../logging/log-context.js';
import { formatError, MycelError } from '../shared/errors.js';
import { isDatabaseOutage } from '../storage/outage.js';
import { FAILURE_TYPES } from '../workflows/definitions.js';
import type { Channel, ChatRef, Envelope } from '../shared/envelope.js';
import type { ToolInfo } from '../tools/types.js';
import type { ActivityDeps } from '../deps/activity-deps.js';
import type { WorkerDeps } from './worker-deps.js';
import { loadImages } from './media.js';
import type { ScheduledTurn } from '../conversation/scheduled-turn.js';
import { completeScheduledDelivery } from '../promises/scheduled-delivery.js';
import { meterModelCall } from '../usage/meter.js';
import { ScheduledTurnBudget } from '../promises/budget-guard.js';

/** What the workflow sends for one brain step; the activity adds the chat's context. */
export type BrainStepRequest = Pick<BrainInput, 'envelope' | 'step' | 'results' | 'calls' | 'history' | 'summary' | 'now'>;

export interface RecordTurnRequest {
  channel: Channel;
  chatId: string;
  /** The update's idempotency key. */
  turnKey: string;
  turn: number;
  userText: string;
  /** The message's text as it came, when the turn's text differs (a voice note's transcript): what a repeat is compared with. */
  dedupeText?: string | undefined;
  reply: string;
  receivedAt: string;
  repliedAt: string;
  /** Scheduled turns: the kind of the reply line and of the request line, and how late it ran. */
  kind?: string | undefined;
  userKind?: string | undefined;
  lateMs?: number | undefined;
  /** A scheduled promise's turn: its delivery record is completed once the turn is recorded. */
  scheduled?: ScheduledTurn | undefined;
}

export interface DeliverReplyRequest {
  channel: Channel;
  chatId: string;
  text: string;
  key: string;
}

/**
 * The tools offered to the brain, with their JSON Schemas. Read at each step: the tools of
 * MCP servers come and go (the registry keeps the built-in tools' schemas computed once).
 */
function toolsFor(deps: Pick<WorkerDeps, 'tools'>): ToolInfo[] {
  const { registry } = deps.tools;
  const offered = new Set(registry.list().filter((t) => t.forModel !== false).map((t) => t.id));
  return registry.info().filter((t) => offered.has(t.id));
}

function chatOf(envelope: Envelope): ChatRef {
  return { channel: envelope.channel, chatId: envelope.chatId };
}

/** The attempt of the running activity (1 outside an activity, as in unit tests). */
function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/** The key the workflow delivers a turn's reply under (`deliverReply`), from the turn's key. */
export function replyDeliveryKey(turnKey: string): string {
  return `${turnKey}#reply`;
}

/**
 * The listener a brain step reports to: reply parts go to the chat's reply stream (never
 * to the workflow history) and, on a channel that shows replies growing (Telegram), to the
 * chat itself; usage goes to `onUsage`. Tracks what it published so the step can end the
 * stream consistently with its result; `close` ends the live view before the step returns,
 * so that the final message, sent after the step, is the last thing the chat sees.
 */
function stepListener(
  deps: ActivityDeps,
  envelope: Envelope,
  onUsage: (usage: ModelUsage) => void,
): StepListener & { draft: ReplyDraft; publish(event: ReplyStreamEvent): void; endLive(): Promise<void>; close(): Promise<void> } {
  const chat = chatOf(envelope);
  const draft = new ReplyDraft();
  const live = deps.outbound.live({ ...chat, key: replyDeliveryKey(envelope.updateId) });
  const publish = (event: ReplyStreamEvent) => {
    draft.apply(event);
    deps.replies?.publish({ chat, turnKey: envelope.updateId, event });
    live?.apply(event);
  };
  return {
    draft,
    publish,
    /** Ends the live view as soon as the model is done: what follows is the final message. */
    async endLive() {
      await live?.close();
    },
    async close() {
      await live?.close();
      // Parts published through another process (a split deployment) leave before the reply.
      await deps.replies?.flush?.();
    },
    delta: (text) => publish({ type: 'delta', text }),
    reset: () => publish({ type: 'reset' }),
    usage: onUsage,
  };
}

/** Activities of the conversation workflow: brain steps, the turn record, reply delivery. */
export function createConversationActivities(deps: ActivityDeps & Pick<WorkerDeps, 'tools' | 'brain'>) {
  return {
    /**
     * One step of a turn: the brain sees the message, the chat's time zone, recalled facts,
     * the tools it may ask for, and the results of earlier calls in this turn.
     */
    async brainStep(request: BrainStepRequest): Promise<BrainStep> {
      const chat = chatOf(request.envelope);
      return withLogContext({ chatId: chat.chatId, updateId: request.envelope.updateId }, async () => {
        const brain = deps.brain;
        // A slash command never answers from memory: only free text pays for the recall.
        const isCommand = request.envelope.text.trimStart().startsWith('/');
        const [settings, memories] = await Promise.all([
          getChatSettings(deps.store, chat, deps.config),
          isCommand ? Promise.resolve([]) : recallForTurn(deps, chat, request.envelope.text),
        ]);
        // Images are read here, in the activity: only their references went through history.
        const images = await loadImages(deps, request.envelope);
        const input: BrainInput = { ...request, memories, timeZone: settings.timeZone, tools: toolsFor(deps), ...(images.length ? { images } : {}) };
        // Scheduled work that calls the model runs under its promise's token budget.
        const budget = brain.callsModel?.(input) === false ? undefined : await ScheduledTurnBudget.forTurn(deps, request.envelope);
        const metering: Array<Promise<void>> = [];
        const listener = stepListener(deps, request.envelope, (usage) => {
          metering.push(meterModelCall(deps, chat, budget ? 'scheduled' : 'turn', usage));
          if (budget) metering.push(budget.record(usage));
        });
        // A retried attempt starts the reply over: followers drop what the failed one sent.
        if (currentAttempt() > 1) listener.reset();
        if (budget) {
          const allowed = await budget.before();
          if (!allowed.go) {
            listener.delta(allowed.text);
            await listener.close();
            return { type: 'reply', text: allowed.text };
          }
          input.maxOutputTokens = allowed.maxOutputTokens;
        }
        try {
          let step = await brain.step(input, listener).finally(() => listener.endLive());
          if (budget) {
            // Judged from the provider's figures, once they are recorded.
            await Promise.all(metering);
            step = await budget.after(step);
          }
          if (step.type === 'tools') {
            // Text before tool calls is not the reply; the next step streams it.
            if (listener.draft.text) listener.reset();
          } else if (!listener.draft.matches(step.text)) {
            // Nothing streamed (offline brain) or the text was changed after streaming: send it whole.
            if (listener.draft.text) listener.reset();
            listener.delta(step.text);
          }
          await Promise.all(metering);
          await listener.close();
          deps.logger.debug({ brain: brain.id, step: request.step, answer: step.type }, 'brain step');
          return step;
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          if (listener.draft.text) listener.reset();
          await Promise.all(metering);
          await listener.close();
          deps.logger.warn({ brain: brain.id, step: request.step }, `brain step failed: ${message}`);
          if (err instanceof MycelError && err.code === 'MODEL_REJECTED') {
            throw ApplicationFailure.create({ message, type: FAILURE_TYPES.brainRejected, nonRetryable: true });
          }
          throw ApplicationFailure.create({ message, type: err instanceof MycelError ? err.code : 'BrainFailed' });
        }
      });
    },

    /**
     * Writes the turn's two transcript lines and its dedupe record, in one transaction and
     * idempotently on the turn key: a retry after a crash writes nothing twice.
     */
    async recordTurn(request: RecordTurnRequest): Promise<void> {
      await withLogContext({ chatId: request.chatId, updateId: request.turnKey }, async () => {
        const chat = { channel: request.channel, chatId: request.chatId };
        try {
          await deps.store.db.transaction().execute(async (trx) => {
            const q = { db: trx };
            await appendMessage(q, { ...chat, role: 'user', text: request.userText, key: `${request.turnKey}#user`, turn: request.turn, at: request.receivedAt, kind: request.userKind });
            await appendMessage(q, { ...chat, role: 'assistant', text: request.reply, key: `${request.turnKey}#assistant`, turn: request.turn, at: request.repliedAt, kind: request.kind, lateMs: request.lateMs });
            await recordTurnResult(q, { key: request.turnKey, chat, turn: request.turn, reply: request.reply, recordedAt: request.repliedAt, text: request.dedupeText ?? request.userText });
          });
        } catch (err) {
          // Typed, so the workflow tells an outage (answered 503, the message sent again) from a fault.
          if (isDatabaseOutage(err)) throw ApplicationFailure.create({ type: FAILURE_TYPES.databaseUnavailable, message: `the turn record could not be written: ${formatError(err)}` });
          throw err;
        }
        if (request.scheduled) await completeScheduledDelivery(deps, request.scheduled, request.repliedAt);
        if (request.turn % DEDUPE_PRUNE_EVERY_TURNS === 0) {
          const pruned = await pruneTurnRecords(deps.store);
          if (pruned) deps.logger.debug({ pruned }, 'pruned expired dedupe records');
        }
        deps.logger.debug({ turn: request.turn }, 'turn recorded');
      });
    },

    /** Sends the reply through the chat's channel when it pushes (Telegram); idempotent on `key`. */
    async deliverReply(request: DeliverReplyRequest): Promise<boolean> {
      return withLogContext({ chatId: request.chatId }, () => deps.outbound.send(request));
    },
  };
}
