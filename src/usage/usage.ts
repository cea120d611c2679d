import { readFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { MycelError } from '../shared/errors.js';
import type { Database } from '../storage/schema.js';

/**
 * Model usage: the tokens every model call used, from the provider's own figures, added up
 * per UTC day, chat, origin and model; and the report `GET /api/usage` (**contract**) and
 * `/usage` show. Cost appears only with a price table (MYCEL_MODEL_PRICES): no price is
 * built in, since prices change.
 */

/** What asked the model. */
export type UsageOrigin = 'turn' | 'memory' | (string & {});

export interface UsageRecord {
  at: Date;
  channel: string;
  /** Empty for work that belongs to no chat. */
  chatId: string;
  origin: UsageOrigin;
  model: string;
  inputTokens: number;
  outputTokens: number;
}

/** Most days one usage report lists (newest first). */
export const MAX_USAGE_DAYS = 366;
/** Most chats one usage report lists (the largest first). */
export const MAX_USAGE_CHATS = 100;

/**
 * The price table file: USD per million tokens, by model id as MYCEL_MODEL names it.
 * `{ "models": { "openai:gpt-4o-mini": { "inputPerMillion": 0.15, "outputPerMillion": 0.6 } } }`
 */
export const priceTableSchema = z.object({
  models: z.record(
    z.string().min(1),
    z.object({ inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) }).strict(),
  ),
});
export type PriceTable = z.infer<typeof priceTableSchema>;

export class PriceTableError extends MycelError {
  constructor(file: string, detail: string) {
    super('PRICE_TABLE_INVALID', `The price table ${file} cannot be used: ${detail}`, 'see "Usage and cost" in docs/conversation.md for its shape, or unset MYCEL_MODEL_PRICES');
    this.name = 'PriceTableError';
  }
}

/** Reads and checks the price table file. */
export function loadPriceTable(file: string): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PriceTableError(file, err instanceof Error ? err.message : String(err));
  }
  const parsed = priceTableSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PriceTableError(file, `${issue.path.join('.') || 'file'}: ${issue.message}`);
  }
  return parsed.data;
}

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Adds one model call to its day, chat, origin and model. */
export async function recordUsage(db: Kysely<Database>, record: UsageRecord): Promise<void> {
  await db
    .insertInto('model_usage')
    .values({
      day: utcDay(record.at),
      channel: record.channel,
      chat_id: record.chatId,
      origin: record.origin,
      model: record.model,
      input_tokens: record.inputTokens,
      output_tokens: record.outputTokens,
      calls: 1,
    })
    .onConflict((oc) =>
      oc.columns(['day', 'channel', 'chat_id', 'origin', 'model']).doUpdateSet({
        input_tokens: sql`model_usage.input_tokens + excluded.input_tokens`,
        output_tokens: sql`model_usage.output_tokens + excluded.output_tokens`,
        calls: sql`model_usage.calls + 1`,
      }),
    )
    .execute();
}

/** Tokens (input + output) used on one UTC day, over every chat and origin. */
export async function tokensOnDay(db: Kysely<Database>, day: string): Promise<number> {
  const row = await db
    .selectFrom('model_usage')
    .select((eb) => [eb.fn.sum<string | number>('input_tokens').as('input'), eb.fn.sum<string | number>('output_tokens').as('output')])
    .where('day', '=', day)
    .executeTakeFirst();
  return Number(row?.input ?? 0) + Number(row?.output ?? 0);
}

export interface UsageFigures {
  inputTokens: number;
  outputTokens: number;
  calls: number;
}

export interface UsageReport {
  totals: UsageFigures;
  days: Array<{ date: string; costUsd?: number } & UsageFigures>;
  byChat: Array<{ channel: string; chatId: string } & UsageFigures>;
  byOrigin: Array<{ origin: string } & UsageFigures>;
  byModel: Array<{ model: string; costUsd?: number } & UsageFigures>;
}

function figures(row: { input: unknown; output: unknown; calls: unknown }): UsageFigures {
  return { inputTokens: Number(row.input ?? 0), outputTokens: Number(row.output ?? 0), calls: Number(row.calls ?? 0) };
}

function cost(prices: PriceTable | undefined, model: string, f: UsageFigures): number | undefined {
  const price = prices?.models[model];
  if (!price) return undefined;
  return (f.inputTokens * price.inputPerMillion + f.outputTokens * price.outputPerMillion) / 1_000_000;
}

const roundUsd = (n: number) => Math.round(n * 1e6) / 1e6;

/** The usage report (**contract** shape), newest day first; cost per day where a price is known. */
export async function usageReport(db: Kysely<Database>, options: { prices?: PriceTable; days?: number } = {}): Promise<UsageReport> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one select list for four queries over different joins
  const sums = (eb: any) => [eb.fn.sum('input_tokens').as('input'), eb.fn.sum('output_tokens').as('output'), eb.fn.sum('calls').as('calls')] as const;
  const [totalRow, dayModelRows, chatRows, originRows] = await Promise.all([
    db.selectFrom('model_usage').select(sums).executeTakeFirst(),
    db.selectFrom('model_usage').select(['day', 'model']).select(sums).groupBy(['day', 'model']).orderBy('day', 'desc').execute(),
    db
      .selectFrom('model_usage')
      .select(['channel', 'chat_id'])
      .select(sums)
      .where('chat_id', '!=', '')
      .groupBy(['channel', 'chat_id'])
      .orderBy(sql`sum(input_tokens) + sum(output_tokens)`, 'desc')
      .limit(MAX_USAGE_CHATS)
      .execute(),
    db.selectFrom('model_usage').select('origin').select(sums).groupBy('origin').orderBy('origin').execute(),
  ]);
  const days = new Map<string, UsageReport['days'][number]>();
  const models = new Map<string, UsageReport['byModel'][number]>();
  for (const row of dayModelRows) {
    const f = figures(row as never);
    const c = cost(options.prices, row.model, f);
    const day = days.get(row.day) ?? { date: row.day, inputTokens: 0, outputTokens: 0, calls: 0 };
    day.inputTokens += f.inputTokens;
    day.outputTokens += f.outputTokens;
    day.calls += f.calls;
    if (c !== undefined) day.costUsd = roundUsd((day.costUsd ?? 0) + c);
    days.set(row.day, day);
    const model = models.get(row.model) ?? { model: row.model, inputTokens: 0, outputTokens: 0, calls: 0 };
    model.inputTokens += f.inputTokens;
    model.outputTokens += f.outputTokens;
    model.calls += f.calls;
    if (c !== undefined) model.costUsd = roundUsd((model.costUsd ?? 0) + c);
    models.set(row.model, model);
  }
  return {
    totals: figures((totalRow ?? {}) as never),
    days: [...days.values()].slice(0, options.days ?? MAX_USAGE_DAYS),
    byChat: chatRows.map((r) => ({ channel: r.channel, chatId: r.chat_id, ...figures(r as never) })),
    byOrigin: originRows.map((r) => ({ origin: r.origin, ...figures(r as never) })),
    byModel: [...models.values()],
  };
}
