#!/usr/bin/env -S node --max-semi-space-size=1
// Entry point of the `mycel` command. It runs the compiled server in dist/ (built by
// `npm install` / `npm run build`) when that build matches the sources, and otherwise the
// TypeScript sources through tsx's loader, so an edited checkout never runs stale code.
import { setFlagsFromString } from 'node:v8';
import { compiledIsCurrent } from './compiled.js';

// A small young generation: Mycel's long-running processes mostly wait, and a 1 MB semi-space
// keeps about 30 MB less resident at the cost of more (short) scavenges. Stack traces point
// into dist/ when the compiled build runs: NODE_OPTIONS=--enable-source-maps maps them to src/.
setFlagsFromString('--max-semi-space-size=1');

// A reader that went away (`mycel --help | head`) is not an error: stop writing to it quietly
// instead of dying on an unhandled EPIPE with a stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
}

let main;
if (compiledIsCurrent()) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv);
// A command that failed has already stopped whatever it started; the Temporal SDK's native
// runtime, once installed, would otherwise keep the failed process alive.
if (process.exitCode) process.exit(process.exitCode);
