import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ActivityDeps } from '../deps/activity-deps.js';
import { silentLogger } from '../logging/logger.js';
import type { Store } from '../storage/database.js';
import { freshStore, testDialects } from '../../test/support/databases.js';
import { recordAudit } from './audit.js';
import { NOT_RUN_AGAIN, ToolExecutor } from './executor.js';
import { defaultPolicy } from './policy.js';
import { PolicyProvider } from './policy-provider.js';
import { ToolRegistry } from './registry.js';
import { defineTool, type ToolContext } from './types.js';

let n = 0;
function ctx(callId?: string): ToolContext {
  n += 1;
  return { chat: { channel: 'web', chatId: 'executor-test' }, userId: 'owner', turnKey: `web:t:${n}`, callId: callId ?? `web:t:${n}#0.0`, timeZone: 'UTC', now: new Date().toISOString() };
}

describe.each(testDialects())('a tool that must run at most once, on $name', (dialect) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let executor: ToolExecutor;
  const sent: string[] = [];

  beforeAll(async () => {
    ({ store, dispose } = await freshStore(dialect));
    const policyFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'mycel-executor-')), 'tools-policy.json');
    writeFileSync(policyFile, JSON.stringify({ ...defaultPolicy(), tools: { 'mcp.remote.*': 'allow' } }));
    const registry = new ToolRegistry();
    registry.addSource(() => [
      defineTool({
        id: 'mcp.remote.send',
        description: 'sends something somewhere (not idempotent)',
        input: z.object({ text: z.string() }),
        policy: 'ask',
        atMostOnce: true,
        async run(input) {
          sent.push(input.text);
          if (input.text === 'fail') throw new Error('the server said no');
          return { kind: 'mcp', server: 'remote', tool: 'send', text: `sent ${input.text}`, truncated: false };
        },
      }),
    ]);
    const deps = { store, logger: silentLogger() } as unknown as ActivityDeps;
    executor = new ToolExecutor(deps, registry, new PolicyProvider(policyFile));
  });
  afterAll(async () => dispose?.());

  it('sends the call once; a retry of the same call id gets the recorded outcome', async () => {
    const c = ctx();
    const first = await executor.execute({ tool: 'mcp.remote.send', input: { text: 'hello' } }, c);
    const again = await executor.execute({ tool: 'mcp.remote.send', input: { text: 'hello' } }, c);
    expect(first).toMatchObject({ status: 'ok', output: { text: 'sent hello' } });
    expect(again.status).toBe('ok');
    expect(String(again.output)).toContain('sent hello');
    expect(sent.filter((t) => t === 'hello')).toHaveLength(1);
  });

  it('does not send again a call recorded as running (the worker stopped mid-call): it says so', async () => {
    const c = ctx();
    await recordAudit(store, { callId: c.callId, channel: 'web', chatId: 'executor-test', tool: 'mcp.remote.send', decision: 'allowed', input: { text: 'in flight' }, outcome: 'running' });
    const outcome = await executor.execute({ tool: 'mcp.remote.send', input: { text: 'in flight' } }, c);
    expect(outcome).toMatchObject({ status: 'error', error: NOT_RUN_AGAIN });
    expect(sent).not.toContain('in flight');
  });

  it('records a failure under the call id, and a retry reports it without sending again', async () => {
    const c = ctx();
    const first = await executor.execute({ tool: 'mcp.remote.send', input: { text: 'fail' } }, c);
    const again = await executor.execute({ tool: 'mcp.remote.send', input: { text: 'fail' } }, c);
    expect(first).toMatchObject({ status: 'error', error: 'the server said no' });
    expect(again).toMatchObject({ status: 'error', error: 'the server said no' });
    expect(sent.filter((t) => t === 'fail')).toHaveLength(1);
  });

  it('uses the policy\'s per-server wildcard for a tool from a source', async () => {
    const outcome = await executor.execute({ tool: 'mcp.remote.send', input: { text: 'allowed by mcp.remote.*' } }, ctx());
    expect(outcome.status).toBe('ok');
  });
});
