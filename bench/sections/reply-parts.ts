/**
 * Reply parts across processes: how long a part published by a worker's `SharedReplyStreams`
 * takes to reach a follower on another connection to the same database (a gateway), for
 * each dialect's transport: SQLite's table polled every REPLY_PARTS_POLL_MS, PostgreSQL's
 * LISTEN/NOTIFY (when MYCEL_BENCH_POSTGRES_URL or MYCEL_TEST_POSTGRES_URL names a server).
 * One part at a time, each waited for, after a random pause (out of step with the polls),
 * after a warm-up.
 *
 * Standalone: `node bin/run-ts.js bench/sections/reply-parts.ts [--quick]` prints JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { replyTransportFor, SharedReplyStreams } from '../../src/conversation/reply-streams/index.js';
import { REPLY_PARTS_POLL_MS } from '../../src/conversation/reply-streams/table-poll.js';
import { silentLogger } from '../../src/logging/logger.js';
import { openMigratedDatabase } from '../../src/storage/database.js';
import { distribution, type Distribution } from '../stats.js';

export const REPLY_PARTS_BENCH_PARTS = 200;
const WARMUP = 10;

export interface ReplyPartsBenchResult {
  status: 'ok';
  dialects: Array<{ dialect: string; publishToFollower: Distribution }>;
}

async function measure(url: string, parts: number): Promise<Distribution> {
  const writerStore = await openMigratedDatabase(url);
  const readerStore = await openMigratedDatabase(url);
  const writer = new SharedReplyStreams(silentLogger());
  const reader = new SharedReplyStreams(silentLogger());
  // The follower's poll timer does not hold the process open (a gateway's server does).
  const keepAlive = setInterval(() => undefined, 1_000);
  try {
    await writer.start(replyTransportFor(writerStore, url, silentLogger()), { follow: false });
    await reader.start(replyTransportFor(readerStore, url, silentLogger()), { follow: true });
    const chat = { channel: 'web' as const, chatId: 'bench' };
    const samples: number[] = [];
    for (let i = 0; i < parts + WARMUP; i += 1) {
      // A random pause, so that publishing is not in step with the follower's polls.
      await new Promise((r) => setTimeout(r, Math.random() * REPLY_PARTS_POLL_MS));
      const started = performance.now();
      const received = new Promise<void>((resolve) => {
        const stop = reader.subscribe(chat, () => {
          stop();
          resolve();
        });
      });
      writer.publish({ chat, turnKey: `t${i}`, event: { type: 'delta', text: `part ${i} of a reply ` } });
      await received;
      if (i >= WARMUP) samples.push(performance.now() - started);
    }
    return distribution(samples);
  } finally {
    clearInterval(keepAlive);
    await writer.close();
    await reader.close();
    await writerStore.close();
    await readerStore.close();
  }
}

const section = {
  name: 'reply-parts',
  description: 'reply parts from a worker to a gateway through the database: publish → follower, per dialect',
  async run(ctx: { quick?: boolean } = {}): Promise<ReplyPartsBenchResult> {
    const parts = ctx.quick ? 40 : REPLY_PARTS_BENCH_PARTS;
    const dialects: ReplyPartsBenchResult['dialects'] = [];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-bench-parts-'));
    try {
      dialects.push({ dialect: 'sqlite', publishToFollower: await measure(`sqlite:${path.join(dir, 'parts.db')}`, parts) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const server = process.env.MYCEL_BENCH_POSTGRES_URL ?? process.env.MYCEL_TEST_POSTGRES_URL;
    if (server) {
      const name = `mycel_bench_parts_${process.pid}`;
      const admin = new pg.Client({ connectionString: server });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      try {
        const url = new URL(server);
        url.pathname = `/${name}`;
        dialects.push({ dialect: 'postgres', publishToFollower: await measure(url.toString(), parts) });
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      }
    }
    return { status: 'ok', dialects };
  },
};

export default section;

async function standalone(): Promise<void> {
  console.log(JSON.stringify(await section.run({ quick: process.argv.includes('--quick') }), null, 2));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) await standalone();
