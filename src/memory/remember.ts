import type { Store } from '../storage/database.js';
import { createQuestion, getQuestionByWriteKey, type MemoryQuestion } from './questions.js';
import {
  closeFact,
  currentFactsAbout,
  currentFactWithText,
  factsClosedBy,
  getFact,
  getFactByWriteKey,
  insertFact,
  type NewFact,
} from './store.js';
import { normalizeValue, subjectOf } from './text.js';
import {
  CLOSE_CONFIDENCE_DELTA,
  DEFAULT_RETENTION,
  EXPLICIT_CONFIDENCE,
  MAX_FACT_CHARS,
  type Fact,
  type FactKind,
  type RetentionClass,
} from './types.js';
import { MycelError } from '../shared/errors.js';

export interface RememberRequest extends Omit<NewFact, 'kind' | 'subject' | 'value' | 'retention' | 'closedBy'> {
  kind?: FactKind | undefined;
  /** What the fact is about; derived from the text when not given ("my X is Y" → X). */
  subject?: string | undefined;
  value?: string | undefined;
  retention?: RetentionClass | undefined;
}

/** What became of a request to remember. */
export type RememberOutcome =
  /** Stored as current; `closed` are the older facts it contradicted and replaced. */
  | { status: 'stored'; fact: Fact; closed: Fact[] }
  /** Already known: an identical current fact exists; nothing was stored. */
  | { status: 'known'; fact: Fact }
  /** Stored, but it disagrees with `conflictWith` at a close confidence: the person is asked. */
  | { status: 'asked'; fact: Fact; conflictWith: Fact; question: MemoryQuestion }
  /** Stored as history only: a markedly more confident current fact says otherwise. */
  | { status: 'history'; fact: Fact; conflictWith: Fact };

/** What to do when a new fact disagrees with a current one. */
export type ContradictionAction = 'close-old' | 'ask' | 'keep-old';

/**
 * The contradiction rule. An explicit statement (confidence 1: `/remember`, "remember that …")
 * is a correction and replaces the older fact. Otherwise, confidences closer than
 * CLOSE_CONFIDENCE_DELTA mean Mycel cannot tell which is right and asks; a clearly more
 * confident newer fact replaces the older one; a clearly less confident one is kept as history.
 */
export function contradictionAction(newConfidence: number, oldConfidence: number): ContradictionAction {
  if (newConfidence >= EXPLICIT_CONFIDENCE) return 'close-old';
  const delta = newConfidence - oldConfidence;
  if (Math.abs(delta) < CLOSE_CONFIDENCE_DELTA) return 'ask';
  return delta > 0 ? 'close-old' : 'keep-old';
}

export class FactTooLongError extends MycelError {
  constructor(length: number) {
    super('MEMORY_FACT_TOO_LONG', `A fact may have at most ${MAX_FACT_CHARS} characters; this one has ${length}.`, 'store the essential part, or split it into several facts');
  }
}

/** The outcome of a write that already happened (a retried activity), rebuilt from the rows. */
async function replay(store: Store, fact: Fact, writeKey: string): Promise<RememberOutcome> {
  const chat = { channel: fact.channel as NewFact['chat']['channel'], chatId: fact.chatId };
  const question = await getQuestionByWriteKey(store.db, `${writeKey}#question`);
  if (question) {
    const conflictWith = await getFact(store.db, chat, question.oldFactId);
    if (conflictWith) return { status: 'asked', fact, conflictWith, question };
  }
  if (fact.closedBy && fact.validTo === fact.validFrom) {
    const conflictWith = await getFact(store.db, chat, fact.closedBy);
    if (conflictWith && conflictWith.createdAt <= fact.createdAt) return { status: 'history', fact, conflictWith };
  }
  return { status: 'stored', fact, closed: await factsClosedBy(store.db, chat, fact.id) };
}

/**
 * Remembers one fact, idempotently on `writeKey`: stores it with its provenance, detects
 * contradictions with current facts about the same subject and applies the contradiction
 * rule — closing older facts (they stay as history, with validTo), keeping the new one as
 * history, or creating a question. All in one transaction. Starting the question's
 * workflow is the caller's part (it needs Temporal).
 */
export async function rememberFact(store: Store, request: RememberRequest, options: { questionTimeoutSeconds: number }): Promise<RememberOutcome> {
  const text = request.text.replace(/\s+/g, ' ').trim();
  if (text.length > MAX_FACT_CHARS) throw new FactTooLongError(text.length);
  const done = await getFactByWriteKey(store.db, request.writeKey);
  if (done) return replay(store, done, request.writeKey);

  const derived = subjectOf(text);
  const subject = request.subject?.trim().toLowerCase() || derived?.subject || null;
  const value = subject ? (request.value ? normalizeValue(request.value) : derived?.subject === subject ? derived.value : null) : null;

  return store.db.transaction().execute(async (trx) => {
    const same = await currentFactWithText(trx, request.chat, text);
    if (same) return { status: 'known', fact: same } as const;
    const conflicts = subject ? await currentFactsAbout(trx, request.chat, subject) : [];
    if (value !== null) {
      const agreeing = conflicts.find((f) => f.value === value);
      if (agreeing) return { status: 'known', fact: agreeing } as const;
    }
    const disagreeing = conflicts.filter((f) => f.value !== null && f.value !== value && value !== null);
    const actions = disagreeing.map((old) => ({ old, action: contradictionAction(request.confidence, old.confidence) }));
    const keeper = actions.find((a) => a.action === 'keep-old');
    const base: NewFact = {
      ...request,
      text,
      kind: request.kind ?? 'fact',
      subject,
      value,
      retention: request.retention ?? DEFAULT_RETENTION,
    };
    if (keeper) {
      const { fact } = await insertFact(trx, { ...base, closedBy: keeper.old.id });
      return { status: 'history', fact, conflictWith: keeper.old } as const;
    }
    const { fact } = await insertFact(trx, base);
    const closed: Fact[] = [];
    let asked: { old: Fact; question: MemoryQuestion } | undefined;
    for (const { old, action } of actions) {
      if (action === 'close-old') {
        if (await closeFact(trx, request.chat, old.id, request.at, fact.id)) closed.push({ ...old, validTo: request.at, closedBy: fact.id });
      } else if (action === 'ask' && !asked) {
        const question = await createQuestion(trx, {
          writeKey: `${request.writeKey}#question`,
          chat: request.chat,
          oldFactId: old.id,
          newFactId: fact.id,
          at: request.at,
          timeoutSeconds: options.questionTimeoutSeconds,
        });
        asked = { old, question };
      }
    }
    if (asked) return { status: 'asked', fact, conflictWith: asked.old, question: asked.question } as const;
    return { status: 'stored', fact, closed } as const;
  });
}
