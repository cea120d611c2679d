/** Statuses `mycel promises list --status` takes (shared by the command and its lazily loaded action). */
export const PROMISE_STATUSES = ['pending', 'delivered', 'cancelled', 'paused', 'all'] as const;
export type PromiseStatusFilter = (typeof PROMISE_STATUSES)[number];
