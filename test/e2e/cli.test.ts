import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { buildServer } from '../../src/build/server-build.js';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'mycel.js');

/** Runs `node bin/mycel.js …` in `cwd` with a clean Mycel environment; never throws on a non-zero exit. */
async function mycel(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(MYCEL_|TELEGRAM_|TEMPORAL_)/.test(k)));
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: options.cwd ?? PACKAGE_ROOT, env: { ...env, ...options.env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the mycel command', () => {
  // What `npm install` does: the command runs the compiled server when it matches the sources.
  beforeAll(() => buildServer(), 60_000);

  it('reads .env from the working directory; variables already set win', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-dotenv-'));
    writeFileSync(path.join(dir, '.env'), '# settings\nTEMPORAL_NAMESPACE=from-dotenv\nMYCEL_TASK_QUEUE=queue-from-dotenv\nMYCEL_MODEL=openai:from-dotenv\n');
    const run = await mycel(['deploy', 'compose', '--stdout'], { cwd: dir, env: { MYCEL_MODEL: 'ollama:from-env' } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/TEMPORAL_NAMESPACE: "?from-dotenv/);
    expect(run.stdout).toMatch(/MYCEL_TASK_QUEUE: "?queue-from-dotenv/);
    expect(run.stdout).toMatch(/MYCEL_MODEL: "?ollama:from-env/);
    expect(run.stdout).not.toMatch(/openai:from-dotenv/);
  });

  it('names a bad value that came from .env', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-dotenv-'));
    writeFileSync(path.join(dir, '.env'), 'MYCEL_HTTP_PORT=not-a-port\n');
    const run = await mycel(['deploy', 'compose', '--stdout'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/MYCEL_HTTP_PORT \(got "not-a-port"\)/);
  });

  it.each(['--help', 'pipelines --help'])('stops quietly when the reader goes away: mycel %s | head', async (command) => {
    const args = command.split(' ');
    const child = spawn(process.execPath, [BIN, ...args], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader is gone before the first write, as with `| head` or `| true`.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at /);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it.each(['--help', 'pipelines --help', 'start --help', 'doctor --help', 'init --help'])('mycel %s loads the command table only, not what the commands run', async (command) => {
    const log = path.join(mkdtempSync(path.join(os.tmpdir(), 'mycel-modules-')), 'modules.txt');
    writeFileSync(log, '');
    const hook = pathToFileURL(path.join(PACKAGE_ROOT, 'test', 'support', 'module-log-hook.mjs')).href;
    const register = `data:text/javascript,import{register}from'node:module';register(${JSON.stringify(hook)})`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', register, BIN, ...command.split(' ')], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, MYCEL_TEST_MODULE_LOG: log },
    });
    expect(stdout).toMatch(/Usage: mycel/);
    const loaded = readFileSync(log, 'utf8').split('\n');
    expect(loaded.some((url) => url.includes('/node_modules/commander/'))).toBe(true);
    // The compiled server, not the sources through a TypeScript loader.
    expect(loaded.some((url) => url.endsWith('/dist/cli/main.js'))).toBe(true);
    expect(loaded.filter((url) => url.includes('/src/') || url.includes('/node_modules/tsx/'))).toEqual([]);
    for (const heavy of ['@temporalio/', 'grammy', '/node_modules/ai/', 'kysely', '@libsql/', '/pg/', 'hono', '@clack/']) {
      expect(loaded.filter((url) => url.includes(heavy)), heavy).toEqual([]);
    }
  });

  it('mycel chat loads neither the database driver nor the Temporal SDK: it only speaks HTTP', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-modules-'));
    const log = path.join(dir, 'modules.txt');
    writeFileSync(log, '');
    const hook = pathToFileURL(path.join(PACKAGE_ROOT, 'test', 'support', 'module-log-hook.mjs')).href;
    const register = `data:text/javascript,import{register}from'node:module';register(${JSON.stringify(hook)})`;
    // Nothing listens on port 9 (discard): the command loads what it needs, then says so.
    const run = await promisify(execFile)(process.execPath, ['--import', register, BIN, 'chat', '--history', '5'], {
      cwd: dir,
      env: { ...process.env, MYCEL_TEST_MODULE_LOG: log, MYCEL_DATA_DIR: dir, MYCEL_HTTP_PORT: '9' },
    }).then(() => ({ code: 0, stderr: '' }), (err: { code: number; stderr: string }) => err);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Cannot reach Mycel at http:\/\/127\.0\.0\.1:9/);
    const loaded = readFileSync(log, 'utf8').split('\n');
    expect(loaded.some((url) => url.includes('chat-client'))).toBe(true);
    for (const heavy of ['@temporalio/', 'kysely', '@libsql/', '/pg/', 'grammy', '/node_modules/ai/']) {
      expect(loaded.filter((url) => url.includes(heavy)), heavy).toEqual([]);
    }
  });

  it('pipelines run keeps its JSON log lines out of the terminal unless MYCEL_LOG_LEVEL asks for them', async () => {
    const run = async (extra: Record<string, string>) => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-oneshot-'));
      return mycel(['pipelines', 'run', 'diamond', '--input', JSON.stringify({ dir: dataDir })], {
        env: { MYCEL_DATA_DIR: dataDir, MYCEL_PIPELINES: path.join(PACKAGE_ROOT, 'test', 'fixtures', 'pipelines'), MYCEL_TEMPORAL_BIN: inject('temporalBinary'), ...extra },
      });
    };
    const quiet = await run({});
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toMatch(/✓ d succeeded/);
    expect(quiet.stderr).toMatch(/starting an embedded Temporal server/);
    expect(quiet.stderr).not.toMatch(/"level"/);
    const verbose = await run({ MYCEL_LOG_LEVEL: 'info' });
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stderr).toMatch(/"level":"info".*embedded Temporal is ready/);
  });
});
