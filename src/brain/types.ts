import type { Envelope } from '../shared/envelope.js';
import type { ToolCall, ToolInfo, ToolOutcome } from '../tools/types.js';

/** One line of the recent transcript a brain sees. */
export interface HistoryLine {
  role: 'user' | 'assistant';
  text: string;
  at: string;
  kind?: string | undefined;
}

/** A stored fact retrieved for this turn (filled by the memory capability). */
export interface RecalledFact {
  id: string;
  text: string;
  confidence: number;
  kind: string;
  score: number;
}

/**
 * What a brain is given for one step of a turn. A turn is a loop driven by the
 * conversation workflow: step 0 sees the message; if the brain asks for tools, the
 * workflow runs each as an activity and calls the brain again with `results`.
 */
export interface BrainInput {
  envelope: Envelope;
  /** 0 for the first step of the turn, then 1, 2, … after each round of tool calls. */
  step: number;
  /** Outcomes of every tool call made earlier in this turn, in order. */
  results: ToolOutcome[];
  /**
   * The calls that produced `results`, in the same order, with their inputs (a model brain
   * replays the exchange of tool calls and results to its model). Set by the workflow.
   */
  calls?: Array<ToolCall & { callId: string }>;
  history: HistoryLine[];
  /** A running summary of older turns (carried across Continue-As-New). */
  summary: string;
  memories: RecalledFact[];
  tools: ToolInfo[];
  /** The chat's time zone (IANA) and the turn's time (workflow clock), ISO. */
  timeZone: string;
  now: string;
  /**
   * Most tokens the step's model call may generate (scheduled work under a token budget: what
   * is left of it). Absent: the model's own limit.
   */
  maxOutputTokens?: number;
  /**
   * The images attached to this turn's message, read from the data dir by the activity (never
   * through workflow history). Absent when there are none.
   */
  images?: ImageInput[];
}

/** One image of the turn's message, as the model is shown it. */
export interface ImageInput {
  mediaType: string;
  data: Uint8Array;
}

/** A brain's answer for one step: a reply that ends the turn, or tools to run first. */
export type BrainStep =
  | { type: 'reply'; text: string }
  | { type: 'tools'; calls: ToolCall[] };

/** Tokens one model call used, as the provider counted them. */
export interface ModelUsage {
  /** The model that answered (`openai:gpt-4o-mini`). */
  model: string;
  inputTokens: number;
  outputTokens: number;
}

/**
 * What a brain tells while it works on one step, beside its result: parts of the reply as
 * they come (`delta`), that the parts so far are void (`reset`: a retried or corrected call
 * starts over), and the usage of each model call. Every method is optional to call; the
 * offline brain calls none.
 */
export interface StepListener {
  delta(text: string): void;
  reset(): void;
  usage(usage: ModelUsage): void;
}

/** Brains behind one interface: the deterministic `offline` brain and model brains. */
export interface Brain {
  readonly id: string;
  step(input: BrainInput, listener?: StepListener): Promise<BrainStep>;
  /**
   * Whether this step would call a language model (a token budget is checked only then).
   * Absent: it may.
   */
  callsModel?(input: BrainInput): boolean;
}

/** Most rounds of tool calls in one turn before the brain must reply. */
export const MAX_TOOL_ROUNDS = 6;
