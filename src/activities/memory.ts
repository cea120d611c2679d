import type { LanguageModel } from 'ai';
import { createLanguageModel } from '../brain/model/provider.js';
import { usageOf } from '../brain/model/model-brain.js';
import { backgroundWorkAllowed, meterModelCall } from '../usage/meter.js';
import { appendMessage } from '../conversation/transcript.js';
import { extractionSkipped, proposeFacts, storeProposals, type ExtractionRequest, type ExtractionResult } from '../memory/extraction.js';
import {
  DEFAULT_QUESTION_CHOICE,
  getQuestion,
  MEMORY_ANSWER_SIGNAL,
  settleQuestion,
  type MemoryQuestion,
  type QuestionChoice,
} from '../memory/questions.js';
import { closeFact, expireFacts, getFact } from '../memory/store.js';
import type { ChatRef, Fact } from '../memory/types.js';
import type { Channel } from '../shared/envelope.js';
import { signalButtonData } from '../telegram/callback-data.js';
import type { ActivityDeps } from '../deps/activity-deps.js';

/** Transcript kind of the messages memory posts on its own (questions and their outcome). */
export const MEMORY_MESSAGE_KIND = 'memory';
/** Longest excerpt of a fact on an inline button. */
const BUTTON_TEXT_CHARS = 40;

/** What became of a question once its workflow woke up. */
export interface QuestionSettlement {
  status: 'answered' | 'expired' | 'gone';
  /** The fact that stays current. */
  kept?: string;
}

function chatOf(q: MemoryQuestion): ChatRef {
  return { channel: q.channel as Channel, chatId: q.chatId };
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function short(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function timeoutText(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600} hour${seconds === 3_600 ? '' : 's'}`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? '' : 's'}`;
  return `${seconds} seconds`;
}

/** The question as the person reads it. */
export function questionText(q: MemoryQuestion, older: Fact, newer: Fact, timeoutSeconds: number): string {
  const about = newer.subject ?? older.subject ?? 'this';
  return [
    `I have two different facts about "${about}" (question ${q.id}):`,
    `1. ${older.text} (from ${day(older.validFrom)}, confidence ${older.confidence})`,
    `2. ${newer.text} (from ${day(newer.validFrom)}, confidence ${newer.confidence})`,
    `Which one is right? Answer /confirm ${q.id} 1 or /confirm ${q.id} 2.`,
    `If I hear nothing within ${timeoutText(timeoutSeconds)}, I keep 2, the newer one.`,
  ].join('\n');
}

/**
 * Activities of memory: asking and settling contradiction questions, retention expiry, and
 * the extraction of facts from a turn when a model brain runs.
 */
export function createMemoryActivities(deps: ActivityDeps) {
  let model: LanguageModel | undefined;

  async function post(chat: ChatRef, text: string, key: string, buttons?: Array<{ text: string; data: string }>): Promise<void> {
    await appendMessage(deps.store, { channel: chat.channel, chatId: chat.chatId, role: 'assistant', text, kind: MEMORY_MESSAGE_KIND, key });
    await deps.outbound.send({ channel: chat.channel, chatId: chat.chatId, text, key, ...(buttons ? { buttons } : {}) });
  }

  return {
    /** Posts the question to its chat (transcript, and with answer buttons where the channel pushes). */
    async askMemoryQuestion(input: { questionId: string; timeoutSeconds: number }): Promise<'asked' | 'gone'> {
      const q = await getQuestion(deps.store.db, input.questionId);
      if (!q) return 'gone';
      const chat = chatOf(q);
      const [older, newer] = await Promise.all([getFact(deps.store.db, chat, q.oldFactId), getFact(deps.store.db, chat, q.newFactId)]);
      if (!older || !newer) return 'gone';
      await post(chat, questionText(q, older, newer, input.timeoutSeconds), `memory-question:${q.id}`, [
        { text: `1: ${short(older.value ?? older.text, BUTTON_TEXT_CHARS)}`, data: signalButtonData(q.workflowId, MEMORY_ANSWER_SIGNAL, '1') },
        { text: `2: ${short(newer.value ?? newer.text, BUTTON_TEXT_CHARS)}`, data: signalButtonData(q.workflowId, MEMORY_ANSWER_SIGNAL, '2') },
      ]);
      return 'asked';
    },

    /**
     * After the wait: records the answer the workflow received (a button press arrives only as
     * a signal), or expires the question to its default, unless someone decided first; then
     * closes the fact that lost and tells the chat. Idempotent: a retry changes nothing more.
     */
    async settleMemoryQuestion(input: { questionId: string; choice: QuestionChoice | null; by?: string }): Promise<QuestionSettlement> {
      const now = new Date().toISOString();
      if (input.choice) await settleQuestion(deps.store.db, input.questionId, 'answered', input.choice, input.by ?? 'button', now);
      else await settleQuestion(deps.store.db, input.questionId, 'expired', DEFAULT_QUESTION_CHOICE, 'timeout', now);
      const q = await getQuestion(deps.store.db, input.questionId);
      if (!q || q.status === 'pending' || !q.choice) return { status: 'gone' };
      const chat = chatOf(q);
      const [loser, winner] = q.choice === 1 ? [q.newFactId, q.oldFactId] : [q.oldFactId, q.newFactId];
      await closeFact(deps.store.db, chat, loser, q.decidedAt ?? now, q.id);
      const kept = await getFact(deps.store.db, chat, winner);
      if (!kept) return { status: 'gone' };
      const text =
        q.status === 'answered'
          ? `Thanks — I'll remember: ${kept.text} (the other one is kept as history).`
          : `Nobody answered question ${q.id}, so I kept the newer fact: ${kept.text}. You can correct it any time with /remember.`;
      await post(chat, text, `memory-question-outcome:${q.id}`);
      return { status: q.status, kept: kept.id };
    },

    /** Deletes every fact whose retention ran out (run by the retention schedule). */
    async expireMemories(): Promise<number> {
      const deleted = await expireFacts(deps.store);
      if (deleted) deps.logger.info({ deleted }, 'memory retention: expired facts deleted');
      return deleted;
    },

    /**
     * After a turn answered by a model brain: asks the model which durable facts the turn
     * contains and stores those at or above MYCEL_MEMORY_MIN_CONFIDENCE. With the offline
     * brain there is no model, and nothing to do.
     */
    async extractMemories(request: ExtractionRequest): Promise<ExtractionResult> {
      if (extractionSkipped(deps.config, request.userText)) return { proposed: 0, stored: [], dropped: 0 };
      const chat = { channel: request.channel, chatId: request.chatId };
      // Background work: it stops for the day at MYCEL_MODEL_DAILY_TOKEN_LIMIT (turns go on).
      if (!(await backgroundWorkAllowed(deps, chat, 'memory'))) return { proposed: 0, stored: [], dropped: 0 };
      model ??= createLanguageModel(deps.config.model);
      const metering: Array<Promise<void>> = [];
      const proposals = await proposeFacts(model, request, undefined, (usage) => metering.push(meterModelCall(deps, chat, 'memory', usageOf(deps.config.model.id, usage)))).finally(() => Promise.all(metering));
      const result = await storeProposals(deps, request, proposals);
      deps.logger.debug({ chatId: request.chatId, updateId: request.turnKey, ...result, stored: result.stored.length }, 'memory extraction');
      return result;
    },
  };
}
