/**
 * Streaming bench: a model turn through `POST /api/chats/{id}/messages` against a local
 * OpenAI-compatible stand-in that streams its answer at a fixed rate (STREAM_BENCH_CHUNK_CHARS
 * characters every STREAM_BENCH_CHUNK_MS). Measures, with `Accept: text/event-stream`, the time
 * to the first `delta` and to the `reply`; and, interleaved in the same run, the plain JSON
 * turn, so the overhead of streaming over the plain turn is read off the same load.
 *
 * Standalone: `node bin/run-ts.js bench/sections/streaming.ts [--quick]` (uses
 * TEMPORAL_ADDRESS when set, else starts an embedded Temporal) and prints JSON.
 */
import { randomBytes } from 'node:crypto';
import { readEventStream } from '../../src/api/client.js';
import { startOpenAIStandIn } from '../../test/support/openai-stand-in.js';
import { startBenchInstance, httpUrlOf } from '../instance.js';
import { distribution, type Distribution } from '../stats.js';

/** Pairs (streamed + plain turn) measured after the warm-up. */
export const STREAM_BENCH_TURNS = 40;
export const STREAM_BENCH_WARMUP = 5;
/** The stand-in's pace: this many characters every this many milliseconds. */
export const STREAM_BENCH_CHUNK_CHARS = 8;
export const STREAM_BENCH_CHUNK_MS = 20;
/** The message; the stand-in answers "You said: <message>" (about 16 chunks, 300 ms of streaming). */
const MESSAGE = 'please answer with a reply long enough to stream in parts, at a steady rate';

export interface StreamingBenchResult {
  status: 'ok';
  pace: { chunkChars: number; chunkMs: number; chunks: number; streamMs: number };
  /** Streamed turn: first delta after the POST, and the reply event. */
  firstDelta: Distribution;
  streamedReply: Distribution;
  /** Plain JSON turn (same model, same stand-in, interleaved). */
  plainReply: Distribution;
  /** streamed reply median / plain reply median; first delta median / plain reply median. */
  overhead: number;
  firstDeltaShare: number;
  deltasPerTurn: number;
}

async function streamed(url: string, chatId: string, messageId: string): Promise<{ firstMs: number; replyMs: number; deltas: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/api/chats/${chatId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ text: MESSAGE, messageId }),
  });
  let firstMs = -1;
  let replyMs = -1;
  let deltas = 0;
  await readEventStream(res.body!, (event) => {
    if (event.event === 'delta') {
      deltas += 1;
      if (firstMs < 0) firstMs = performance.now() - started;
    } else if (event.event === 'reply') replyMs = performance.now() - started;
    else if (event.event === 'error') throw new Error(event.data);
  });
  if (firstMs < 0 || replyMs < 0) throw new Error('the stream ended without a delta and a reply');
  return { firstMs, replyMs, deltas };
}

async function plain(url: string, chatId: string, messageId: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/api/chats/${chatId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: MESSAGE, messageId }),
  });
  const body = (await res.json()) as { reply?: string; error?: string };
  if (!res.ok || !body.reply) throw new Error(body.error ?? `HTTP ${res.status}`);
  return performance.now() - started;
}

const section = {
  name: 'streaming',
  description: `streaming: model turn through the HTTP API with a stand-in streaming ${STREAM_BENCH_CHUNK_CHARS} characters every ${STREAM_BENCH_CHUNK_MS} ms: time to first delta vs whole reply, and the streamed turn against the plain one`,
  async run(ctx: { temporalAddress?: string; quick?: boolean } = {}): Promise<StreamingBenchResult> {
    const standIn = await startOpenAIStandIn({ chunkChars: STREAM_BENCH_CHUNK_CHARS, chunkDelayMs: STREAM_BENCH_CHUNK_MS });
    const instance = await startBenchInstance('streaming', ctx.temporalAddress, { env: { MYCEL_MODEL: 'openai-compatible:stand-in', MYCEL_MODEL_BASE_URL: standIn.baseUrl } });
    try {
      const url = httpUrlOf(instance.proc);
      const run = randomBytes(3).toString('hex');
      const turns = ctx.quick ? 10 : STREAM_BENCH_TURNS;
      const first: number[] = [];
      const whole: number[] = [];
      const plainMs: number[] = [];
      let deltas = 0;
      for (let i = 0; i < turns + STREAM_BENCH_WARMUP; i += 1) {
        // Each turn in a chat of its own: the history (and the prompt) stays the same size.
        const s = await streamed(url, `bench-s-${run}-${i}`, `s-${i}`);
        const p = await plain(url, `bench-p-${run}-${i}`, `p-${i}`);
        if (i < STREAM_BENCH_WARMUP) continue;
        first.push(s.firstMs);
        whole.push(s.replyMs);
        plainMs.push(p);
        deltas += s.deltas;
      }
      const chunks = Math.ceil(`You said: ${MESSAGE}`.length / STREAM_BENCH_CHUNK_CHARS);
      const firstDelta = distribution(first);
      const streamedReply = distribution(whole);
      const plainReply = distribution(plainMs);
      return {
        status: 'ok',
        pace: { chunkChars: STREAM_BENCH_CHUNK_CHARS, chunkMs: STREAM_BENCH_CHUNK_MS, chunks, streamMs: (chunks - 1) * STREAM_BENCH_CHUNK_MS },
        firstDelta,
        streamedReply,
        plainReply,
        overhead: Math.round((streamedReply.medianMs / plainReply.medianMs) * 100) / 100,
        firstDeltaShare: Math.round((firstDelta.medianMs / plainReply.medianMs) * 100) / 100,
        deltasPerTurn: Math.round((deltas / first.length) * 10) / 10,
      };
    } finally {
      await instance.dispose();
      await standIn.close();
    }
  },
};

export default section;

async function standalone(): Promise<void> {
  const result = await section.run({ quick: process.argv.includes('--quick'), temporalAddress: process.env.TEMPORAL_ADDRESS });
  console.log(JSON.stringify(result, null, 2));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) await standalone();
