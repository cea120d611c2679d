import type { MigrationFactory } from './types.js';

/**
 * Token budgets of scheduled work, and pausing:
 * - `promises.budget_per_run` / `budget_per_day`: a promise's own token budgets (null: the
 *   configured defaults, MYCEL_SCHEDULED_TOKENS_PER_RUN / _PER_DAY, apply at run time);
 * - `promises.paused_at` / `pause_reason`: set while a promise is paused (status `paused`),
 *   with why; `resumed_at`: when it was last resumed (its per-day allowance starts over then);
 * - `promise_deliveries.input_tokens` / `output_tokens`: what the model calls of one
 *   occurrence used, from the provider's figures.
 */
const migration: MigrationFactory = () => ({
  async up(db) {
    await db.schema.alterTable('promises').addColumn('budget_per_run', 'integer').execute();
    await db.schema.alterTable('promises').addColumn('budget_per_day', 'integer').execute();
    await db.schema.alterTable('promises').addColumn('paused_at', 'text').execute();
    await db.schema.alterTable('promises').addColumn('pause_reason', 'text').execute();
    await db.schema.alterTable('promises').addColumn('resumed_at', 'text').execute();
    await db.schema.alterTable('promise_deliveries').addColumn('input_tokens', 'bigint').execute();
    await db.schema.alterTable('promise_deliveries').addColumn('output_tokens', 'bigint').execute();
  },
});

export default migration;
