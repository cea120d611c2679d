#!/usr/bin/env node
// Entry point of the `mycel` command: TypeScript sources run through tsx's loader,
// so the installed package needs no separate compile step.
import { register } from 'tsx/esm/api';

// A reader that went away (`mycel --help | head`) is not an error: stop writing to it quietly
// instead of dying on an unhandled EPIPE with a stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
}

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
// A command that failed has already stopped whatever it started; the Temporal SDK's native
// runtime, once installed, would otherwise keep the failed process alive.
if (process.exitCode) process.exit(process.exitCode);
