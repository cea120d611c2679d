import type { ChatRef } from '../shared/envelope.js';

/**
 * Memory's vocabulary: facts, their provenance and retention, and every limit memory
 * enforces. Pure data and constants (no I/O), safe to import from workflows.
 */

/**
 * How long a fact is kept after it was stored, by retention class. Expired facts are
 * deleted for real by the retention schedule (see MEMORY_RETENTION_INTERVAL).
 * - `short`: 30 days — passing details ("I'm in Berlin this week").
 * - `standard`: 1 year — the default for anything a person tells Mycel.
 * - `permanent`: kept until the person deletes it.
 */
export const RETENTION_DAYS = { short: 30, standard: 365, permanent: null } as const;
export type RetentionClass = keyof typeof RETENTION_DAYS;
export const RETENTION_CLASSES = Object.keys(RETENTION_DAYS) as RetentionClass[];
export const DEFAULT_RETENTION: RetentionClass = 'standard';

/** What a fact is about; free text stays in `text`. */
export const FACT_KINDS = ['fact', 'preference', 'event', 'person', 'other'] as const;
export type FactKind = (typeof FACT_KINDS)[number];

/** How a fact reached memory. */
export const FACT_SOURCES = ['command', 'phrase', 'extraction', 'model', 'api'] as const;
export type FactSource = (typeof FACT_SOURCES)[number];

/** Longest fact text stored (characters). */
export const MAX_FACT_CHARS = 1_000;
/** Most facts a recall returns, and the default a turn is given. */
export const MAX_RECALL_LIMIT = 50;
export const DEFAULT_RECALL_LIMIT = 5;
/** Most facts one list answers with. */
export const MAX_LIST_LIMIT = 500;
export const DEFAULT_LIST_LIMIT = 100;

/** Confidence of a fact the person stated explicitly (`/remember`, "remember that …"). */
export const EXPLICIT_CONFIDENCE = 1;
/** Confidence of a fact stated in passing ("my sister's birthday is May 3"). */
export const STATED_CONFIDENCE = 0.9;
/** A model's inference is never as certain as the person's own statement. */
export const MAX_EXTRACTED_CONFIDENCE = 0.95;
/** Default of MYCEL_MEMORY_MIN_CONFIDENCE: extracted facts below it are not stored. */
export const DEFAULT_MIN_CONFIDENCE = 0.7;
/**
 * Two disagreeing facts whose confidences differ by less than this are "close": Mycel asks
 * the person which is right instead of guessing (unless the newer one is explicit).
 */
export const CLOSE_CONFIDENCE_DELTA = 0.15;
/** Default of MYCEL_MEMORY_QUESTION_TIMEOUT: how long a question waits for an answer. */
export const DEFAULT_QUESTION_TIMEOUT_SECONDS = 24 * 60 * 60;
/** How often the retention schedule deletes expired facts. */
export const MEMORY_RETENTION_INTERVAL = '1 hour';
/** Most facts one retention run deletes (the next run takes the rest). */
export const MAX_EXPIRED_PER_RUN = 10_000;

/** Where a fact came from: enough to show a person why Mycel believes it. */
export interface Provenance {
  channel: string;
  chatId: string;
  userId: string;
  /** The ingress idempotency key of the message (the turn key). */
  updateId: string | null;
  workflowId: string | null;
  runId: string | null;
  /** The tool call (or extraction) that wrote it. */
  callId: string | null;
  /** When it was said (the turn's time). */
  at: string;
  /** The person's message it came from, verbatim, when known. */
  sourceText: string | null;
  source: FactSource;
}

/** A stored fact as the API, the tools and the brain see it. */
export interface Fact {
  id: string;
  text: string;
  kind: string;
  subject: string | null;
  value: string | null;
  confidence: number;
  provenance: Provenance;
  retention: RetentionClass;
  expiresAt: string | null;
  validFrom: string;
  /** Null while the fact is current; set when a newer fact replaced it. */
  validTo: string | null;
  /** The fact (or answer) that closed it. */
  closedBy: string | null;
  createdAt: string;
  channel: string;
  chatId: string;
}

/** A fact with its retrieval score (higher is more relevant). */
export interface ScoredFact extends Fact {
  score: number;
}

export type { ChatRef };
