/**
 * CLI: how long `mycel --help` and `mycel <command> --help` take as whole processes, beside a
 * bare `node -e 0` measured in the same run (the ratio is what to compare across machines).
 */
import { spawnSync } from 'node:child_process';
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

function timeOnce(args: string[]): number {
  const t0 = performance.now();
  const res = spawnSync(process.execPath, args, { cwd: PACKAGE_ROOT, stdio: 'ignore' });
  if (res.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${res.status}`);
  return performance.now() - t0;
}

export interface CliResult {
  commands: Record<string, Distribution>;
  /** Median of each command over the median of `node -e 0`. */
  ratioToBareNode: Record<string, number>;
}

export default {
  name: 'cli',
  description: 'cli: `mycel --help` and `mycel <command> --help` as whole processes, as a ratio to a bare `node -e 0`',
  async run(ctx: { quick?: boolean }): Promise<CliResult> {
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
    return { commands, ratioToBareNode };
  },
};
