import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import getPort from 'get-port';

/** The reference MCP servers from npm, as installed in node_modules/.bin. */
export const BIN = path.resolve('node_modules/.bin');
export const EVERYTHING = path.join(BIN, 'mcp-server-everything');
export const FILESYSTEM = path.join(BIN, 'mcp-server-filesystem');
/** The tiny server whose tools hang or crash (the reference servers have none that do). */
export const MISBEHAVING = path.resolve('test/fixtures/mcp/misbehaving-server.mjs');

/** server-everything in its Streamable HTTP mode on a free port; resolves once it listens. */
export async function startEverythingHttp(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await getPort();
  const child: ChildProcess = spawn(EVERYTHING, ['streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server-everything (streamableHttp) did not start')), 20_000);
    const onData = (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr!.on('data', onData);
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server-everything exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
