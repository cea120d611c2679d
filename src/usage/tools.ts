import { z } from 'zod';
import type { ActivityDeps } from '../deps/activity-deps.js';
import { formatError } from '../shared/errors.js';
import { defineTool, type ToolDefinition } from '../tools/types.js';
import { loadPriceTable, tokensOnDay, usageReport, utcDay, type PriceTable } from './usage.js';

/** Days `/usage` lists. */
export const USAGE_COMMAND_DAYS = 7;

/** Model usage as a tool: what `/usage` shows (read-only, not offered to the model). */
export function createUsageTools(deps: ActivityDeps): ToolDefinition[] {
  return [
    defineTool({
      id: 'usage.report',
      description: 'Tokens the models used: totals, the last days, by origin; cost where a price table is configured.',
      input: z.object({}),
      policy: 'allow',
      forModel: false,
      async run() {
        let prices: PriceTable | undefined;
        let pricesError: string | undefined;
        if (deps.config.usage.pricesPath) {
          try {
            prices = loadPriceTable(deps.config.usage.pricesPath);
          } catch (err) {
            pricesError = formatError(err);
          }
        }
        const report = await usageReport(deps.store.db, { prices, days: USAGE_COMMAND_DAYS });
        const today = await tokensOnDay(deps.store.db, utcDay(new Date()));
        return { ...report, byChat: report.byChat.slice(0, 5), today, dailyLimit: deps.config.usage.dailyTokenLimit ?? null, model: deps.config.model.id, ...(pricesError ? { pricesError } : {}) };
      },
    }),
  ];
}
