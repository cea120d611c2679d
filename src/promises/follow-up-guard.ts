import type { Brain, BrainInput, BrainStep, StepListener } from '../brain/types.js';
import type { ToolCall } from '../tools/types.js';
import { MAX_PROMISE_HORIZON_DAYS } from './limits.js';
import { parseReminderPhrase } from './when.js';

/**
 * A reply that promises a follow-up must have created one. A model may write "I'll remind
 * you at 5" without calling `remind.create`; this wrapper around a model brain catches that
 * before the reply reaches the person:
 *
 *   1. The reply promises a follow-up, and no `remind.create` succeeded in this turn: the
 *      model is asked once more, told what is wrong (call the tool, or do not promise).
 *   2. It still promises and nothing was tried yet: the wrapper keeps the promise itself,
 *      calling `remind.create` with the time and text read from the reply ("remind you
 *      tomorrow at 9 to call mum"). The model then answers with the tool's result in hand.
 *   3. Nothing can be read, or creating it failed: the reply goes out with a note that says
 *      plainly that no reminder was set, and how to set one.
 *
 * So a turn never ends with an unkept promise presented as kept.
 */

/** Phrasings that promise a follow-up ("I'll remind you", "I will ping you", "reminder set"). */
const PROMISE_PATTERNS: RegExp[] = [
  /\bI(?:'ll|’ll| will| shall|'m going to|’m going to| am going to)\s+(?:be sure to\s+|make sure to\s+)?(?:remind|ping|nudge|notify|message|text|alert)\s+you\b/i,
  /\bI(?:'ll|’ll| will| shall)\s+(?:follow up|get back to you|check (?:back|in) (?:with you|on you|later))\b/i,
  /\b(?:reminder|alarm)\s+(?:is\s+|has been\s+)?(?:set|scheduled|created)\b/i,
  /\bI(?:'ve|’ve| have)\s+(?:set|scheduled|created)\s+(?:a|the|your|that)\s+reminder\b/i,
];

/** Added to the person's message when the model is asked again (never stored). */
export const FOLLOW_UP_CORRECTION =
  '[Note from Mycel, not from the person: your previous draft promised a reminder or follow-up, but no remind.create call succeeded in this turn. If you promise one, call remind.create now with when and text; otherwise answer without promising a follow-up.]';

/** Appended to a reply whose promise could not be kept. */
export const UNKEPT_PROMISE_NOTE =
  '(Note: no reminder was actually set for this. To set one, say for example "remind me in 10 minutes to stretch", or use /remind <when> <text>.)';

/** Whether a reply promises a follow-up. */
export function promisesFollowUp(text: string): boolean {
  return PROMISE_PATTERNS.some((pattern) => pattern.test(text));
}

const TRIGGER = /\b(?:remind|ping|nudge|notify|message|text|alert)\s+you\b|\b(?:follow up|get back to you|check (?:back|in))(?:\s+with you)?\b/i;

function excerpt(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Reads the reminder a reply promises: "I'll remind you tomorrow at 9 to call mum" →
 * `{ when: 'tomorrow at 9', text: 'call mum' }`; without a text, the person's message is it.
 */
export function followUpFromReply(reply: string, input: Pick<BrainInput, 'now' | 'timeZone' | 'envelope'>): ToolCall | undefined {
  const ctx = { now: new Date(input.now), timeZone: input.timeZone, horizonDays: MAX_PROMISE_HORIZON_DAYS };
  for (const sentence of reply.split(/(?<=[.!?])\s+|\n+/)) {
    const trigger = TRIGGER.exec(sentence);
    if (!trigger) continue;
    const rest = sentence.slice(trigger.index + trigger[0].length).replace(/[.!?]+$/, '').trim();
    if (!rest) continue;
    let request = parseReminderPhrase(`remind me ${rest}`, ctx);
    if (request && !request.ok && request.reason === 'missing-text') {
      request = parseReminderPhrase(`remind me ${rest} to follow up on "${excerpt(input.envelope.text)}"`, ctx);
    }
    if (request?.ok) return { tool: 'remind.create', input: { when: request.when, text: request.text } };
  }
  return undefined;
}

function keptInTurn(input: BrainInput): boolean {
  return input.results.some((r) => r.tool === 'remind.create' && r.status === 'ok');
}

function needsFixing(step: BrainStep, input: BrainInput): step is { type: 'reply'; text: string } {
  return step.type === 'reply' && promisesFollowUp(step.text) && !keptInTurn(input);
}

/** Wraps a (model) brain so that its replies never promise a follow-up it did not create. */
export class PromiseKeepingBrain implements Brain {
  readonly id: string;

  constructor(private readonly inner: Brain) {
    this.id = inner.id;
  }

  async step(input: BrainInput, listener?: StepListener): Promise<BrainStep> {
    const first = await this.inner.step(input, listener);
    if (!needsFixing(first, input)) return first;

    // The streamed draft is withdrawn: the corrected answer streams from the start.
    listener?.reset();
    const corrected = await this.inner.step({ ...input, envelope: { ...input.envelope, text: `${input.envelope.text}\n\n${FOLLOW_UP_CORRECTION}` } }, listener);
    if (!needsFixing(corrected, input)) return corrected;
    listener?.reset();

    const tried = input.results.some((r) => r.tool === 'remind.create');
    if (!tried) {
      const call = followUpFromReply(corrected.text, input) ?? followUpFromReply(first.text, input);
      if (call) return { type: 'tools', calls: [call] };
    }
    return { type: 'reply', text: `${corrected.text}\n\n${UNKEPT_PROMISE_NOTE}` };
  }
}

/** `keepPromises(new ModelBrain(…))`: the brain factory's one-line registration. */
export function keepPromises(brain: Brain): Brain {
  return new PromiseKeepingBrain(brain);
}
