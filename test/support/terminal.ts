import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';

/** How long a screen may take to show what a test waits for. */
export const SCREEN_TIMEOUT_MS = 60_000;

/** Keys as a terminal sends them. */
export const KEY = { enter: '\r', down: '\u001b[B', up: '\u001b[A', ctrlC: '\u0003', backspace: '\u007f' } as const;

const ESCAPES = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007|\u001b[()][0-9A-B]|\u001b[=>78]/g;

/** The text a person reads, without colours and cursor movement. */
export function plain(screen: string): string {
  return screen.replace(ESCAPES, '').replace(/\r/g, '');
}

export interface Terminal {
  child: ChildProcess;
  /** Everything shown so far, as plain text. */
  screen(): string;
  /** Waits until the text after the previous match matches `pattern`; returns the match. */
  expect(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Types keys (text, KEY.enter, KEY.down, …). */
  press(...keys: string[]): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Runs a command in a real pseudo-terminal (through Python's pty module), so interactive
 * prompts behave as they do for a person: the test types keys and reads the screen.
 */
export function startTerminal(argv: string[], options: { cwd: string; env: NodeJS.ProcessEnv; cols?: number; rows?: number }): Terminal {
  const child = spawn('python3', [path.join(PACKAGE_ROOT, 'test', 'support', 'pty-run.py'), String(options.cols ?? 120), String(options.rows ?? 40), ...argv], {
    cwd: options.cwd,
    env: { TERM: 'xterm-256color', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  let from = 0;
  child.stdout!.on('data', (d: Buffer) => (raw += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (raw += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    screen: () => plain(raw),
    async expect(pattern, timeoutMs = SCREEN_TIMEOUT_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = plain(raw);
        const match = pattern.exec(text.slice(from));
        if (match) {
          from += (match.index ?? 0) + match[0].length;
          return match;
        }
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`the screen never showed ${pattern}; after the last match it shows:\n${text.slice(from).slice(-3000)}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async press(...keys) {
      for (const key of keys) {
        child.stdin!.write(key);
        // Separate chunks, as a person's keystrokes arrive.
        await new Promise((r) => setTimeout(r, 60));
      }
    },
  };
}
