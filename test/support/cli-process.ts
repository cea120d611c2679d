import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';

/** How long a spawned `mycel start` may take to print its ready banner. */
export const CLI_READY_TIMEOUT_MS = 90_000;

export interface MycelCli {
  child: ChildProcess;
  /** Base URL from the ready banner (gateway parts only). */
  url: string;
  dataDir: string;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code (or signal) once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** fetch against the HTTP API, JSON in and out. */
  api(pathname: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }>;
}

export interface SpawnOptions {
  /** Reuse a data dir across starts (restart tests); a fresh temp dir otherwise. */
  dataDir?: string;
  env?: Record<string, string>;
  args?: string[];
  /** Working directory (default: the package root). */
  cwd?: string;
  /** Lead a process group of its own, so a test can signal the group as a terminal's Ctrl-C does. */
  detached?: boolean;
}

/** A fresh temporary data dir. */
export function tempDataDir(prefix = 'mycel-e2e-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Spawns the real CLI (`node bin/mycel.js start` by default) with its own data dir, a free
 * HTTP port and the run's Temporal binary, and waits for the ready banner.
 */
export async function spawnMycel(options: SpawnOptions = {}): Promise<MycelCli> {
  const dataDir = options.dataDir ?? tempDataDir();
  const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), ...(options.args ?? ['start'])], {
    cwd: options.cwd ?? PACKAGE_ROOT,
    env: {
      ...process.env,
      MYCEL_DATA_DIR: dataDir,
      MYCEL_HTTP_PORT: '0',
      MYCEL_TEMPORAL_BIN: inject('temporalBinary'),
      MYCEL_LOG_LEVEL: process.env.MYCEL_TEST_LOG_LEVEL ?? 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mycel did not get ready in ${CLI_READY_TIMEOUT_MS} ms.\nstdout:\n${out}\nstderr:\n${err.slice(-4000)}`)), CLI_READY_TIMEOUT_MS);
    const check = () => {
      const match = /Mycel is ready at (\S+)/.exec(out) ?? (/Mycel \w+ is running/.test(out) ? ['', ''] : null);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`mycel exited (${code ?? signal}) before it was ready.\nstdout:\n${out}\nstderr:\n${err.slice(-4000)}`));
    });
  });
  return {
    child,
    url,
    dataDir,
    stdout: () => out,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    async api(pathname, init = {}) {
      const res = await fetch(`${url}${pathname}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body };
    },
  };
}
