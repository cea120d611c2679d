import { describe, expectTypeOf, it } from 'vitest';
import { promiseWorkflow, recurringPromiseWorkflow } from '../workflows/promise.js';
import type { PromiseWorkflowFn, RecurringPromiseWorkflowFn } from './workflow-types.js';

describe('the promise workflows’ signatures', () => {
  // The service starts them by these types without importing workflow code (`npm run typecheck` checks this).
  it('match the types the service starts them by', () => {
    expectTypeOf(promiseWorkflow).toEqualTypeOf<PromiseWorkflowFn>();
    expectTypeOf(recurringPromiseWorkflow).toEqualTypeOf<RecurringPromiseWorkflowFn>();
  });
});
