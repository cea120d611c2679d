import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { apiRoute, errorResponse } from '../error-schema.js';
import { formatError } from '../../shared/errors.js';
import { loadPriceTable, MAX_USAGE_DAYS, usageReport, type PriceTable } from '../../usage/usage.js';
import type { HttpDeps } from '../context.js';

/** Model usage (**contract**): tokens of every model call, by day, chat and origin; cost with a price table. */

const Figures = { inputTokens: z.number().int(), outputTokens: z.number().int(), calls: z.number().int() };

const UsageSchema = z
  .object({
    totals: z.object(Figures),
    days: z.array(z.object({ date: z.string(), ...Figures, costUsd: z.number().optional() })).openapi({ description: 'newest first; costUsd only for models in the price table' }),
    byChat: z.array(z.object({ channel: z.string(), chatId: z.string(), ...Figures })),
    byOrigin: z.array(z.object({ origin: z.string(), ...Figures })).openapi({ description: 'origin: turn (a reply) or memory (fact extraction)' }),
    byModel: z.array(z.object({ model: z.string(), ...Figures, costUsd: z.number().optional() })),
    pricesError: z.string().optional().openapi({ description: 'why the price table (MYCEL_MODEL_PRICES) could not be used; no cost is shown then' }),
  })
  .openapi('Usage');

const usageRoute = apiRoute({
  method: 'get',
  path: '/api/usage',
  summary: 'Tokens used by every model call, by day, chat, origin and model; cost where a price table is configured',
  request: { query: z.object({ days: z.coerce.number().int().min(1).max(MAX_USAGE_DAYS).optional() }) },
  responses: {
    200: { description: 'the usage report', content: { 'application/json': { schema: UsageSchema } } },
    400: errorResponse('bad days'),
  },
});

export function registerUsageRoutes(app: OpenAPIHono, deps: HttpDeps): void {
  app.openapi(usageRoute, async (c) => {
    const { days } = c.req.valid('query');
    let prices: PriceTable | undefined;
    let pricesError: string | undefined;
    if (deps.config.usage.pricesPath) {
      try {
        prices = loadPriceTable(deps.config.usage.pricesPath);
      } catch (err) {
        pricesError = formatError(err);
      }
    }
    const report = await usageReport(deps.store.db, { prices, ...(days ? { days } : {}) });
    return c.json({ ...report, ...(pricesError ? { pricesError } : {}) }, 200);
  });
}
