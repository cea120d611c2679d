import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendMessage } from '../../src/conversation/transcript.js';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';

// Each test spawns the real CLI (tsx compiles it on start): slow on a busy machine.
describe('mycel chat with piped stdin', { timeout: 180_000 }, () => {
  let mycel: TestMycel;
  let dataDir: string;
  beforeAll(async () => {
    mycel = await startTestMycel({ env: { MYCEL_API_TOKEN: 'chat-cli-token-123' } });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-chat-cli-'));
  });
  afterAll(async () => {
    await mycel?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints one reply per line, shows lines arriving on the event stream, and exits at EOF', async () => {
    const chat = `cli-${randomBytes(3).toString('hex')}`;
    const port = new URL(mycel.url).port;
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), 'chat', '--chat', chat], {
      env: { ...process.env, MYCEL_DATA_DIR: dataDir, MYCEL_HTTP_PORT: port, MYCEL_API_TOKEN: 'chat-cli-token-123', MYCEL_LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const waitFor = async (pattern: RegExp, ms = 90_000) => {
      const deadline = Date.now() + ms;
      while (!pattern.test(stdout)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; stdout: ${stdout}; stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    child.stdin.write('/start\n');
    // The whole line: the reply is printed as it is written, and its line ends after the reply event.
    await waitFor(/Hello! I'm Mycel[^\n]*\n/);
    // Something Mycel posts on its own (a reminder delivery) shows up while the chat runs.
    await appendMessage(mycel.proc.store, { channel: 'web', chatId: chat, role: 'assistant', text: '⏰ stretch your legs', kind: 'reminder', key: `test-reminder-${chat}` });
    await waitFor(/⏰ stretch your legs/);
    child.stdin.write('\n/timezone Europe/Paris\n');
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Hello! I'm Mycel/);
    expect(lines[1]).toBe('⏰ stretch your legs');
    expect(lines[2]).toMatch(/^Time zone set to Europe\/Paris/);
    expect(lines).toHaveLength(3);
    const transcript = await mycel.api(`/api/chats/${chat}/messages`);
    expect(transcript.body.map((m: { text: string }) => m.text)).toContain('/timezone Europe/Paris');
  });

  it('says how to start Mycel when nothing listens', async () => {
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), 'chat'], {
      env: { ...process.env, MYCEL_DATA_DIR: dataDir, MYCEL_HTTP_PORT: '1', MYCEL_LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end('/start\n');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/Cannot reach Mycel at http:\/\/127\.0\.0\.1:1/);
    expect(stderr).toMatch(/hint: start it with `npx mycel start`/);
  });
});
