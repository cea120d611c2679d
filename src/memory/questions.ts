import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Kysely, Transaction } from 'kysely';
import type { Store } from '../storage/database.js';
import type { Database, MemoryQuestionsTable } from '../storage/schema.js';
import { MycelError } from '../shared/errors.js';
import { shortId } from './store.js';
import type { ChatRef } from './types.js';
import { memoryAnswerSignal, memoryQuestionWorkflowId, WORKFLOW_TYPES } from '../workflows/definitions.js';

/**
 * Questions Mycel asks when two facts about the same subject disagree and their
 * confidences are too close to pick one. The row is the single source of truth for who
 * answered first; a workflow per question waits durably for the answer or its timeout.
 */

type Db = Kysely<Database> | Transaction<Database>;

/** 1: the older fact is right; 2: the newer one is. */
export type QuestionChoice = 1 | 2;
/** What a question left unanswered settles to: the general rule, the newer fact wins. */
export const DEFAULT_QUESTION_CHOICE: QuestionChoice = 2;

export interface MemoryQuestion {
  id: string;
  channel: string;
  chatId: string;
  oldFactId: string;
  newFactId: string;
  status: MemoryQuestionsTable['status'];
  choice: QuestionChoice | null;
  askedAt: string;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  workflowId: string;
}

/** What the question workflow is started with. */
export interface MemoryQuestionWorkflowInput {
  questionId: string;
  timeoutSeconds: number;
}

export function questionIdFor(writeKey: string): string {
  return shortId('q-', writeKey, 8);
}

export { memoryQuestionWorkflowId };

/**
 * The name of the signal that answers a question (`memoryAnswerSignal`): its payload is the
 * choice as text ("1" or "2"), so an inline button can carry it as
 * `sig:<workflowId>:answer:<choice>` (see telegram/callback-data).
 */
export const MEMORY_ANSWER_SIGNAL = memoryAnswerSignal.name;

function view(row: MemoryQuestionsTable): MemoryQuestion {
  return {
    id: row.id,
    channel: row.channel,
    chatId: row.chat_id,
    oldFactId: row.old_fact_id,
    newFactId: row.new_fact_id,
    status: row.status,
    choice: row.choice === 1 || row.choice === 2 ? row.choice : null,
    askedAt: row.asked_at,
    expiresAt: row.expires_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    workflowId: row.workflow_id,
  };
}

/** Creates the question of a write, or returns the one an earlier attempt created. */
export async function createQuestion(
  db: Db,
  q: { writeKey: string; chat: ChatRef; oldFactId: string; newFactId: string; at: string; timeoutSeconds: number },
): Promise<MemoryQuestion> {
  const id = questionIdFor(q.writeKey);
  await db
    .insertInto('memory_questions')
    .values({
      id,
      write_key: q.writeKey,
      channel: q.chat.channel,
      chat_id: q.chat.chatId,
      old_fact_id: q.oldFactId,
      new_fact_id: q.newFactId,
      status: 'pending',
      choice: null,
      asked_at: q.at,
      expires_at: new Date(Date.parse(q.at) + q.timeoutSeconds * 1000).toISOString(),
      decided_by: null,
      decided_at: null,
      workflow_id: memoryQuestionWorkflowId(id),
    })
    .onConflict((oc) => oc.column('write_key').doNothing())
    .execute();
  return (await getQuestionByWriteKey(db, q.writeKey))!;
}

export async function getQuestionByWriteKey(db: Db, writeKey: string): Promise<MemoryQuestion | undefined> {
  const row = await db.selectFrom('memory_questions').selectAll().where('write_key', '=', writeKey).executeTakeFirst();
  return row ? view(row) : undefined;
}

/** A question by id; with `chat`, only if it belongs to that chat. */
export async function getQuestion(db: Db, id: string, chat?: ChatRef): Promise<MemoryQuestion | undefined> {
  let query = db.selectFrom('memory_questions').selectAll().where('id', '=', id);
  if (chat) query = query.where('channel', '=', chat.channel).where('chat_id', '=', chat.chatId);
  const row = await query.executeTakeFirst();
  return row ? view(row) : undefined;
}

/** A chat's questions, oldest first (pending only unless `status` says otherwise). */
export async function listQuestions(db: Db, chat: ChatRef, status: MemoryQuestion['status'] | 'all' = 'pending'): Promise<MemoryQuestion[]> {
  let query = db
    .selectFrom('memory_questions')
    .selectAll()
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .orderBy('asked_at', 'asc');
  if (status !== 'all') query = query.where('status', '=', status);
  return (await query.execute()).map(view);
}

/** Moves a pending question to answered/expired, once. Returns whether this call decided it. */
export async function settleQuestion(
  db: Db,
  id: string,
  status: 'answered' | 'expired',
  choice: QuestionChoice,
  by: string,
  at = new Date().toISOString(),
): Promise<boolean> {
  const result = await db
    .updateTable('memory_questions')
    .set({ status, choice, decided_by: by, decided_at: at })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export class MemoryQuestionNotFoundError extends MycelError {
  constructor(id: string) {
    super('MEMORY_QUESTION_NOT_FOUND', `There is no memory question "${id}" in this chat.`, 'send /memories to see what I remember; open questions are listed there');
  }
}

export class MemoryQuestionDecidedError extends MycelError {
  constructor(q: MemoryQuestion) {
    super(
      'MEMORY_QUESTION_DECIDED',
      `The question "${q.id}" is already ${q.status === 'expired' ? 'closed: it timed out' : 'answered'}${q.choice ? ` (kept ${q.choice})` : ''}.`,
      'nothing was changed; a question is answered once',
    );
  }
}

/**
 * Records a person's answer and wakes the waiting workflow: the row leaves `pending` once
 * (so a second answer, or one after the timeout, changes nothing), then the signal tells the
 * question workflow, which reads the row back before acting.
 */
export async function answerMemoryQuestion(
  store: Store,
  client: Client,
  input: { id: string; choice: QuestionChoice; by: string; chat?: ChatRef | undefined },
): Promise<MemoryQuestion> {
  const question = await getQuestion(store.db, input.id, input.chat);
  if (!question) throw new MemoryQuestionNotFoundError(input.id);
  if (!(await settleQuestion(store.db, input.id, 'answered', input.choice, input.by))) {
    throw new MemoryQuestionDecidedError((await getQuestion(store.db, input.id)) ?? question);
  }
  await client.workflow.getHandle(question.workflowId).signal(memoryAnswerSignal, String(input.choice));
  return (await getQuestion(store.db, input.id))!;
}

/** Starts the question's workflow (a retry finds it started and does nothing). */
export async function startQuestionWorkflow(client: Client, taskQueue: string, question: MemoryQuestion, timeoutSeconds: number): Promise<void> {
  try {
    await client.workflow.start(WORKFLOW_TYPES.memoryQuestion, {
      workflowId: question.workflowId,
      taskQueue,
      args: [{ questionId: question.id, timeoutSeconds } satisfies MemoryQuestionWorkflowInput],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
