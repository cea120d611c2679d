/**
 * Memory bench:
 * - recall latency (median, p95) with MEMORY_BENCH_FACTS facts stored in one chat, on SQLite
 *   and (when MYCEL_BENCH_POSTGRES_URL or MYCEL_TEST_POSTGRES_URL is set) on PostgreSQL —
 *   the full-text search that feeds every turn; target p95 < RECALL_P95_TARGET_MS;
 * - the turn overhead with retrieval on: offline turns through the HTTP API in a chat with
 *   that many facts against a chat with none (same instance), median and p95.
 *
 * Standalone: `node bin/run-ts.js bench/sections/memory.ts [--quick]` (uses TEMPORAL_ADDRESS
 * when set, else starts an embedded Temporal) and prints JSON.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { recallFacts } from '../../src/memory/recall.js';
import { factIdFor, retentionExpiry } from '../../src/memory/store.js';
import { subjectOf } from '../../src/memory/text.js';
import type { ChatRef } from '../../src/memory/types.js';
import type { MycelProcess } from '../../src/runtime/processes.js';
import { openMigratedDatabase, type Store } from '../../src/storage/database.js';
import type { baselineWorkflow } from '../../src/workflows/baseline.js';
import { echoUpdate, finishSignal, WORKFLOW_TYPES } from '../../src/workflows/definitions.js';
import { startBenchInstance, httpUrlOf } from '../instance.js';

/** Facts stored in the measured chat. */
export const MEMORY_BENCH_FACTS = 100_000;
/** Recall queries timed per dialect. */
export const MEMORY_BENCH_QUERIES = 300;
/** Turns timed per chat for the turn overhead. */
export const MEMORY_BENCH_TURNS = 40;
/** The recall target of the memory issue. */
export const RECALL_P95_TARGET_MS = 20;
/** Rows per insert statement while seeding. */
const SEED_BATCH = 500;

export interface Distribution {
  runs: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

export interface RecallResult {
  dialect: string;
  status: 'ok' | 'skipped';
  reason?: string;
  facts?: number;
  seedSeconds?: number;
  recall?: Distribution;
  /**
   * CPU time per recall, where it can be measured: per query for SQLite (it runs inside this
   * process), the mean per query for a PostgreSQL server on this machine (its processes' CPU
   * ticks, 10 ms resolution, summed over all queries). Unlike wall time, it does not grow
   * with other load on the machine.
   */
  cpu?: Distribution | { meanMs: number };
  /** Load average (1 min) when the measurement ended, for reading the wall times. */
  loadAverage?: number;
  /** Mean facts returned per query (the limit is the turn's default, 5). */
  meanHits?: number;
  meetsTarget?: boolean;
}

/** CPU ticks (user + system) of every local PostgreSQL process, or undefined when none is visible. */
function postgresCpuMs(): number | undefined {
  let total = 0;
  let found = false;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name !== 'postgres') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += Number(fields[11]) + Number(fields[12]);
      found = true;
    } catch {
      // The process ended meanwhile.
    }
  }
  return found ? (total * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
}

/** Linux's USER_HZ. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface TurnOverheadResult {
  status: 'ok' | 'skipped';
  reason?: string;
  facts?: number;
  /** One bare Update round trip (the conversation bench's baseline), interleaved with the turns. */
  bareUpdate?: Distribution;
  /** An offline turn through the HTTP API in a chat with no memory. */
  emptyChat?: Distribution;
  /** The same turn in a chat with `facts` facts: retrieval ranks real matches every step. */
  fullChat?: Distribution;
  /** Turn median / bare Update median, as the conversation bench reports it, without and with the large memory. */
  ratio?: { empty: number; full: number };
  /** fullChat median − emptyChat median: what retrieval over the large memory adds to a turn. */
  overheadMedianMs?: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function distribution(samples: number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 100) / 100;
  return { runs: sorted.length, medianMs: r(quantile(sorted, 0.5)), p95Ms: r(quantile(sorted, 0.95)), maxMs: r(sorted[sorted.length - 1]!) };
}

/** A small deterministic generator, so every run stores and asks the same things. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PEOPLE = ['sister', 'brother', 'mother', 'father', 'aunt', 'uncle', 'cousin', 'grandmother', 'grandfather', 'niece', 'nephew', 'daughter', 'son', 'wife', 'husband', 'neighbour', 'colleague', 'boss', 'friend', 'landlord'];
const THINGS = ['birthday', 'phone number', 'favourite food', 'car', 'dentist', 'doctor', 'address', 'email', 'favourite colour', 'employer', 'hobby', 'allergy', 'shoe size', 'favourite band', 'gym', 'school', 'dog', 'cat', 'wifi password', 'bank'];
const NAMES = ['Anna', 'Tom', 'Lena', 'Marco', 'Sofia', 'Yuki', 'Omar', 'Priya', 'Jonas', 'Chloe', 'Ivan', 'Nora', 'Felix', 'Mia', 'Diego', 'Hana', 'Leo', 'Zoe', 'Ravi', 'Ines'];
const PLACES = ['Lisbon', 'Berlin', 'Osaka', 'Quito', 'Tallinn', 'Dakar', 'Hobart', 'Bergen', 'Porto', 'Cusco', 'Malmo', 'Galway', 'Bologna', 'Krakow', 'Austin', 'Leeds'];
const FOODS = ['ramen', 'paella', 'falafel', 'pierogi', 'sushi', 'risotto', 'tacos', 'pho', 'curry', 'goulash', 'dumplings', 'tagine'];

function word(next: () => number, list: string[]): string {
  return list[Math.floor(next() * list.length)]!;
}

/** The i-th synthetic fact: realistic phrasings over a shared vocabulary, plus a rare token. */
export function syntheticFact(i: number): string {
  const next = rng(i * 7919 + 17);
  const token = (i * 2654435761 >>> 0).toString(36);
  switch (i % 6) {
    case 0:
      return `my ${word(next, PEOPLE)}'s ${word(next, THINGS)} is ${word(next, NAMES)} ${token}`;
    case 1:
      return `${word(next, NAMES)}'s ${word(next, THINGS)} is ${token} in ${word(next, PLACES)}`;
    case 2:
      return `I like ${word(next, FOODS)} from the place near ${word(next, PLACES)} (${token})`;
    case 3:
      return `the ${word(next, THINGS)} of my ${word(next, PEOPLE)} changed to ${token}`;
    case 4:
      return `my ${word(next, PEOPLE)} ${word(next, NAMES)} lives in ${word(next, PLACES)}, code ${token}`;
    default:
      return `remember the ${word(next, FOODS)} recipe from ${word(next, NAMES)}: ${token}`;
  }
}

/** Questions a person would ask, over the same vocabulary (some with no answer). */
export function syntheticQuestion(i: number): string {
  const next = rng(i * 104729 + 3);
  switch (i % 5) {
    case 0:
      return `When is my ${word(next, PEOPLE)}'s birthday?`;
    case 1:
      return `What is ${word(next, NAMES)}'s ${word(next, THINGS)}?`;
    case 2:
      return `Where does my ${word(next, PEOPLE)} live?`;
    case 3:
      return `do you remember the ${word(next, FOODS)} place in ${word(next, PLACES)}?`;
    default:
      return `what was the code ${(i * 2654435761 >>> 0).toString(36)}?`;
  }
}

/** Stores `count` facts in `chat` in bulk (the same rows `rememberFact` writes, without its checks). */
export async function seedFacts(store: Store, chat: ChatRef, count: number, offset = 0): Promise<void> {
  const at = new Date().toISOString();
  for (let start = 0; start < count; start += SEED_BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + SEED_BATCH); i++) {
      const text = syntheticFact(offset + i);
      const sv = subjectOf(text);
      const writeKey = `bench:${chat.channel}:${chat.chatId}:${offset + i}`;
      rows.push({
        id: factIdFor(writeKey),
        write_key: writeKey,
        channel: chat.channel,
        chat_id: chat.chatId,
        user_id: 'bench',
        text,
        kind: 'fact',
        subject: sv?.subject ?? null,
        value: sv?.value ?? null,
        confidence: 0.9,
        source: 'api',
        provenance: JSON.stringify({ channel: chat.channel, chatId: chat.chatId, userId: 'bench', updateId: null, workflowId: null, runId: null, callId: writeKey, at, sourceText: text, source: 'api' }),
        retention: 'standard',
        expires_at: retentionExpiry('standard', at),
        valid_from: at,
        valid_to: null,
        closed_by: null,
        created_at: at,
      });
    }
    await store.db.insertInto('memory_facts').values(rows).execute();
  }
}

async function postgresDatabase(base: string): Promise<{ url: string; dispose(): Promise<void> }> {
  const name = `mycel_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async dispose() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Recall latency on one database URL, with `facts` facts in the measured chat. */
export async function measureRecall(url: string, dialect: string, facts = MEMORY_BENCH_FACTS, queries = MEMORY_BENCH_QUERIES): Promise<RecallResult> {
  const store = await openMigratedDatabase(url);
  try {
    const chat: ChatRef = { channel: 'web', chatId: 'bench-memory' };
    const seeded = performance.now();
    await seedFacts(store, chat, facts);
    // Another chat's facts share the index, as in a real instance.
    await seedFacts(store, { channel: 'web', chatId: 'bench-other' }, Math.round(facts / 10), facts);
    // Fresh statistics, as autovacuum would have gathered them on a live server.
    await sql`ANALYZE memory_facts`.execute(store.db);
    const seedSeconds = Math.round((performance.now() - seeded) / 100) / 10;
    for (let i = 0; i < 20; i++) await recallFacts({ store }, chat, syntheticQuestion(i));
    const samples: number[] = [];
    const cpuSamples: number[] = [];
    let hits = 0;
    const serverCpuBefore = store.capabilities.name === 'postgres' ? postgresCpuMs() : undefined;
    for (let i = 0; i < queries; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const found = await recallFacts({ store }, chat, syntheticQuestion(1_000 + i));
      samples.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuSamples.push((c.user + c.system) / 1000);
      hits += found.length;
    }
    const serverCpuAfter = store.capabilities.name === 'postgres' ? postgresCpuMs() : undefined;
    const cpu =
      store.capabilities.name === 'sqlite'
        ? distribution(cpuSamples)
        : serverCpuBefore !== undefined && serverCpuAfter !== undefined
          ? { meanMs: Math.round(((serverCpuAfter - serverCpuBefore) / queries) * 100) / 100 }
          : undefined;
    const recall = distribution(samples);
    return {
      dialect,
      status: 'ok',
      facts,
      seedSeconds,
      recall,
      ...(cpu ? { cpu } : {}),
      loadAverage: Math.round(os.loadavg()[0]! * 10) / 10,
      meanHits: Math.round((hits / queries) * 10) / 10,
      meetsTarget: recall.p95Ms < RECALL_P95_TARGET_MS,
    };
  } finally {
    await store.close();
  }
}

/** Recall on SQLite, and on PostgreSQL when a server is configured. */
export async function measureRecallAllDialects(facts = MEMORY_BENCH_FACTS, queries = MEMORY_BENCH_QUERIES): Promise<RecallResult[]> {
  const results: RecallResult[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-bench-memory-'));
  try {
    results.push(await measureRecall(`sqlite:${path.join(dir, 'bench.db')}`, 'sqlite', facts, queries));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = process.env.MYCEL_BENCH_POSTGRES_URL ?? process.env.MYCEL_TEST_POSTGRES_URL;
  if (!base) {
    results.push({ dialect: 'postgres', status: 'skipped', reason: 'set MYCEL_BENCH_POSTGRES_URL (or MYCEL_TEST_POSTGRES_URL) to a server where a database can be created' });
  } else {
    const db = await postgresDatabase(base);
    try {
      results.push(await measureRecall(db.url, 'postgres', facts, queries));
    } finally {
      await db.dispose();
    }
  }
  return results;
}

/**
 * The conversation bench's figure with retrieval on: offline turns through the HTTP API,
 * interleaved with bare Updates (the same baseline), in a chat whose memory holds `facts`
 * facts (seeded straight into the instance's database) and in an empty chat. The messages
 * are plain sentences over the facts' vocabulary: retrieval ranks real matches on every
 * step, and the offline brain answers with its fallback (no tool calls).
 */
export async function measureTurnOverhead(proc: MycelProcess, facts = MEMORY_BENCH_FACTS, turns = MEMORY_BENCH_TURNS): Promise<TurnOverheadResult> {
  const httpUrl = httpUrlOf(proc);
  const suffix = randomBytes(3).toString('hex');
  const full: ChatRef = { channel: 'web', chatId: `bench-full-${suffix}` };
  const empty: ChatRef = { channel: 'web', chatId: `bench-empty-${suffix}` };
  await seedFacts(proc.store, full, facts);
  const send = async (chat: ChatRef, i: number): Promise<number> => {
    const next = rng(i + 11);
    const text = `thinking about the ${word(next, PEOPLE)} and ${word(next, NAMES)} in ${word(next, PLACES)} today`;
    const t0 = performance.now();
    const res = await fetch(`${httpUrl}/api/chats/${chat.chatId}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
    if (res.status !== 200) throw new Error(`turn failed with HTTP ${res.status}: ${await res.text()}`);
    await res.json();
    return performance.now() - t0;
  };
  const baseline = await proc.client.workflow.start<typeof baselineWorkflow>(WORKFLOW_TYPES.baseline, { taskQueue: proc.config.temporal.taskQueue, workflowId: `bench-memory-baseline-${suffix}` });
  const fullSamples: number[] = [];
  const emptySamples: number[] = [];
  const updateSamples: number[] = [];
  try {
    for (let i = 0; i < turns + TURN_WARMUP; i++) {
      const t0 = performance.now();
      await baseline.executeUpdate(echoUpdate, { args: [`ping ${i}`] });
      const update = performance.now() - t0;
      const f = await send(full, i);
      const e = await send(empty, i);
      if (i < TURN_WARMUP) continue;
      updateSamples.push(update);
      fullSamples.push(f);
      emptySamples.push(e);
    }
  } finally {
    await baseline.signal(finishSignal).catch(() => undefined);
  }
  const bareUpdate = distribution(updateSamples);
  const fullChat = distribution(fullSamples);
  const emptyChat = distribution(emptySamples);
  const r = (n: number) => Math.round(n * 100) / 100;
  return {
    status: 'ok',
    facts,
    bareUpdate,
    emptyChat,
    fullChat,
    ratio: { empty: r(emptyChat.medianMs / bareUpdate.medianMs), full: r(fullChat.medianMs / bareUpdate.medianMs) },
    overheadMedianMs: r(fullChat.medianMs - emptyChat.medianMs),
  };
}

/** Turns not measured at the start (workflow creation, caches). */
const TURN_WARMUP = 5;


export interface MemoryBenchResult {
  recall: RecallResult[];
  turnOverhead: TurnOverheadResult;
}

/** Bench section entry: uses the running instance's Temporal when given, else an embedded one. */
const section = {
  name: 'memory',
  description: `memory: recall latency with ${MEMORY_BENCH_FACTS.toLocaleString('en')} facts in one chat (SQLite, PostgreSQL; target p95 < ${RECALL_P95_TARGET_MS} ms), and the turn overhead with retrieval on`,
  async run(ctx: { temporalAddress?: string; quick?: boolean } = {}): Promise<MemoryBenchResult> {
    const facts = ctx.quick ? 10_000 : MEMORY_BENCH_FACTS;
    const recall = await measureRecallAllDialects(facts, ctx.quick ? 100 : MEMORY_BENCH_QUERIES);
    const instance = await startBenchInstance('memory', ctx.temporalAddress, { env: { MYCEL_MODEL: 'offline' } });
    try {
      return { recall, turnOverhead: await measureTurnOverhead(instance.proc, facts, ctx.quick ? 15 : MEMORY_BENCH_TURNS) };
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
