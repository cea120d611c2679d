import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import getPort from 'get-port';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import { DEV_SERVER_START_ATTEMPTS, startEmbeddedTemporal } from '../../src/temporal/dev-server.js';

/** A loopback port this test holds, so the dev server cannot bind it. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('the embedded Temporal dev server when a port it picked is taken', () => {
  let held: { port: number; server: Server };
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-embedded-'));
    dirs.push(dir);
    return dir;
  };
  beforeAll(async () => {
    held = await holdPort();
  });
  afterAll(() => {
    held.server.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('starts again on other ports', async () => {
    let picks = 0;
    // The first frontend port is taken; every later pick is really free.
    const pickPort = () => (picks++ === 0 ? Promise.resolve(held.port) : getPort({ host: '127.0.0.1' }));
    const server = await startEmbeddedTemporal({ dataDir: dataDir(), logger: silentLogger(), binary: { explicit: inject('temporalBinary') }, pickPort });
    try {
      expect(server.address).not.toBe(`127.0.0.1:${held.port}`);
      expect(picks).toBeGreaterThan(3);
      // Every port it listens on is reported (the http tool never reaches them), none held.
      expect(server.ports).toHaveLength(3);
      expect(server.ports[0]).toBe(Number(server.address.split(':')[1]));
      expect(server.ports).not.toContain(held.port);
      const api = await fetch(`http://127.0.0.1:${server.ports[1]}/api/v1/namespaces`);
      expect(api.status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it(`gives up after ${DEV_SERVER_START_ATTEMPTS} tries with the server's own words`, async () => {
    let frontend = 0;
    // Every try gets the taken port for its frontend (the first pick of each try).
    const pickPort = () => (frontend++ % 3 === 0 ? Promise.resolve(held.port) : getPort({ host: '127.0.0.1' }));
    const started = startEmbeddedTemporal({ dataDir: dataDir(), logger: silentLogger(), binary: { explicit: inject('temporalBinary') }, pickPort });
    await expect(started).rejects.toThrow(/exited with code \d+ while starting[\s\S]*its last output:[\s\S]*address already in use/);
    expect(frontend).toBe(DEV_SERVER_START_ATTEMPTS * 3);
  });
});
