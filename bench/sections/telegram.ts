/**
 * Telegram bench: end-to-end turn latency through the Telegram channel — a message put
 * into the local stand-in Bot API until the reply arrives back at it (long poll → inbox
 * commit → dispatcher → Update-with-Start → offline brain → recorded turn → reply sent,
 * rate limiter included) — against the HTTP API's turn (POST /api/chats/{id}/messages until
 * its answer) in the same instance, same run, median and p95, and their ratio.
 *
 * The section starts its own instance (embedded Temporal, a temporary data dir, a bot
 * token pointed at the stand-in), because the Telegram channel needs a Bot API to talk to.
 * Turns go round-robin over several chats so Telegram's one-message-a-second per chat
 * does not set the pace: what is measured is Mycel's own latency.
 *
 * Standalone: `node bin/run-ts.js bench/sections/telegram.ts [--turns N]` prints JSON.
 */
import { httpUrlOf } from '../instance.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { START_PARTS, startProcess } from '../../src/runtime/processes.js';
import { TelegramStandIn } from '../../test/support/telegram-server.js';

/** Turns timed per channel unless told otherwise. */
export const TELEGRAM_BENCH_TURNS = 40;
/** Chats the turns rotate over (more than a second's worth of turns apart per chat). */
export const TELEGRAM_BENCH_CHATS = 12;

export interface Distribution {
  runs: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
}

export interface TelegramBenchResult {
  status: 'ok' | 'skipped';
  reason?: string;
  turns?: number;
  chats?: number;
  /** Stand-in receives the user's message → stand-in receives the bot's reply. */
  telegram?: Distribution;
  /** POST /api/chats/{id}/messages → its JSON answer, same instance. */
  http?: Distribution;
  /** telegram ÷ http, for the median and for p95. */
  ratio?: { median: number; p95: number };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function distribution(samples: number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 10) / 10;
  return { runs: sorted.length, medianMs: r(quantile(sorted, 0.5)), p95Ms: r(quantile(sorted, 0.95)), minMs: r(sorted[0]!), maxMs: r(sorted.at(-1)!) };
}

/** Starts a stand-in Bot API and a whole Mycel wired to it, measures both channels, stops both. */
export async function measureTelegramTurns(turns = TELEGRAM_BENCH_TURNS, chats = TELEGRAM_BENCH_CHATS): Promise<TelegramBenchResult> {
  const tg = await TelegramStandIn.start();
  const owners = Array.from({ length: chats }, (_, i) => 4_200_000 + i);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-bench-telegram-'));
  const config = loadConfig({
    ...process.env,
    MYCEL_DATA_DIR: dataDir,
    MYCEL_HTTP_PORT: '0',
    MYCEL_DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    MYCEL_LOG_LEVEL: 'warn',
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    TELEGRAM_MODE: 'polling',
    MYCEL_OWNER_TELEGRAM_IDS: owners.join(','),
  });
  const proc = await startProcess(config, createLogger({ level: 'warn', pretty: false }), START_PARTS);
  try {
    const url = httpUrlOf(proc);
    const post = async (chat: string, text: string, messageId: string) => {
      const res = await fetch(`${url}/api/chats/${chat}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, messageId }) });
      if (res.status !== 200) throw new Error(`HTTP turn answered ${res.status}: ${await res.text()}`);
      await res.json();
    };
    const telegramTurn = async (owner: number, text: string) => {
      const since = tg.sent.length;
      const started = performance.now();
      tg.injectMessage({ from: tg.user(owner), text });
      await tg.waitFor(() => tg.sent.slice(since).some((m) => m.chat.id === owner) || undefined, 60_000, `the reply in chat ${owner}`);
      return performance.now() - started;
    };

    // Warm-up: every chat's workflow exists, the worker's caches are hot.
    for (const owner of owners) await telegramTurn(owner, '/start');
    for (const [i] of owners.entries()) await post(`bench-http-${i}`, '/start', `warm-${i}`);

    const telegram: number[] = [];
    const http: number[] = [];
    for (let n = 0; n < turns; n += 1) {
      const i = n % chats;
      // Alternate the channels so both see the same conditions.
      telegram.push(await telegramTurn(owners[i]!, `how are you ${n}?`));
      const started = performance.now();
      await post(`bench-http-${i}`, `how are you ${n}?`, `m-${n}`);
      http.push(performance.now() - started);
    }
    const t = distribution(telegram);
    const h = distribution(http);
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    return { status: 'ok', turns, chats, telegram: t, http: h, ratio: { median: ratio(t.medianMs, h.medianMs), p95: ratio(t.p95Ms, h.p95Ms) } };
  } finally {
    await proc.lifecycle.stop();
    await tg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Bench section entry: self-contained (it needs its own instance wired to the stand-in Bot API). */
export default {
  name: 'telegram',
  description: 'telegram: end-to-end turn latency through the stand-in Bot API (median, p95) and its ratio to the HTTP API turn',
  run: async (ctx: { quick?: boolean } = {}): Promise<TelegramBenchResult> => measureTelegramTurns(ctx.quick ? 10 : TELEGRAM_BENCH_TURNS),
};

async function standalone(): Promise<void> {
  const i = process.argv.indexOf('--turns');
  const turns = i > 0 ? Number(process.argv[i + 1]) : TELEGRAM_BENCH_TURNS;
  console.log(JSON.stringify(await measureTelegramTurns(turns), null, 2));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) await standalone();
