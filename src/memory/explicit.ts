import type { Client } from '@temporalio/client';
import type { MycelConfig } from '../config/config.js';
import type { Store } from '../storage/database.js';
import { startQuestionWorkflow } from './questions.js';
import { rememberFact, type RememberOutcome } from './remember.js';
import { guessKind } from './text.js';
import { EXPLICIT_CONFIDENCE, type ChatRef, type FactKind, type RetentionClass } from './types.js';

/** A fact someone states outside a conversation turn: over the HTTP API or the MCP server. */
export interface ExplicitFactRequest {
  chat: ChatRef;
  text: string;
  /** Who stated it (`api`, `mcp`); the provenance's user id. */
  by: string;
  /** Idempotency key, unique per caller: the same key again stores nothing new. */
  writeKey: string;
  kind?: FactKind | undefined;
  confidence?: number | undefined;
  retention?: RetentionClass | undefined;
}

/**
 * Remembers a stated fact with the chat's contradiction rules, and when the fact disagrees
 * with one the chat already holds at a close confidence, starts the question's workflow
 * (which asks the person and waits for the answer).
 */
export async function rememberExplicitFact(
  deps: { store: Store; temporal: Client; config: Pick<MycelConfig, 'memory' | 'temporal'> },
  request: ExplicitFactRequest,
): Promise<RememberOutcome> {
  const at = new Date().toISOString();
  const { chat, text, by, writeKey } = request;
  const outcome = await rememberFact(
    deps.store,
    {
      writeKey,
      chat,
      userId: by,
      text,
      kind: request.kind ?? guessKind(text),
      confidence: request.confidence ?? EXPLICIT_CONFIDENCE,
      retention: request.retention,
      source: 'api',
      at,
      provenance: { channel: chat.channel, chatId: chat.chatId, userId: by, updateId: null, workflowId: null, runId: null, callId: writeKey, at, sourceText: text, source: 'api' },
    },
    { questionTimeoutSeconds: deps.config.memory.questionTimeoutSeconds },
  );
  if (outcome.status === 'asked') {
    await startQuestionWorkflow(deps.temporal, deps.config.temporal.taskQueue, outcome.question, deps.config.memory.questionTimeoutSeconds);
  }
  return outcome;
}
