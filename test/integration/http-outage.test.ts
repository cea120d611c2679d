import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorSchema } from '../../src/http/error-schema.js';
import { POSTGRES_URL, testDialects } from '../support/databases.js';
import { CuttableProxy } from '../support/cuttable-proxy.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';

/**
 * A database outage over real HTTP: PostgreSQL sits behind a TCP proxy that the test stops.
 * The API answers 503 with `Retry-After` and a body that says "database unavailable" without
 * the database's address (the log has the detail), and serves again once it is back.
 */

describe.skipIf(!POSTGRES_URL)('a PostgreSQL outage seen through the HTTP API', () => {
  let mycel: TestMycel;
  let proxy: CuttableProxy;
  let dispose: () => Promise<void>;
  const chat = `outage-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const postgres = testDialects().find((d) => d.name === 'postgres')!;
    const db = await postgres.create();
    dispose = db.dispose;
    const real = new URL(db.url);
    proxy = new CuttableProxy({ host: real.hostname, port: Number(real.port || 5432) });
    await proxy.start();
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    mycel = await startTestMycel({ databaseUrl: viaProxy.toString() });
  });
  afterAll(async () => {
    await mycel?.stop();
    await dispose?.();
  });

  it('answers 503 "database unavailable" with Retry-After and no address, then serves again', async () => {
    expect((await mycel.api(`/api/chats/${chat}/messages`, { body: { text: '/start', messageId: 'o-1' } })).status).toBe(200);
    await proxy.cut();

    for (const [method, pathname, body] of [
      ['GET', `/api/chats/${chat}/messages`, undefined],
      ['POST', `/api/chats/${chat}/messages`, { text: '/help', messageId: 'o-2' }],
      ['GET', '/api/approvals', undefined],
      ['GET', '/api/chats', undefined],
    ] as const) {
      const res = await fetch(`${mycel.url}${pathname}`, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      expect(res.status, `${method} ${pathname}: ${text}`).toBe(503);
      expect(res.headers.get('retry-after'), pathname).toMatch(/^\d+$/);
      const json = JSON.parse(text) as { error: string; hint?: string };
      expect(ErrorSchema.safeParse(json).success, text).toBe(true);
      expect(json.error).toMatch(/^database unavailable/);
      expect(json.hint).toMatch(/MYCEL_DATABASE_URL/);
      expect(text).not.toContain(String(proxy.port));
      expect(text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|postgres:\/\//);
    }

    await proxy.start();
    const back = await mycel.api(`/api/chats/${chat}/messages`);
    expect(back.status).toBe(200);
    expect(back.body.map((m: { text: string }) => m.text)[0]).toBe('/start');
  });
});
