import type { BrainInput, BrainStep } from '../types.js';
import type { ToolCall, ToolOutcome } from '../../tools/types.js';

/**
 * What an offline command sees. A command is run again after each round of tool calls
 * it asked for, with the outcomes in `results`; being deterministic, it re-reads its
 * arguments, finds the outcome and renders the reply.
 */
export interface OfflineTurn {
  input: BrainInput;
  /** The command's argument text (after the command name), trimmed. */
  args: string;
  /** Outcome of the first call made to `tool` in this turn, if any. */
  result(tool: string): ToolOutcome | undefined;
}

export interface OfflineCommand {
  /** Without the slash: `remind`. */
  name: string;
  aliases?: string[];
  /** `/remind <when> <text>` */
  usage: string;
  /** `/remind 10m stretch` */
  example: string;
  summary: string;
  run(turn: OfflineTurn): BrainStep;
}

/** A natural-language phrasing the offline brain understands ("remind me in 10 minutes to …"). */
export interface OfflinePhrase {
  id: string;
  /** Returns the argument text when the message matches, undefined otherwise. */
  match(text: string, input: BrainInput): string | undefined;
  run(turn: OfflineTurn): BrainStep;
}

export const reply = (text: string): BrainStep => ({ type: 'reply', text });
export const call = (...calls: ToolCall[]): BrainStep => ({ type: 'tools', calls });

/** Renders a failed or refused tool outcome for a person. */
export function describeFailure(outcome: ToolOutcome): string {
  if (outcome.status === 'refused') return `refused: ${outcome.error ?? 'not allowed by the policy'}`;
  if (outcome.status === 'pending-approval') return `waiting for the owner's approval (id ${outcome.approvalId})`;
  return `failed: ${outcome.error ?? 'unknown error'}`;
}
