import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnMycel, tempDataDir, type MycelCli } from '../support/cli-process.js';
import { waitFor } from '../support/wait.js';

let running: MycelCli | undefined;
afterEach(async () => {
  await running?.stop('SIGKILL');
  running = undefined;
});


describe('an approval pending across a full restart', () => {
  it('still resumes once after Mycel (embedded Temporal included) stops and starts again', async () => {
    const dataDir = tempDataDir();
    running = await spawnMycel({ dataDir });
    const asked = await running.api('/api/chats/restart-approval/messages', { body: { text: '/sh touch after-restart.txt', messageId: 'm1' } });
    expect(asked.status).toBe(200);
    const id = /Approval id: (ap-[0-9a-f]+)/.exec(asked.body.reply)?.[1];
    expect(id).toBeDefined();
    const stopped = await running.stop('SIGTERM');
    expect(stopped.code).toBe(0);

    running = await spawnMycel({ dataDir });
    const pending = await running.api('/api/approvals');
    expect(pending.body.map((a: { id: string }) => a.id)).toContain(id);
    const approved = await running.api(`/api/approvals/${id}`, { body: { decision: 'approve' } });
    expect(approved.status).toBe(200);
    expect((await running.api(`/api/approvals/${id}`, { body: { decision: 'approve' } })).status).toBe(409);

    const policy = JSON.parse(readFileSync(path.join(dataDir, 'tools-policy.json'), 'utf8')) as { sandbox: string };
    const file = path.join(dataDir, policy.sandbox, 'after-restart.txt');
    await waitFor(async () => (existsSync(file) ? true : undefined));
    const transcript = await waitFor(async () => {
      const messages = await running!.api('/api/chats/restart-approval/messages');
      const lines = (messages.body as Array<{ text: string }>).filter((m) => m.text.startsWith(`Approved ${id}`));
      return lines.length ? lines : undefined;
    });
    expect(transcript).toHaveLength(1);
    const audit = await running.api('/api/audit');
    expect((audit.body as Array<{ decision: string; input: { command?: string } }>).filter((r) => r.decision === 'approved' && r.input.command === 'touch after-restart.txt')).toHaveLength(1);
  });
});
