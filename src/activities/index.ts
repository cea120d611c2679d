import type { ActivityDeps } from './deps.js';

/**
 * Builds every activity of the worker from its dependencies. Each capability has its own
 * `create…Activities(deps)` factory; this merges them into the object the worker registers.
 */
export function createActivities(deps: ActivityDeps) {
  void deps;
  return {};
}

export type MycelActivities = ReturnType<typeof createActivities>;
