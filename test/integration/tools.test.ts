import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../src/deps/activity-deps.js';
import { listMessages } from '../../src/conversation/transcript.js';
import { defaultPolicy } from '../../src/tools/policy.js';
import type { ToolContext } from '../../src/tools/types.js';
import { ownToolRuntime, startTestMycel, type TestMycel } from '../support/harness.js';
import type { ToolRuntime } from '../../src/tools/runtime.js';
import { waitFor } from '../support/wait.js';

let mycel: TestMycel;
let deps: ActivityDeps;
let n = 0;

function ctx(): ToolContext {
  n += 1;
  return {
    chat: { channel: 'web', chatId: 'tools-test' },
    userId: 'owner',
    turnKey: `web:test:${n}`,
    callId: `web:test:${n}#0.0`,
    timeZone: 'UTC',
    now: new Date().toISOString(),
  };
}


let tools: ToolRuntime | undefined;
/** The test's own tools, built once when first used (after the policy file is written). */
const toolRuntime = (): ToolRuntime => (tools ??= ownToolRuntime(deps));

beforeAll(async () => {
  mycel = await startTestMycel();
  deps = mycel.activityDeps;
  // A short approval timeout for the expiry case.
  writeFileSync(mycel.config.toolsPolicyPath, JSON.stringify({ ...defaultPolicy(), approvalTimeoutSeconds: 3 }, null, 2));
});

afterAll(async () => {
  await mycel?.stop();
});

describe('the tool gate', () => {
  it('runs an allowed command in the sandbox and audits it', async () => {
    const { executor } = toolRuntime();
    const c = ctx();
    const outcome = await executor.execute({ tool: 'shell', input: { command: 'echo hello sandbox' } }, c);
    expect(outcome).toMatchObject({ status: 'ok', output: { output: 'hello sandbox\n', exitCode: 0 } });
    const audit = await mycel.api('/api/audit');
    expect(audit.body[0]).toMatchObject({ chatId: 'tools-test', tool: 'shell', decision: 'allowed', input: { command: 'echo hello sandbox' } });
  });

  it('refuses forbidden commands and metacharacter tricks, runs nothing, audits each', async () => {
    const { executor, policy } = toolRuntime();
    const victim = path.join(policy.get().sandboxPath, 'keep.txt');
    writeFileSync(victim, 'keep');
    for (const command of ['rm keep.txt', 'echo x; rm keep.txt', 'ls && rm keep.txt', 'cat keep.txt | rm keep.txt', 'echo `rm keep.txt`', 'echo $(rm keep.txt)', 'echo x > keep.txt', 'cat ../../etc/passwd']) {
      const outcome = await executor.execute({ tool: 'shell', input: { command } }, ctx());
      expect(outcome.status, command).toBe('refused');
    }
    expect(existsSync(victim)).toBe(true);
    const audit = await mycel.api('/api/audit?limit=8');
    expect(audit.body.map((r: { decision: string }) => r.decision)).toEqual(Array(8).fill('refused'));
  });

  it('redacts secrets in the audit trail', async () => {
    const { executor } = toolRuntime();
    await executor.execute({ tool: 'shell', input: { command: 'echo token=abc123secret' } }, ctx());
    const audit = await mycel.api('/api/audit?limit=1');
    expect(JSON.stringify(audit.body[0])).not.toContain('abc123secret');
  });

  it('waits durably for approval, runs once when approved, and refuses a second decision with 409', async () => {
    const { executor, policy } = toolRuntime();
    const c = ctx();
    const outcome = await executor.execute({ tool: 'shell', input: { command: 'touch approved.txt' } }, c);
    expect(outcome.status).toBe('pending-approval');
    const id = outcome.approvalId!;
    const pending = await mycel.api('/api/approvals');
    expect(pending.body).toContainEqual(expect.objectContaining({ id, chatId: 'tools-test', tool: 'shell', input: { command: 'touch approved.txt' }, requestedAt: expect.any(String) }));
    expect(existsSync(path.join(policy.get().sandboxPath, 'approved.txt'))).toBe(false);

    const approved = await mycel.api(`/api/approvals/${id}`, { body: { decision: 'approve' } });
    expect(approved.status).toBe(200);
    const again = await mycel.api(`/api/approvals/${id}`, { body: { decision: 'approve' } });
    expect(again.status).toBe(409);
    const record = await waitFor(async () => {
      const audit = await mycel.api('/api/audit?limit=50');
      return audit.body.find((r: { decision: string; outcome: string; input: { command?: string } }) => r.decision === 'approved' && r.input.command === 'touch approved.txt' && r.outcome !== 'running');
    });
    expect(record.decidedBy).toBe('owner (api)');
    expect(existsSync(path.join(policy.get().sandboxPath, 'approved.txt'))).toBe(true);
    const posted = await waitFor(async () =>
      (await listMessages(deps.store, { channel: 'web', chatId: 'tools-test' })).find((m) => m.text.startsWith(`Approved ${id}`)),
    );
    expect(posted).toMatchObject({ role: 'assistant', kind: 'approval' });
    expect((await mycel.api('/api/approvals')).body.find((a: { id: string }) => a.id === id)).toBeUndefined();
  });

  it('denies: nothing runs, the denial is audited', async () => {
    const { executor, policy } = toolRuntime();
    const outcome = await executor.execute({ tool: 'shell', input: { command: 'touch denied.txt' } }, ctx());
    const res = await mycel.api(`/api/approvals/${outcome.approvalId}`, { body: { decision: 'deny' } });
    expect(res.status).toBe(200);
    await waitFor(async () => {
      const audit = await mycel.api('/api/audit?limit=50');
      return audit.body.find((r: { decision: string; input: { command?: string } }) => r.decision === 'denied' && r.input.command === 'touch denied.txt');
    });
    expect(existsSync(path.join(policy.get().sandboxPath, 'denied.txt'))).toBe(false);
  });

  it('expires an unanswered approval: nothing runs, then a decision is a 409', async () => {
    const { executor, policy } = toolRuntime();
    const outcome = await executor.execute({ tool: 'shell', input: { command: 'touch expired.txt' } }, ctx());
    await waitFor(async () => {
      const audit = await mycel.api('/api/audit?limit=50');
      return audit.body.find((r: { decision: string; input: { command?: string } }) => r.decision === 'expired' && r.input.command === 'touch expired.txt');
    });
    const late = await mycel.api(`/api/approvals/${outcome.approvalId}`, { body: { decision: 'approve' } });
    expect(late.status).toBe(409);
    expect(existsSync(path.join(policy.get().sandboxPath, 'expired.txt'))).toBe(false);
    const told = (await listMessages(deps.store, { channel: 'web', chatId: 'tools-test' })).find((m) => m.text.includes(`${outcome.approvalId}`) && m.text.includes('expired'));
    expect(told).toBeDefined();
  });

  it('answers 404 for an unknown approval and 400 for a bad decision', async () => {
    expect((await mycel.api('/api/approvals/ap-nope', { body: { decision: 'approve' } })).status).toBe(404);
    const bad = await mycel.api('/api/approvals/ap-nope', { body: { decision: 'maybe' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/decision/);
  });
});

describe('escapes from the sandbox', () => {
  it('refuses /sh date -f<file> and a symlink read from chat, with the reason, and the file stays unread', async () => {
    const { policy } = toolRuntime();
    const secret = path.join(mycel.config.dataDir, 'shadow-like.txt');
    writeFileSync(secret, 'root:$6$chat-secret-hash:19000:0:99999:7:::\n');
    symlinkSync(secret, path.join(policy.get().sandboxPath, 'pw'));
    for (const command of [`date -f${secret}`, `date -uf${secret}`, `date -r${secret}`, `grep -f${secret} pw`, 'cat pw', 'grep -R root .', `wc --files0-from=${secret}`]) {
      const res = await mycel.api('/api/chats/escape-chat/messages', { body: { text: `/sh ${command}` } });
      expect(res.body.reply, command).toContain('refused');
      expect(res.body.reply, command).not.toContain('chat-secret-hash');
    }
  });

  it('checks an approved command again right before it runs: cp into a symlink made after the request writes nothing outside', async () => {
    const { executor, policy } = toolRuntime();
    const sandbox = policy.get().sandboxPath;
    writeFileSync(path.join(sandbox, 'f.txt'), 'payload');
    const outside = mkdtempSync(path.join(os.tmpdir(), 'mycel-outside-'));
    // cp -t/tmp/outside is refused when asked for, before any approval exists.
    expect(await executor.execute({ tool: 'shell', input: { command: `cp -t${outside} f.txt` } }, ctx())).toMatchObject({ status: 'refused' });
    // "cp f.txt out" passes while "out" does not exist, and waits for the owner.
    const outcome = await executor.execute({ tool: 'shell', input: { command: 'cp f.txt out' } }, ctx());
    expect(outcome.status).toBe('pending-approval');
    symlinkSync(outside, path.join(sandbox, 'out'));
    expect((await mycel.api(`/api/approvals/${outcome.approvalId}`, { body: { decision: 'approve' } })).status).toBe(200);
    const record = await waitFor(async () => {
      const audit = await mycel.api('/api/audit?limit=50');
      return audit.body.find((r: { decision: string; outcome: string; input: { command?: string } }) => r.decision === 'approved' && r.input.command === 'cp f.txt out' && r.outcome !== 'running');
    });
    expect(record.outcome).toMatch(/refused: .*outside the sandbox/);
    expect(existsSync(path.join(outside, 'f.txt'))).toBe(false);
  });
});
