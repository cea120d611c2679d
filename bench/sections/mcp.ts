/**
 * MCP bench: what the gate costs on an MCP tool call. In the same run and process, against
 * two stdio processes of the same reference server (`@modelcontextprotocol/server-everything`):
 * - direct: the official SDK's `Client.callTool('echo')`, nothing else;
 * - gated: `mcp.everything.echo` through the gate (`ToolExecutor.execute`: schema check with
 *   the tool's JSON Schema, policy, the call over Mycel's connection, the audit record in SQLite);
 * - gatedAtMostOnce: `mcp.everything.toggle-simulated-logging`, annotated not idempotent, so
 *   the call is also recorded as running before it is sent (one more database write).
 * Interleaved calls, median and p95 of each, and the ratio of medians.
 *
 * Standalone: `node bin/run-ts.js bench/sections/mcp.ts [--quick]` prints JSON.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client as TemporalClient } from '@temporalio/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { ActivityDeps } from '../../src/deps/activity-deps.js';
import { OutboundChannels } from '../../src/channels/outbound.js';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/logging/logger.js';
import { stdioEnvironment } from '../../src/mcp/client/connection.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';
import { openMigratedDatabase } from '../../src/storage/database.js';
import { defaultPolicy } from '../../src/tools/policy.js';
import { createToolRuntime } from '../../src/tools/runtime.js';
import { pipelineRuntimeFromConfig } from '../../src/pipelines/runtime.js';
import { distribution, type Distribution } from '../stats.js';

/** Calls measured per variant (after WARMUP calls of each). */
export const MCP_BENCH_CALLS = 200;
const WARMUP = 20;

export interface McpBenchResult {
  direct: Distribution;
  gated: Distribution;
  gatedAtMostOnce: Distribution;
  /** gated median / direct median. */
  ratio: number;
  /** gated median − direct median, in ms: the gate's own cost. */
  overheadMs: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

async function measure(calls: number): Promise<McpBenchResult> {
  const everything = path.join(PACKAGE_ROOT, 'node_modules/.bin/mcp-server-everything');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-bench-mcp-'));
  writeFileSync(path.join(dataDir, 'mcp.json'), JSON.stringify({ mcpServers: { everything: { command: everything } } }));
  writeFileSync(path.join(dataDir, 'tools-policy.json'), JSON.stringify({ ...defaultPolicy(), tools: { 'mcp.everything.*': 'allow' } }));
  const config = loadConfig({ MYCEL_DATA_DIR: dataDir, MYCEL_LOG_LEVEL: 'silent' });
  const store = await openMigratedDatabase(config.databaseUrl);
  // An allowed call never reaches Temporal (only `ask` starts an approval workflow).
  const deps: ActivityDeps = { config, store, logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), temporal: undefined as unknown as TemporalClient, outbound: new OutboundChannels() };
  const tools = createToolRuntime(deps, pipelineRuntimeFromConfig(deps));
  const direct = new Client({ name: 'mycel-bench', version: '0.1.0' });
  try {
    const { executor, mcp } = tools;
    await direct.connect(new StdioClientTransport({ command: everything, env: stdioEnvironment({ env: {} }), stderr: 'ignore' }));
    if (!(await mcp.ready(30_000))) throw new Error('the gated server did not connect');
    const runDirect = async () => {
      const result = await direct.callTool({ name: 'echo', arguments: { message: 'bench' } });
      if (result.isError) throw new Error('the direct call failed');
    };
    const runGated = (tool: string, input: unknown) => async (i: number) => {
      const outcome = await executor.execute(
        { tool, input },
        { chat: { channel: 'web', chatId: 'bench-mcp' }, userId: 'bench', turnKey: `bench-mcp:${tool}:${i}`, callId: `bench-mcp:${tool}:${i}#0.0`, timeZone: 'UTC', now: new Date().toISOString() },
      );
      if (outcome.status !== 'ok') throw new Error(`the gated call did not run: ${outcome.error}`);
    };
    const variants: Array<[string, (i: number) => Promise<void>]> = [
      ['direct', runDirect],
      ['gated', runGated('mcp.everything.echo', { message: 'bench' })],
      ['gatedAtMostOnce', runGated('mcp.everything.toggle-simulated-logging', {})],
    ];
    const samples: Record<string, number[]> = { direct: [], gated: [], gatedAtMostOnce: [] };
    // Rotating order, so that drift of a noisy machine hits every variant alike.
    for (let i = -WARMUP; i < calls; i++) {
      const offset = ((i % 3) + 3) % 3;
      for (let k = 0; k < variants.length; k++) {
        const [name, run] = variants[(k + offset) % variants.length]!;
        const t0 = performance.now();
        await run(i + WARMUP);
        if (i >= 0) samples[name]!.push(performance.now() - t0);
      }
    }
    const d = distribution(samples.direct!);
    const g = distribution(samples.gated!);
    return { direct: d, gated: g, gatedAtMostOnce: distribution(samples.gatedAtMostOnce!), ratio: round(g.medianMs / d.medianMs), overheadMs: round(g.medianMs - d.medianMs) };
  } finally {
    await direct.close().catch(() => undefined);
    await tools.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const section = {
  name: 'mcp',
  description: 'mcp: an MCP tool call (server-everything, stdio) through the gate against a direct call with the official SDK',
  async run(ctx: { quick?: boolean }): Promise<McpBenchResult> {
    return measure(ctx.quick ? 50 : MCP_BENCH_CALLS);
  },
};

export default section;

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  console.log(JSON.stringify(await section.run({ quick: process.argv.includes('--quick') }), null, 2));
}
