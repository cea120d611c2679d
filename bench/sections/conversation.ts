/**
 * Conversation bench: what a turn of the offline brain costs through the HTTP API, against
 * the bare Update baseline (the smallest workflow that answers an Update, same worker, same
 * server, measured interleaved in the same run), and how many turns per second 50 chats
 * talking at once get through, with no error.
 *
 * Standalone: `node bin/run-ts.js bench/sections/conversation.ts [--quick]` (uses
 * TEMPORAL_ADDRESS when set, else starts an embedded Temporal) and prints JSON.
 */
import { randomBytes } from 'node:crypto';
import type { MycelProcess } from '../../src/runtime/processes.js';
import type { baselineWorkflow } from '../../src/workflows/baseline.js';
import { echoUpdate, finishSignal, WORKFLOW_TYPES } from '../../src/workflows/definitions.js';
import { distribution, type Distribution } from '../stats.js';
import { startBenchInstance, httpUrlOf } from '../instance.js';

/** Sequential turns (and as many baseline Updates) measured, after the warm-up. */
export const CONVERSATION_BENCH_TURNS = 200;
/** Turns not measured at the start (workflow creation, caches, JIT). */
export const CONVERSATION_BENCH_WARMUP = 20;
/** Chats talking at once in the throughput run, and turns each sends. */
export const CONVERSATION_BENCH_CHATS = 50;
export const CONVERSATION_BENCH_TURNS_PER_CHAT = 10;
/** Target (issue #16): a turn of the offline brain through the API costs at most this many bare Updates. */
export const CONVERSATION_RATIO_TARGET = 1.5;

export interface ConversationBenchResult {
  status: 'ok';
  /** One offline-brain turn: POST /api/chats/{id}/messages → reply. */
  turn: Distribution;
  /** One bare Update round trip (client → workflow → client), same worker and server. */
  bareUpdate: Distribution;
  /** turn median / bare Update median (and the same for p95). */
  ratio: { median: number; p95: number; target: number; met: boolean };
  throughput: {
    chats: number;
    turns: number;
    errors: number;
    seconds: number;
    turnsPerSecond: number;
    latency: Distribution;
  };
}

async function post(url: string, chatId: string, text: string, messageId: string): Promise<{ ok: boolean; ms: number; error?: string }> {
  const started = performance.now();
  try {
    const res = await fetch(`${url}/api/chats/${chatId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text, messageId }),
    });
    const body = (await res.json()) as { reply?: string; error?: string };
    const ms = performance.now() - started;
    return res.ok && body.reply ? { ok: true, ms } : { ok: false, ms, error: body.error ?? `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, ms: performance.now() - started, error: String(err) };
  }
}

/** Measures a running worker + gateway process (its HTTP API and its Temporal client). */
export async function measureConversation(proc: MycelProcess, options: { quick?: boolean } = {}): Promise<ConversationBenchResult> {
  const url = httpUrlOf(proc);
  const client = proc.client;
  const taskQueue = proc.config.temporal.taskQueue;
  const turns = options.quick ? 40 : CONVERSATION_BENCH_TURNS;
  const perChat = options.quick ? 4 : CONVERSATION_BENCH_TURNS_PER_CHAT;
  const run = randomBytes(3).toString('hex');

  const baseline = await client.workflow.start<typeof baselineWorkflow>(WORKFLOW_TYPES.baseline, { taskQueue, workflowId: `bench-baseline-${run}` });
  const chatId = `bench-${run}`;
  const turnMs: number[] = [];
  const updateMs: number[] = [];
  try {
    // Interleaved, so both see the same machine load.
    for (let i = 0; i < turns + CONVERSATION_BENCH_WARMUP; i += 1) {
      const t0 = performance.now();
      await baseline.executeUpdate(echoUpdate, { args: [`ping ${i}`] });
      const t1 = performance.now();
      const turn = await post(url, chatId, '/start', `seq-${i}`);
      if (!turn.ok) throw new Error(`turn ${i} failed: ${turn.error}`);
      if (i >= CONVERSATION_BENCH_WARMUP) {
        updateMs.push(t1 - t0);
        turnMs.push(turn.ms);
      }
    }
  } finally {
    await baseline.signal(finishSignal).catch(() => undefined);
  }

  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONVERSATION_BENCH_CHATS }, async (_, c) => {
      for (let i = 0; i < perChat; i += 1) {
        const result = await post(url, `bench-${run}-load-${c}`, i % 2 ? '/help' : '/start', `load-${c}-${i}`);
        if (result.ok) latencies.push(result.ms);
        else errors += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;

  const turn = distribution(turnMs);
  const bareUpdate = distribution(updateMs);
  const ratio = Math.round((turn.medianMs / bareUpdate.medianMs) * 100) / 100;
  return {
    status: 'ok',
    turn,
    bareUpdate,
    ratio: { median: ratio, p95: Math.round((turn.p95Ms / bareUpdate.p95Ms) * 100) / 100, target: CONVERSATION_RATIO_TARGET, met: ratio <= CONVERSATION_RATIO_TARGET },
    throughput: {
      chats: CONVERSATION_BENCH_CHATS,
      turns: latencies.length,
      errors,
      seconds: Math.round(seconds * 100) / 100,
      turnsPerSecond: Math.round((latencies.length / seconds) * 10) / 10,
      latency: distribution(latencies),
    },
  };
}


/** Bench section entry: uses the running instance's Temporal when given, else an embedded one. */
const section = {
  name: 'conversation',
  description: `conversation: offline-brain turn through the HTTP API against a bare Update (median, p95; target ≤ ${CONVERSATION_RATIO_TARGET}x), throughput of ${CONVERSATION_BENCH_CHATS} chats at once`,
  async run(ctx: { temporalAddress?: string; quick?: boolean } = {}): Promise<ConversationBenchResult> {
    const instance = await startBenchInstance('conversation', ctx.temporalAddress, { env: { MYCEL_MODEL: 'offline' } });
    try {
      return await measureConversation(instance.proc, { quick: ctx.quick });
    } finally {
      await instance.dispose();
    }
  },
};

export default section;

async function standalone(): Promise<void> {
  const result = await section.run({ quick: process.argv.includes('--quick'), temporalAddress: process.env.TEMPORAL_ADDRESS });
  console.log(JSON.stringify(result, null, 2));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) await standalone();
