import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ActivityDeps } from '../deps/activity-deps.js';
import { MAX_MESSAGE_CHARS } from '../shared/envelope.js';
import { defineTool, type ToolContext, type ToolDefinition } from '../tools/types.js';
import { memoryAnswerSignal } from '../workflows/definitions.js';
import { answerMemoryQuestion, getQuestion, listQuestions, MemoryQuestionDecidedError, startQuestionWorkflow, type MemoryQuestion } from './questions.js';
import { rememberFact, type RememberOutcome } from './remember.js';
import { countFacts, deleteFacts, deletionOf, listFacts, searchFacts } from './store.js';
import { guessKind } from './text.js';
import {
  DEFAULT_LIST_LIMIT,
  DEFAULT_RECALL_LIMIT,
  EXPLICIT_CONFIDENCE,
  FACT_KINDS,
  FACT_SOURCES,
  MAX_FACT_CHARS,
  MAX_LIST_LIMIT,
  MAX_RECALL_LIMIT,
  RETENTION_CLASSES,
  type Fact,
  type FactSource,
} from './types.js';

/** A fact as tools report it (and the brain reads it): no internal columns. */
export interface FactSummary {
  id: string;
  text: string;
  kind: string;
  confidence: number;
  validFrom: string;
  validTo: string | null;
  retention: string;
}

export function summarizeFact(fact: Fact): FactSummary {
  return {
    id: fact.id,
    text: fact.text,
    kind: fact.kind,
    confidence: fact.confidence,
    validFrom: fact.validFrom,
    validTo: fact.validTo,
    retention: fact.retention,
  };
}

/** What `memory.remember` answers. */
export interface RememberToolOutput {
  status: RememberOutcome['status'];
  fact: FactSummary;
  /** Older facts this one replaced (kept as history). */
  closed: FactSummary[];
  /** The fact it disagrees with, when Mycel asked or kept the older one. */
  conflictWith?: FactSummary;
  questionId?: string;
}

/** What `memory.forgetAll` answers without (or with a wrong) confirmation code. */
export interface ForgetAllOutput {
  deleted: number;
  /** Set when nothing was deleted yet: send the code back to confirm. */
  confirmationCode?: string;
  count?: number;
}

const factId = z.string().regex(/^m-[0-9a-z]{10}$/, 'a fact id looks like m-0123456789 (see /memories)');

const rememberInput = z.object({
  text: z.string().trim().min(1, 'the fact must not be empty').max(MAX_FACT_CHARS, `a fact has at most ${MAX_FACT_CHARS} characters`).describe('the fact, in the words of the person ("my sister\'s birthday is May 3")'),
  kind: z.enum(FACT_KINDS).optional().describe('what kind of fact it is'),
  subject: z.string().trim().min(1).max(200).optional().describe('what the fact is about, short ("sister\'s birthday"); facts about the same subject can contradict'),
  value: z.string().trim().min(1).max(500).optional().describe('what the fact says about the subject ("May 3")'),
  confidence: z.number().min(0).max(1).default(EXPLICIT_CONFIDENCE).describe('how sure: 1 when the person asked to remember it, lower when inferred'),
  retention: z.enum(RETENTION_CLASSES).optional().describe('short (30 days), standard (1 year, default) or permanent'),
  source: z.enum(FACT_SOURCES).default('model').describe('how the fact arrived'),
  sourceText: z.string().max(MAX_MESSAGE_CHARS).optional().describe("the person's message the fact comes from, verbatim"),
});

/** Where a write came from, for the fact's provenance. */
function provenanceOf(ctx: ToolContext, source: FactSource, sourceText: string | undefined) {
  return {
    channel: ctx.chat.channel,
    chatId: ctx.chat.chatId,
    userId: ctx.userId,
    updateId: ctx.turnKey,
    workflowId: ctx.workflowId ?? null,
    runId: ctx.runId ?? null,
    callId: ctx.callId,
    at: ctx.now,
    sourceText: sourceText ?? null,
    source,
  };
}

/** Starts the question's workflow when the outcome asked one (idempotent). */
export async function followUpOutcome(deps: Pick<ActivityDeps, 'temporal' | 'config'>, outcome: RememberOutcome): Promise<void> {
  if (outcome.status !== 'asked') return;
  await startQuestionWorkflow(deps.temporal, deps.config.temporal.taskQueue, outcome.question, deps.config.memory.questionTimeoutSeconds);
}

function toOutput(outcome: RememberOutcome): RememberToolOutput {
  return {
    status: outcome.status,
    fact: summarizeFact(outcome.fact),
    closed: outcome.status === 'stored' ? outcome.closed.map(summarizeFact) : [],
    ...(outcome.status === 'asked' || outcome.status === 'history' ? { conflictWith: summarizeFact(outcome.conflictWith) } : {}),
    ...(outcome.status === 'asked' ? { questionId: outcome.question.id } : {}),
  };
}

/** The code that confirms forgetting everything: it changes whenever the chat's facts change. */
export async function forgetAllCode(deps: Pick<ActivityDeps, 'store'>, chat: ToolContext['chat']): Promise<{ code: string; count: number }> {
  const count = await countFacts(deps.store.db, chat, { includeHistory: true });
  const newest = await deps.store.db
    .selectFrom('memory_facts')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .executeTakeFirst();
  const digest = createHash('sha256').update(`${chat.channel}:${chat.chatId}:${count}:${String(newest?.seq ?? 0)}`).digest('hex');
  return { code: digest.slice(0, FORGET_ALL_CODE_CHARS), count };
}

/** Length of the code that confirms forgetting everything. */
export const FORGET_ALL_CODE_CHARS = 6;

/**
 * Memory's tools. Every write is keyed on the call id (a retried activity stores, deletes
 * or answers nothing twice) and every read and write is scoped to the calling chat.
 */
export function createMemoryTools(deps: ActivityDeps): ToolDefinition[] {
  const remember = defineTool({
    id: 'memory.remember',
    description:
      'Remember a fact about the person for later turns (with how sure you are). Facts about the same subject that disagree replace older ones, or make Mycel ask the person which is right.',
    input: rememberInput,
    policy: 'allow',
    async run(input, ctx): Promise<RememberToolOutput> {
      const outcome = await rememberFact(
        deps.store,
        {
          writeKey: ctx.callId,
          chat: ctx.chat,
          userId: ctx.userId,
          text: input.text,
          kind: input.kind ?? guessKind(input.text),
          subject: input.subject,
          value: input.value,
          confidence: input.confidence,
          retention: input.retention,
          source: input.source,
          at: ctx.now,
          provenance: provenanceOf(ctx, input.source, input.sourceText),
        },
        { questionTimeoutSeconds: deps.config.memory.questionTimeoutSeconds },
      );
      await followUpOutcome(deps, outcome);
      return toOutput(outcome);
    },
  });

  const recall = defineTool({
    id: 'memory.recall',
    description: 'Search what the person told you in this chat; the most relevant current facts first.',
    input: z.object({
      query: z.string().trim().min(1).max(MAX_MESSAGE_CHARS),
      limit: z.number().int().min(1).max(MAX_RECALL_LIMIT).default(DEFAULT_RECALL_LIMIT),
    }),
    policy: 'allow',
    async run(input, ctx) {
      const facts = await searchFacts(deps.store, ctx.chat, input.query, { limit: input.limit });
      return { facts: facts.map((f) => ({ ...summarizeFact(f), score: f.score })) };
    },
  });

  const list = defineTool({
    id: 'memory.list',
    description: 'List the facts remembered in this chat, newest first, and any open question about them.',
    input: z
      .object({
        limit: z.number().int().min(1).max(MAX_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
        includeHistory: z.boolean().default(false),
      })
      .default({ limit: DEFAULT_LIST_LIMIT, includeHistory: false }),
    policy: 'allow',
    async run(input, ctx) {
      const [facts, total, questions] = await Promise.all([
        listFacts(deps.store.db, ctx.chat, input),
        countFacts(deps.store.db, ctx.chat),
        listQuestions(deps.store.db, ctx.chat),
      ]);
      return { facts: facts.map(summarizeFact), total, questions: questions.map(questionSummary) };
    },
  });

  const forget = defineTool({
    id: 'memory.forget',
    description: 'Delete one remembered fact for good, by its id.',
    input: z.object({ id: factId }),
    policy: 'allow',
    async run(input, ctx) {
      const deleted = await deleteFacts(deps.store, ctx.chat, [input.id], `user:${ctx.userId}`, 'forget');
      if (deleted.length) return { deleted };
      const gone = await deletionOf(deps.store.db, ctx.chat, input.id);
      // A retried call finds the fact deleted after its turn began: report what the first attempt did.
      if (gone) return gone.at >= ctx.now ? { deleted: [input.id] } : { deleted: [], alreadyDeletedAt: gone.at };
      throw new Error(`there is no fact ${input.id} in this chat (send /memories to see the ids)`);
    },
  });

  const forgetAll = defineTool({
    id: 'memory.forgetAll',
    description: 'Delete every fact of this chat; without the confirmation code it only returns the code.',
    input: z.object({ confirm: z.string().trim().max(32).optional() }).default({}),
    policy: 'allow',
    // Only the person may wipe their memory (the model never gets this tool).
    forModel: false,
    async run(input, ctx): Promise<ForgetAllOutput> {
      const { code, count } = await forgetAllCode(deps, ctx.chat);
      if (count === 0) return { deleted: 0, count: 0 };
      if (input.confirm?.toLowerCase() !== code) return { deleted: 0, confirmationCode: code, count };
      const deleted = await deleteFacts(deps.store, ctx.chat, 'all', `user:${ctx.userId}`, 'forget-all');
      return { deleted: deleted.length };
    },
  });

  const answer = defineTool({
    id: 'memory.answer',
    description: 'Answer a question Mycel asked about two facts that disagree: 1 keeps the older, 2 the newer.',
    input: z.object({ questionId: z.string().regex(/^q-[0-9a-z]{8}$/, 'a question id looks like q-01234567'), choice: z.union([z.literal(1), z.literal(2)]) }),
    policy: 'allow',
    // The person answers; the model must not decide for them.
    forModel: false,
    async run(input, ctx) {
      const by = `user:${ctx.userId}`;
      try {
        return questionSummary(await answerMemoryQuestion(deps.store, deps.temporal, { id: input.questionId, choice: input.choice, by, chat: ctx.chat }));
      } catch (err) {
        // A retried call finds its own answer recorded: report it instead of a conflict.
        const q = err instanceof MemoryQuestionDecidedError ? await getQuestion(deps.store.db, input.questionId, ctx.chat) : undefined;
        if (q && q.status === 'answered' && q.choice === input.choice && q.decidedBy === by) {
          await deps.temporal.workflow.getHandle(q.workflowId).signal(memoryAnswerSignal, String(q.choice)).catch(() => undefined);
          return questionSummary(q);
        }
        throw err;
      }
    },
  });

  return [remember, recall, list, forget, forgetAll, answer];
}

export function questionSummary(q: MemoryQuestion) {
  return { id: q.id, oldFactId: q.oldFactId, newFactId: q.newFactId, status: q.status, choice: q.choice, askedAt: q.askedAt, expiresAt: q.expiresAt };
}
