import type { RecalledFact } from '../../types.js';
import { call, describeFailure, reply, type OfflineCommand, type OfflinePhrase, type OfflineTurn } from '../command.js';
import type { FactSummary, ForgetAllOutput, RememberToolOutput } from '../../../memory/tools.js';
import { answersQuestion, queryTerms, subjectOf, toSecondPerson } from '../../../memory/text.js';
import { DEFAULT_RECALL_LIMIT, EXPLICIT_CONFIDENCE, RETENTION_CLASSES, STATED_CONFIDENCE, type FactSource, type RetentionClass } from '../../../memory/types.js';
import type { BrainStep } from '../../types.js';

/** Facts `/memories` shows; the API and web app list the rest. */
export const MEMORIES_SHOWN = 30;
/** Facts one answer to a question quotes. */
export const ANSWER_FACTS = 3;

/** The honest reply when nothing remembered answers a question. */
export const NOTHING_REMEMBERED =
  "I don't know — nothing I remember in this chat answers that. You can teach me with /remember <fact>.";

interface ListOutput {
  facts: FactSummary[];
  total: number;
  questions: Array<{ id: string; oldFactId: string; newFactId: string; expiresAt: string }>;
}

/** `permanent: my blood type is 0+` → retention and text. */
function retentionPrefix(text: string): { retention?: RetentionClass; text: string } {
  const m = /^(short|standard|permanent)\s*:\s*([\s\S]+)$/i.exec(text.trim());
  if (!m || !RETENTION_CLASSES.includes(m[1]!.toLowerCase() as RetentionClass)) return { text: text.trim() };
  return { retention: m[1]!.toLowerCase() as RetentionClass, text: m[2]!.trim() };
}

/** Renders what `memory.remember` did. */
function rememberedReply(out: RememberToolOutput): string {
  switch (out.status) {
    case 'known':
      return `I already know that (${out.fact.id}): ${out.fact.text}`;
    case 'asked':
      return `Noted (${out.fact.id}): ${out.fact.text}\nThat disagrees with what I knew — "${out.conflictWith?.text}" — and I can't tell which is right, so I asked you (question ${out.questionId}).`;
    case 'history':
      return `Noted as history only (${out.fact.id}): I'm more sure of "${out.conflictWith?.text}" (confidence ${out.conflictWith?.confidence} against ${out.fact.confidence}). If that is wrong, say /remember ${out.fact.text}`;
    default: {
      const replaced = out.closed.length ? `\nThat replaces what I had: ${out.closed.map((f) => `"${f.text}"`).join(', ')} (kept as history).` : '';
      return `Got it, I'll remember (${out.fact.id}): ${out.fact.text}${replaced}`;
    }
  }
}

/** A step that remembers `text` with a confidence and source, then renders the outcome. */
function rememberStep(turn: OfflineTurn, text: string, confidence: number, source: FactSource): BrainStep {
  const { retention, text: fact } = retentionPrefix(text);
  if (!fact) return reply('Usage: /remember <fact>, for example /remember my sister\'s birthday is May 3');
  const outcome = turn.result('memory.remember');
  if (!outcome) {
    return call({
      tool: 'memory.remember',
      input: { text: fact, confidence, source, sourceText: turn.input.envelope.text, ...(retention ? { retention } : {}) },
    });
  }
  if (outcome.status !== 'ok') return reply(`I could not remember that: ${describeFailure(outcome)}`);
  return reply(rememberedReply(outcome.output as RememberToolOutput));
}

function listReply(out: ListOutput): string {
  if (!out.facts.length) return "I don't remember anything in this chat yet. Teach me with /remember <fact>.";
  const lines = out.facts.slice(0, MEMORIES_SHOWN).map((f) => `• ${f.id} — ${f.text}${f.confidence < EXPLICIT_CONFIDENCE ? ` (confidence ${f.confidence})` : ''}`);
  const more = out.total > lines.length ? [`… and ${out.total - lines.length} more (see the web app or GET /api/chats/<chatId>/memories).`] : [];
  const open = out.questions.map((q) => `Open question ${q.id}: which is right, ${q.oldFactId} (1) or ${q.newFactId} (2)? Answer /confirm ${q.id} 1 or 2.`);
  return [`What I remember here (${out.total}):`, ...lines, ...more, ...open, 'Forget one with /forget <id>, or everything with /forget all.'].join('\n');
}

/** The facts of `facts` that answer `question` (they mention every word that matters in it). */
function answering<T extends { text: string }>(question: string, facts: T[]): T[] {
  const terms = queryTerms(question);
  return facts.filter((f) => answersQuestion(f.text, terms)).slice(0, ANSWER_FACTS);
}

function answerReply(facts: Array<{ id: string; text: string }>): string {
  if (!facts.length) return NOTHING_REMEMBERED;
  if (facts.length === 1) return `${toSecondPerson(facts[0]!.text)} (That's what you told me — ${facts[0]!.id}.)`;
  return ['From what you told me:', ...facts.map((f) => `• ${toSecondPerson(f.text)} (${f.id})`)].join('\n');
}

/**
 * Answers a question from memory: from the facts the turn was given (`memories`, recalled by
 * the conversation before the brain ran) or, when none were, by asking `memory.recall`.
 */
function answerStep(turn: OfflineTurn, question: string): BrainStep {
  const recalled: RecalledFact[] = turn.input.memories ?? [];
  if (recalled.length) return reply(answerReply(answering(question, recalled)));
  const outcome = turn.result('memory.recall');
  if (!outcome) return call({ tool: 'memory.recall', input: { query: question, limit: DEFAULT_RECALL_LIMIT } });
  if (outcome.status !== 'ok') return reply(`I could not look that up: ${describeFailure(outcome)}`);
  return reply(answerReply(answering(question, (outcome.output as { facts: FactSummary[] }).facts)));
}

function forgetAllStep(turn: OfflineTurn, code: string | undefined): BrainStep {
  const outcome = turn.result('memory.forgetAll');
  if (!outcome) return call({ tool: 'memory.forgetAll', input: code ? { confirm: code } : {} });
  if (outcome.status !== 'ok') return reply(`I could not forget: ${describeFailure(outcome)}`);
  const out = outcome.output as ForgetAllOutput;
  if (out.confirmationCode) {
    const wrong = code ? `That code does not match (my memory here may have changed since). ` : '';
    return reply(
      `${wrong}This deletes all ${out.count} facts I remember in this chat, for good. To confirm, send: /forget all ${out.confirmationCode}`,
    );
  }
  if (out.deleted === 0) return reply("There's nothing to forget: I don't remember anything in this chat.");
  return reply(`Done: I forgot all ${out.deleted} facts of this chat. They are deleted, not hidden.`);
}

/** `/remember`, `/memories`, `/forget` (**contract**) and `/confirm` for memory questions. */
export function memoryCommands(): OfflineCommand[] {
  const remember: OfflineCommand = {
    name: 'remember',
    usage: '/remember <fact>',
    example: "/remember my sister's birthday is May 3",
    summary: 'remember a fact (prefix "short:" to keep it 30 days, "permanent:" to keep it until you delete it; default 1 year)',
    run: (turn) => rememberStep(turn, turn.args, EXPLICIT_CONFIDENCE, 'command'),
  };

  const memories: OfflineCommand = {
    name: 'memories',
    usage: '/memories',
    example: '/memories',
    summary: 'list what I remember in this chat, with ids',
    run(turn) {
      const outcome = turn.result('memory.list');
      if (!outcome) return call({ tool: 'memory.list', input: { limit: MEMORIES_SHOWN } });
      if (outcome.status !== 'ok') return reply(`I could not list my memories: ${describeFailure(outcome)}`);
      return reply(listReply(outcome.output as ListOutput));
    },
  };

  const forget: OfflineCommand = {
    name: 'forget',
    usage: '/forget <id>',
    example: '/forget m-0123456789',
    summary: 'delete a remembered fact for good; /forget all deletes everything (asks to confirm first)',
    run(turn) {
      const args = turn.args.trim();
      const all = /^all(?:\s+(?:confirm\s+)?([0-9a-f]+))?$/i.exec(args);
      if (all) return forgetAllStep(turn, all[1]?.toLowerCase());
      if (!args) return reply('Usage: /forget <id> (see /memories for ids), or /forget all');
      const outcome = turn.result('memory.forget');
      if (!outcome) return call({ tool: 'memory.forget', input: { id: args } });
      if (outcome.status !== 'ok') return reply(`I could not forget ${args}: ${describeFailure(outcome)}`);
      const out = outcome.output as { deleted: string[]; alreadyDeletedAt?: string };
      if (out.alreadyDeletedAt) return reply(`${args} was already deleted (${out.alreadyDeletedAt.slice(0, 16).replace('T', ' ')} UTC); nothing left to forget.`);
      return reply(`Forgotten: ${args} is deleted for good.`);
    },
  };

  const confirm: OfflineCommand = {
    name: 'confirm',
    usage: '/confirm <question id> 1|2',
    example: '/confirm q-0123abcd 2',
    summary: 'answer my question about two facts that disagree: 1 keeps the older, 2 the newer',
    run(turn) {
      const m = /^(q-[0-9a-z]{8})\s+([12])$/i.exec(turn.args.trim());
      if (!m) return reply('Usage: /confirm <question id> 1|2, for example /confirm q-0123abcd 2 (the question says which is which)');
      const outcome = turn.result('memory.answer');
      if (!outcome) return call({ tool: 'memory.answer', input: { questionId: m[1]!.toLowerCase(), choice: Number(m[2]) } });
      if (outcome.status !== 'ok') return reply(`I could not take that answer: ${describeFailure(outcome)}`);
      return reply(`Thanks, noted: ${m[2] === '1' ? 'the older' : 'the newer'} fact is right. I'll update my memory now.`);
    },
  };

  return [remember, memories, forget, confirm];
}

/** "remember that …" — an explicit request: as sure as `/remember`. ("remember to …" is a reminder, not a fact.) */
const REMEMBER_PHRASE = /^(?:please\s+)?(?:remember|note)(?:\s+that|\s*:)\s+(?!to\b)([\s\S]+?)\s*$/i;
/** "forget everything", "forget all my memories". */
const FORGET_ALL_PHRASE = /^(?:please\s+)?forget\s+(?:everything|all(?:\s+(?:my\s+)?(?:memories|facts))?)(?:\s+about\s+me)?[.!]?$/i;
/** A question: ends with "?", or starts like one. */
const QUESTION_PHRASE = /\?\s*$|^(?:what|when|where|who|whom|whose|which|why|how|do you|did i|does|is|are|can you tell|tell me)\b/i;

/**
 * Natural phrasings: "remember that …" and statements like "my … is …" store a fact;
 * "forget everything" asks for confirmation; any other question is answered from memory
 * (or honestly not). List these after every other capability's phrases: the question
 * phrase takes whatever is left that looks like a question.
 */
export function memoryPhrases(): OfflinePhrase[] {
  return [
    {
      id: 'memory-remember-that',
      match: (text) => REMEMBER_PHRASE.exec(text.trim())?.[1],
      run: (turn) => rememberStep(turn, turn.args, EXPLICIT_CONFIDENCE, 'phrase'),
    },
    {
      id: 'memory-statement',
      // "my sister's birthday is May 3", "I live in Lisbon": said in passing, a little less sure.
      match: (text) => (/^(?:my|our|i)\b/i.test(text.trim()) && subjectOf(text) ? text.trim() : undefined),
      run: (turn) => rememberStep(turn, turn.args, STATED_CONFIDENCE, 'phrase'),
    },
    {
      id: 'memory-forget-all',
      match: (text) => (FORGET_ALL_PHRASE.test(text.trim()) ? '' : undefined),
      run: (turn) => forgetAllStep(turn, undefined),
    },
    {
      id: 'memory-question',
      match: (text) => (QUESTION_PHRASE.test(text.trim()) ? text.trim() : undefined),
      run: (turn) => answerStep(turn, turn.args),
    },
  ];
}
