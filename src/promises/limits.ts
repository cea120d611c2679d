/**
 * Limits of promises, in one place (documented in the README's "Reminders" section).
 * Kept free of imports so the configuration schema can read them.
 */

/** Default of MYCEL_PROMISE_HORIZON_DAYS: how far ahead a promise may be due. */
export const DEFAULT_PROMISE_HORIZON_DAYS = 365;
/** Largest MYCEL_PROMISE_HORIZON_DAYS accepted (ten years). */
export const MAX_PROMISE_HORIZON_DAYS = 3_650;
