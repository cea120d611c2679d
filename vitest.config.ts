import { defineConfig } from 'vitest/config';

/**
 * Three groups, run one after the other, fastest first (`sequence.groupOrder`):
 * - unit: `src/**\/*.test.ts`, beside the code; real SQLite, PostgreSQL when MYCEL_TEST_POSTGRES_URL is set.
 * - integration: `test/integration`, against one real Temporal dev server started by the harness.
 * - e2e: `test/e2e`, whole `mycel` processes (start, signals, restarts); the slowest.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          testTimeout: 20_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 90_000,
          hookTimeout: 90_000,
          pool: 'forks',
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          pool: 'forks',
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
