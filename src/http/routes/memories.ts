import { randomUUID } from 'node:crypto';
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { apiRoute, ErrorSchema, mycelErrorBody } from '../error-schema.js';
import type { HttpDeps } from '../context.js';
import { rememberExplicitFact } from '../../memory/explicit.js';
import { answerMemoryQuestion, listQuestions, MemoryQuestionDecidedError, MemoryQuestionNotFoundError } from '../../memory/questions.js';
import { deleteFacts, getFact, listDeletions, listFacts, searchFacts } from '../../memory/store.js';
import {
  DEFAULT_LIST_LIMIT,
  FACT_KINDS,
  FACT_SOURCES,
  MAX_FACT_CHARS,
  MAX_LIST_LIMIT,
  RETENTION_CLASSES,
  type ChatRef,
  type Fact,
  type ScoredFact,
} from '../../memory/types.js';
import { channelSchema, chatIdSchema } from '../../shared/envelope.js';


const ProvenanceSchema = z
  .object({
    channel: z.string(),
    chatId: z.string(),
    userId: z.string(),
    updateId: z.string().nullable(),
    workflowId: z.string().nullable(),
    runId: z.string().nullable(),
    callId: z.string().nullable(),
    at: z.string(),
    sourceText: z.string().nullable(),
    source: z.enum(FACT_SOURCES),
  })
  .openapi('MemoryProvenance');

const MemorySchema = z
  .object({
    id: z.string(),
    text: z.string(),
    confidence: z.number(),
    provenance: ProvenanceSchema,
    kind: z.string(),
    subject: z.string().nullable(),
    validFrom: z.string(),
    validTo: z.string().nullable().describe('null while current; set when a newer fact replaced it'),
    closedBy: z.string().nullable(),
    retention: z.enum(RETENTION_CLASSES),
    expiresAt: z.string().nullable(),
    createdAt: z.string(),
    score: z.number().optional().describe('relevance, with ?search= only'),
  })
  .openapi('Memory');

const QuestionSchema = z
  .object({
    id: z.string(),
    status: z.enum(['pending', 'answered', 'expired']),
    choice: z.number().nullable(),
    askedAt: z.string(),
    expiresAt: z.string(),
    older: z.union([MemorySchema, z.null()]),
    newer: z.union([MemorySchema, z.null()]),
  })
  .openapi('MemoryQuestion');

const DeletionSchema = z
  .object({ id: z.string(), at: z.string(), factId: z.string(), deletedBy: z.string(), reason: z.string() })
  .openapi('MemoryDeletion');

const chatParams = z.object({ chatId: chatIdSchema });
const channelQuery = { channel: channelSchema.optional().describe('the chat\'s channel (default web)') };

function view(fact: Fact | ScoredFact): z.infer<typeof MemorySchema> {
  return {
    id: fact.id,
    text: fact.text,
    confidence: fact.confidence,
    provenance: fact.provenance,
    kind: fact.kind,
    subject: fact.subject,
    validFrom: fact.validFrom,
    validTo: fact.validTo,
    closedBy: fact.closedBy,
    retention: fact.retention,
    expiresAt: fact.expiresAt,
    createdAt: fact.createdAt,
    ...('score' in fact ? { score: fact.score } : {}),
  };
}

const listRoute = apiRoute({
  method: 'get',
  path: '/api/chats/{chatId}/memories',
  summary: "The chat's remembered facts, newest first; with ?search= the best matches first",
  request: {
    params: chatParams,
    query: z.object({
      ...channelQuery,
      search: z.string().trim().min(1).max(500).optional().describe('full-text search (bm25 on SQLite, ts_rank on PostgreSQL)'),
      history: z.enum(['true', 'false']).optional().describe('also facts that newer ones replaced'),
      limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).optional(),
    }),
  },
  responses: {
    200: { description: 'facts', content: { 'application/json': { schema: z.array(MemorySchema) } } },
    400: { description: 'a bad chat id or query value', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const createRouteDef = apiRoute({
  method: 'post',
  path: '/api/chats/{chatId}/memories',
  summary: 'Remember a fact (idempotent on "key"); contradictions follow the chat rules',
  request: {
    params: chatParams,
    query: z.object(channelQuery),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            text: z.string().trim().min(1).max(MAX_FACT_CHARS),
            kind: z.enum(FACT_KINDS).optional(),
            confidence: z.number().min(0).max(1).optional(),
            retention: z.enum(RETENTION_CLASSES).optional(),
            key: z.string().min(1).max(128).optional().describe('idempotency key: the same key again stores nothing new'),
          }),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'what became of it: stored, known, asked (a question was posted to the chat) or history',
      content: { 'application/json': { schema: z.object({ status: z.enum(['stored', 'known', 'asked', 'history']), memory: MemorySchema, questionId: z.string().optional() }) } },
    },
    400: { description: 'bad body', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const deleteRoute = apiRoute({
  method: 'delete',
  path: '/api/chats/{chatId}/memories/{id}',
  summary: 'Delete a fact for good (the row and its full-text entry); the audit keeps only who, which id, when',
  request: { params: chatParams.extend({ id: z.string().min(1).max(64) }), query: z.object(channelQuery) },
  responses: {
    200: { description: 'deleted', content: { 'application/json': { schema: z.object({ id: z.string(), deleted: z.literal(true) }) } } },
    400: { description: 'a bad chat id or fact id', content: { 'application/json': { schema: ErrorSchema } } },
    404: { description: 'no such fact in this chat', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const deleteAllRoute = apiRoute({
  method: 'delete',
  path: '/api/chats/{chatId}/memories',
  summary: 'Forget everything of the chat; requires ?confirm=all',
  request: { params: chatParams, query: z.object({ ...channelQuery, confirm: z.literal('all').describe('must be "all"') }) },
  responses: {
    200: { description: 'how many facts were deleted', content: { 'application/json': { schema: z.object({ deleted: z.number() }) } } },
    400: { description: 'missing confirmation', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const questionsRoute = apiRoute({
  method: 'get',
  path: '/api/chats/{chatId}/memory-questions',
  summary: 'Questions about facts that disagree (pending unless ?status= says otherwise)',
  request: { params: chatParams, query: z.object({ ...channelQuery, status: z.enum(['pending', 'answered', 'expired', 'all']).optional() }) },
  responses: {
    200: { description: 'questions, oldest first', content: { 'application/json': { schema: z.array(QuestionSchema) } } },
    400: { description: 'a bad chat id or query value', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const answerRoute = apiRoute({
  method: 'post',
  path: '/api/chats/{chatId}/memory-questions/{id}',
  summary: 'Answer a question: 1 keeps the older fact, 2 the newer',
  request: {
    params: chatParams.extend({ id: z.string().min(1).max(64) }),
    query: z.object(channelQuery),
    body: { required: true, content: { 'application/json': { schema: z.object({ choice: z.union([z.literal(1), z.literal(2)]) }) } } },
  },
  responses: {
    200: { description: 'the answer was recorded; the waiting question resumes', content: { 'application/json': { schema: QuestionSchema } } },
    400: { description: 'bad body', content: { 'application/json': { schema: ErrorSchema } } },
    404: { description: 'unknown question', content: { 'application/json': { schema: ErrorSchema } } },
    409: { description: 'already answered or timed out', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const deletionsRoute = apiRoute({
  method: 'get',
  path: '/api/chats/{chatId}/memory-deletions',
  summary: 'The deletion audit of the chat, newest first: who deleted which fact id when (never the text)',
  request: { params: chatParams, query: z.object({ ...channelQuery, limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).optional() }) },
  responses: {
    200: { description: 'deletions', content: { 'application/json': { schema: z.array(DeletionSchema) } } },
    400: { description: 'a bad chat id or query value', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

/** Memories of a chat (**contract**: list and delete), plus search, create, questions and the deletion audit. */
export function registerMemoryRoutes(app: OpenAPIHono, deps: HttpDeps): void {
  const chatOf = (chatId: string, channel?: ChatRef['channel']): ChatRef => ({ channel: channel ?? 'web', chatId });

  app.openapi(listRoute, async (c) => {
    const { chatId } = c.req.valid('param');
    const { channel, search, history, limit } = c.req.valid('query');
    const chat = chatOf(chatId, channel);
    const options = { includeHistory: history === 'true', limit: limit ?? DEFAULT_LIST_LIMIT };
    const facts = search ? await searchFacts(deps.store, chat, search, options) : await listFacts(deps.store.db, chat, options);
    return c.json(facts.map(view), 200);
  });

  app.openapi(createRouteDef, async (c) => {
    const { chatId } = c.req.valid('param');
    const { channel } = c.req.valid('query');
    const body = c.req.valid('json');
    const chat = chatOf(chatId, channel);
    const outcome = await rememberExplicitFact(deps, {
      chat,
      text: body.text,
      by: 'api',
      writeKey: `api:${chat.channel}:${chatId}:${body.key ?? randomUUID()}`,
      kind: body.kind,
      confidence: body.confidence,
      retention: body.retention,
    });
    return c.json({ status: outcome.status, memory: view(outcome.fact), ...(outcome.status === 'asked' ? { questionId: outcome.question.id } : {}) }, 201);
  });

  app.openapi(deleteRoute, async (c) => {
    const { chatId, id } = c.req.valid('param');
    const { channel } = c.req.valid('query');
    const deleted = await deleteFacts(deps.store, chatOf(chatId, channel), [id], 'api', 'forget');
    if (!deleted.length) return c.json({ error: `no memory "${id}" in chat ${chatId}` }, 404);
    return c.json({ id, deleted: true as const }, 200);
  });

  app.openapi(deleteAllRoute, async (c) => {
    const { chatId } = c.req.valid('param');
    const { channel } = c.req.valid('query');
    const deleted = await deleteFacts(deps.store, chatOf(chatId, channel), 'all', 'api', 'forget-all');
    return c.json({ deleted: deleted.length }, 200);
  });

  async function questionView(chat: ChatRef, q: Awaited<ReturnType<typeof listQuestions>>[number]) {
    const [older, newer] = await Promise.all([getFact(deps.store.db, chat, q.oldFactId), getFact(deps.store.db, chat, q.newFactId)]);
    return { id: q.id, status: q.status, choice: q.choice, askedAt: q.askedAt, expiresAt: q.expiresAt, older: older ? view(older) : null, newer: newer ? view(newer) : null };
  }

  app.openapi(questionsRoute, async (c) => {
    const { chatId } = c.req.valid('param');
    const { channel, status } = c.req.valid('query');
    const chat = chatOf(chatId, channel);
    const questions = await listQuestions(deps.store.db, chat, status ?? 'pending');
    return c.json(await Promise.all(questions.map((q) => questionView(chat, q))), 200);
  });

  app.openapi(answerRoute, async (c) => {
    const { chatId, id } = c.req.valid('param');
    const { channel } = c.req.valid('query');
    const { choice } = c.req.valid('json');
    const chat = chatOf(chatId, channel);
    try {
      const q = await answerMemoryQuestion(deps.store, deps.temporal, { id, choice, by: 'api', chat });
      return c.json(await questionView(chat, q), 200);
    } catch (err) {
      if (err instanceof MemoryQuestionNotFoundError) return c.json(mycelErrorBody(err), 404);
      if (err instanceof MemoryQuestionDecidedError) return c.json(mycelErrorBody(err), 409);
      throw err;
    }
  });

  app.openapi(deletionsRoute, async (c) => {
    const { chatId } = c.req.valid('param');
    const { channel, limit } = c.req.valid('query');
    const records = await listDeletions(deps.store.db, chatOf(chatId, channel), limit);
    return c.json(records.map((r) => ({ id: r.id, at: r.at, factId: r.factId, deletedBy: r.deletedBy, reason: r.reason })), 200);
  });
}
