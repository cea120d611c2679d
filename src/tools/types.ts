import type { z } from 'zod';
import type { ChatRef } from '../shared/envelope.js';

/** What the policy says of a tool: run it, ask the owner first, or never run it. */
export type PolicyClass = 'allow' | 'ask' | 'forbid';

/** Everything a tool run knows about where it was asked for. */
export interface ToolContext {
  chat: ChatRef;
  userId: string;
  /** The turn's idempotency key (the envelope's updateId). */
  turnKey: string;
  /**
   * Deterministic id of this call within the turn (`<turnKey>#<step>.<index>`): a tool keys
   * its side effect on it, so a retried activity finds the effect done and does nothing twice.
   */
  callId: string;
  workflowId?: string | undefined;
  runId?: string | undefined;
  /** The person's time zone (IANA), for tools that read or write times. */
  timeZone: string;
  /** ISO time of the turn (the workflow's clock, not the activity's). */
  now: string;
}

/**
 * A tool: an id, a description (shown to the model and in `/tools`), an input schema that
 * validates model tool calls, chat commands and API input alike, a default policy class
 * (the policy file may override it), and the function that does the work.
 */
export interface ToolDefinition<I = unknown, O = unknown> {
  id: string;
  description: string;
  input: z.ZodType<I>;
  policy: PolicyClass;
  /** Offered to the model brain (default true). */
  forModel?: boolean;
  /** The input's JSON Schema when the tool brings its own (MCP tools); else derived from `input`. */
  inputJsonSchema?: Record<string, unknown>;
  /**
   * Run at most once per call id (MCP tools not annotated idempotent): the call is recorded
   * as running before it starts, so a retried activity reports it instead of sending it again.
   */
  atMostOnce?: boolean;
  run(input: I, ctx: ToolContext): Promise<O>;
}

/** A call the brain asks for. */
export interface ToolCall {
  tool: string;
  input: unknown;
}

/** What became of a call; fed back to the brain as data, never as instructions. */
export interface ToolOutcome {
  callId: string;
  tool: string;
  status: 'ok' | 'error' | 'refused' | 'pending-approval';
  output?: unknown;
  /** Why it failed or was refused, for a person. */
  error?: string;
  approvalId?: string;
}

/** What the brain is told about a tool. */
export interface ToolInfo {
  id: string;
  description: string;
  policy: PolicyClass;
  /** JSON Schema of the input. */
  inputSchema: Record<string, unknown>;
}

/** Declares a tool with its input type inferred from the schema. */
export function defineTool<S extends z.ZodType, O>(
  tool: Omit<ToolDefinition<z.infer<S>, O>, 'input'> & { input: S },
): ToolDefinition {
  return tool as unknown as ToolDefinition;
}
