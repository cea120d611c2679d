/**
 * Limits of promises, in one place (documented in the README's "Reminders" section).
 * Kept free of imports so the configuration schema can read them.
 */

/** Default of MYCEL_PROMISE_HORIZON_DAYS: how far ahead a promise may be due. */
export const DEFAULT_PROMISE_HORIZON_DAYS = 365;
/** Largest MYCEL_PROMISE_HORIZON_DAYS accepted (ten years). */
export const MAX_PROMISE_HORIZON_DAYS = 3_650;

/** Default of MYCEL_SCHEDULED_TOKENS_PER_RUN: tokens (input + output) one occurrence of scheduled work may use. */
export const DEFAULT_SCHEDULED_TOKENS_PER_RUN = 50_000;
/** Default of MYCEL_SCHEDULED_TOKENS_PER_DAY: tokens one scheduled promise may use per UTC day. */
export const DEFAULT_SCHEDULED_TOKENS_PER_DAY = 250_000;
/** Largest token budget accepted (configuration, a promise's own budget). */
export const MAX_TOKEN_BUDGET = 100_000_000;
