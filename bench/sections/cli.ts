/**
 * CLI: how long `mycel --help` and `mycel <command> --help` take as whole processes, beside a
 * bare `node -e 0` measured in the same run (the ratio is what to compare across machines).
 */
import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';
import { distribution, type Distribution } from '../stats.js';

/** Runs of each command measured. */
export const CLI_RUNS = 10;

const COMMANDS: Record<string, string[]> = {
  bareNode: ['-e', '0'],
  help: [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), '--help'],
  pipelinesHelp: [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), 'pipelines', '--help'],
  startHelp: [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), 'start', '--help'],
};

/** Lines of history `mycel chat` shows in the timed run (its interactive default). */
export const CHAT_HISTORY_LINES = 20;
/** Target: `mycel chat` connected and showing history against a running instance. */
export const CHAT_TARGET_MS = 800;

function timeOnce(args: string[]): number {
  const t0 = performance.now();
  const res = spawnSync(process.execPath, args, { cwd: PACKAGE_ROOT, stdio: 'ignore' });
  if (res.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${res.status}`);
  return performance.now() - t0;
}

/**
 * One `mycel chat` run, asynchronously: the instance it talks to serves from this process.
 * Its stdin is empty, so it shows the history and exits as a piped chat does at end of input.
 */
async function timeChat(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = performance.now();
  const child = execFile(process.execPath, args, { cwd: PACKAGE_ROOT, env });
  child.stdin?.end();
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`mycel chat exited with ${code}: ${stderr.trim().slice(0, 300)}`);
  if (!stdout.includes('cli bench line')) throw new Error(`mycel chat showed no history: ${stdout.slice(0, 300)}`);
  return performance.now() - t0;
}

/** Gives the bench chat its history, so `mycel chat` has lines to fetch and show. */
async function seedChat(httpUrl: string, chatId: string): Promise<void> {
  for (let i = 0; i < CHAT_HISTORY_LINES / 2; i++) {
    const res = await fetch(`${httpUrl}/api/chats/${chatId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: `/remember cli bench line ${i}` }),
    });
    if (res.status !== 200) throw new Error(`seeding the chat answered ${res.status}`);
  }
}

export interface CliResult {
  commands: Record<string, Distribution>;
  /** Median of each command over the median of `node -e 0`. */
  ratioToBareNode: Record<string, number>;
  /** `mycel chat --history 20` against the run's instance: connected, history shown, exit at end of input. */
  chat?: Distribution & { targetMs: number; meetsTarget: boolean };
}

export default {
  name: 'cli',
  description: 'cli: `mycel --help` and `mycel <command> --help` as whole processes, as a ratio to a bare `node -e 0`',
  async run(ctx: { quick?: boolean; httpUrl?: string }): Promise<CliResult> {
    const runs = ctx.quick ? 3 : CLI_RUNS;
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(COMMANDS).map((k) => [k, []]));
    for (const args of Object.values(COMMANDS)) timeOnce(args); // warm-up: file cache
    // Interleaved, so a change in the machine's load touches every command alike.
    for (let i = 0; i < runs; i++) for (const [name, args] of Object.entries(COMMANDS)) samples[name]!.push(timeOnce(args));
    const commands = Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, distribution(s)]));
    const bare = commands.bareNode!.medianMs;
    const ratioToBareNode = Object.fromEntries(
      Object.entries(commands).filter(([name]) => name !== 'bareNode').map(([name, d]) => [name, Math.round((d.medianMs / bare) * 100) / 100]),
    );
    if (!ctx.httpUrl) return { commands, ratioToBareNode };
    const url = new URL(ctx.httpUrl);
    const chatId = 'bench-cli';
    await seedChat(ctx.httpUrl, chatId);
    // No runtime.json in this data dir: the command finds the instance from MYCEL_HTTP_HOST/PORT.
    const env = { ...process.env, MYCEL_DATA_DIR: path.join(PACKAGE_ROOT, '.cache', 'bench-cli-none'), MYCEL_HTTP_HOST: url.hostname, MYCEL_HTTP_PORT: url.port };
    const chatArgs = [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), 'chat', '--chat', chatId, '--history', String(CHAT_HISTORY_LINES)];
    await timeChat(chatArgs, env);
    const chatSamples: number[] = [];
    for (let i = 0; i < runs; i++) chatSamples.push(await timeChat(chatArgs, env));
    const chat = distribution(chatSamples);
    return { commands, ratioToBareNode, chat: { ...chat, targetMs: CHAT_TARGET_MS, meetsTarget: chat.medianMs <= CHAT_TARGET_MS } };
  },
};
