import type { Client } from '@temporalio/client';
import type { BrainStep, ModelUsage } from '../brain/types.js';
import type { MycelConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Envelope } from '../shared/envelope.js';
import type { Store } from '../storage/database.js';
import { tokensOnDay, utcDay } from '../usage/usage.js';
import { budgetUse, effectiveBudget, exhausted, overBudget, pauseNotice, pauseReason, stoppedNotice, tokensLeft, type BudgetLimit, type BudgetUse, type TokenBudget } from './budget.js';
import { SCHEDULED_TURN_PREFIX } from '../conversation/scheduled-turn.js';
import { pausePromise } from './service.js';
import { addDeliveryTokens, getDelivery, getPromise, type PromiseRecord } from './store.js';

/**
 * The token budget of one scheduled turn, applied around each model call of the turn (the
 * conversation's brainStep activity; the workflow is unchanged):
 * - before a call: when nothing is left of the per-run or per-day budget, no call is made;
 *   otherwise the call's `maxOutputTokens` is what is left, so the provider stops there;
 * - each call's usage (the provider's figures) is added to the occurrence's delivery record;
 * - after a call: when the occurrence went over a budget, the promise pauses (a recurring one's
 *   Temporal Schedule too), the tool calls the model asked for next do not run, and the
 *   turn's reply tells the chat why and how to resume.
 * A retried step finds the tokens already recorded and decides the same.
 */

export interface BudgetGuardDeps {
  store: Store;
  temporal: Client;
  config: MycelConfig;
  logger: Logger;
  metrics: Metrics;
}

/** The occurrence a scheduled turn runs: its turn key is `scheduled:<delivery key>`. */
export function deliveryKeyOfTurn(updateId: string): string | undefined {
  return updateId.startsWith(SCHEDULED_TURN_PREFIX) ? updateId.slice(SCHEDULED_TURN_PREFIX.length) : undefined;
}

/** What the guard says before a model call: go ahead with at most this many output tokens, or stop with this reply. */
export type BeforeCall = { go: true; maxOutputTokens: number } | { go: false; text: string };

export class ScheduledTurnBudget {
  private constructor(
    private readonly deps: BudgetGuardDeps,
    readonly promise: PromiseRecord,
    readonly key: string,
    readonly budget: TokenBudget,
  ) {}

  /** The guard of a scheduled turn; undefined for any other turn (or an occurrence not recorded). */
  static async forTurn(deps: BudgetGuardDeps, envelope: Envelope): Promise<ScheduledTurnBudget | undefined> {
    const key = deliveryKeyOfTurn(envelope.updateId);
    if (!key) return undefined;
    const delivery = await getDelivery(deps.store, key);
    const promise = delivery ? await getPromise(deps.store, delivery.promise_id) : undefined;
    if (!promise) return undefined;
    return new ScheduledTurnBudget(deps, promise, key, effectiveBudget(promise.budget, deps.config.usage.scheduled));
  }

  /** Checks the budgets before a model call. */
  async before(now = new Date()): Promise<BeforeCall> {
    const use = await budgetUse(this.deps.store, this.promise, this.key, now);
    const limit = exhausted(this.budget, use);
    if (limit) return { go: false, text: await this.stop(limit, use, false, now) };
    const daily = this.deps.config.usage.dailyTokenLimit;
    if (daily !== undefined && (await tokensOnDay(this.deps.store.db, utcDay(now))) >= daily) {
      // The instance-wide limit is no fault of this promise: it is not paused, only this run stops.
      this.deps.metrics.modelWorkSkipped.inc({ origin: 'scheduled' });
      const next = this.promise.recurrence ? ' Its occurrences after 00:00 UTC run as usual.' : '';
      return { go: false, text: `Not run: today's model token limit (${daily.toLocaleString('en-US')} tokens, MYCEL_MODEL_DAILY_TOKEN_LIMIT) is reached.${next}` };
    }
    return { go: true, maxOutputTokens: tokensLeft(this.budget, use) };
  }

  /** Adds one model call's usage to the occurrence. */
  async record(usage: ModelUsage): Promise<void> {
    await addDeliveryTokens(this.deps.store, this.key, usage);
  }

  /** Checks the budgets after the step's model calls; over one, the turn ends here with the notice. */
  async after(step: BrainStep, now = new Date()): Promise<BrainStep> {
    const use = await budgetUse(this.deps.store, this.promise, this.key, now);
    const limit = overBudget(this.budget, use);
    if (!limit) return step;
    const notice = await this.stop(limit, use, step.type === 'tools', now);
    return { type: 'reply', text: step.type === 'reply' ? `${step.text}\n\n${notice}` : notice };
  }

  /** Pauses the promise (a recurring one) and says why and how to resume. */
  private async stop(limit: BudgetLimit, use: BudgetUse, stoppedTools: boolean, now: Date): Promise<string> {
    this.deps.metrics.modelWorkSkipped.inc({ origin: 'scheduled' });
    if (!this.promise.recurrence) return stoppedNotice(this.promise, limit, this.budget, use, stoppedTools);
    await pausePromise(this.deps, this.promise, pauseReason(limit, this.budget, use), now);
    return pauseNotice(this.promise, limit, this.budget, use, stoppedTools);
  }
}
