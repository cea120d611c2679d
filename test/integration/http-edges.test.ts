import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownToolRuntime, startTestMycel, type TestMycel } from '../support/harness.js';
import { TelegramStandIn } from '../support/telegram-server.js';
import { waitFor } from '../support/wait.js';

/**
 * Security at the edges, over real HTTP: DNS rebinding (a foreign `Host`) and cross-site
 * requests (a foreign `Origin`) are refused before any route runs. Requests go through
 * node:http so that `Host` is exactly what the test says, as a browser on a rebound name
 * would send it.
 */

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

function raw(base: string, pathname: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<RawAnswer> {
  const url = new URL(pathname, base);
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port,
        path: url.pathname + url.search,
        method: init.method ?? (body === undefined ? 'GET' : 'POST'),
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const newChat = () => `edge-${randomBytes(4).toString('hex')}`;

describe('a default `mycel start` (loopback, no token)', () => {
  let mycel: TestMycel;
  let port: string;
  beforeAll(async () => {
    mycel = await startTestMycel();
    port = new URL(mycel.url).port;
  });
  afterAll(() => mycel?.stop());

  /** Asks for an approval the way a chat does: `/sh` with a command that is `ask`. */
  async function pendingApproval(file: string): Promise<string> {
    const sent = await mycel.api(`/api/chats/${newChat()}/messages`, { body: { text: `/sh touch ${file}` } });
    expect(sent.status).toBe(200);
    const id = /Approval id: (\S+?)\./.exec(sent.body.reply)?.[1];
    expect(id, sent.body.reply).toBeTruthy();
    return id!;
  }

  it('refuses a DNS-rebinding request (foreign Host) with 403 and says how to fix it', async () => {
    for (const pathname of ['/api/approvals', '/', '/healthz', '/api/openapi.json']) {
      const res = await raw(mycel.url, pathname, { headers: { host: `evil.example:${port}` } });
      expect(res.status, pathname).toBe(403);
      expect(res.body.error).toMatch(/Host "evil\.example:\d+" is not a name of this server/);
      expect(res.body.hint).toMatch(/MYCEL_PUBLIC_URL/);
    }
    // Names that only look local are foreign too.
    for (const host of ['127.0.0.1.evil.example', 'localhost.evil.example', 'evil.example', '10.0.0.5:80', '[::2]']) {
      expect((await raw(mycel.url, '/healthz', { headers: { host } })).status, host).toBe(403);
    }
  });

  it('answers every loopback name and address', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', `127.8.9.10:${port}`, `[::1]:${port}`, 'localhost.']) {
      expect((await raw(mycel.url, '/healthz', { headers: { host } })).status, host).toBe(200);
    }
  });

  it('the rebinding exploit no longer approves a pending /sh: Host and Origin of evil.example get 403 and nothing runs', async () => {
    const id = await pendingApproval('rebound.txt');
    const attack = await raw(mycel.url, `/api/approvals/${id}`, {
      headers: { host: `evil.example:${port}`, origin: `http://evil.example:${port}` },
      body: { decision: 'approve' },
    });
    expect(attack.status).toBe(403);
    const pending = await mycel.api('/api/approvals');
    expect(pending.body.map((a: { id: string }) => a.id)).toContain(id);
    const { policy } = ownToolRuntime(mycel.activityDeps);
    expect(existsSync(path.join(policy.get().sandboxPath, 'rebound.txt'))).toBe(false);
  });

  it('refuses a state-changing request from a foreign page (loopback Host, foreign Origin) and takes it from its own origin', async () => {
    const id = await pendingApproval('cross-site.txt');
    for (const origin of ['http://evil.example', `http://localhost:${Number(port) + 1}`, `https://127.0.0.1:${port}`, 'null']) {
      const res = await raw(mycel.url, `/api/approvals/${id}`, { headers: { origin }, body: { decision: 'approve' } });
      expect(res.status, origin).toBe(403);
      expect(res.body.error).toMatch(/not this server's origin/);
    }
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      expect((await raw(mycel.url, `/api/memories/x`, { method, headers: { origin: 'http://evil.example' } })).status, method).toBe(403);
    }
    expect((await mycel.api('/api/approvals')).body.map((a: { id: string }) => a.id)).toContain(id);

    // A GET from a foreign page is answered (the browser keeps the answer from that page).
    expect((await raw(mycel.url, '/healthz', { headers: { origin: 'http://evil.example' } })).status).toBe(200);
    // The web app's own requests carry the server's own origin.
    const own = await raw(mycel.url, `/api/approvals/${id}`, { headers: { origin: mycel.url }, body: { decision: 'deny' } });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ id, status: 'denied' });
  });

  it('answers 405 with Allow for TRACE and other unsupported methods, and 404 for an unknown path', async () => {
    for (const method of ['TRACE', 'PROPFIND']) {
      for (const pathname of ['/api/approvals', '/']) {
        const res = await raw(mycel.url, pathname, { method });
        expect(res.status, `${method} ${pathname}`).toBe(405);
        expect(res.headers.allow).toMatch(/GET/);
        expect(res.body.error).toBe(`method ${method} is not allowed`);
      }
    }
    expect((await raw(mycel.url, '/api/nothing-here')).status).toBe(404);
  });

  it('takes a same-origin message under localhost, and one with no Origin (curl, `mycel chat`)', async () => {
    const chat = newChat();
    const viaLocalhost = await raw(mycel.url, `/api/chats/${chat}/messages`, {
      headers: { host: `localhost:${port}`, origin: `http://localhost:${port}` },
      body: { text: '/help' },
    });
    expect(viaLocalhost.status).toBe(200);
    expect(viaLocalhost.body.turn).toBe(1);
    const noOrigin = await raw(mycel.url, `/api/chats/${chat}/messages`, { body: { text: '/tools' } });
    expect(noOrigin.status).toBe(200);
    expect(noOrigin.body.turn).toBe(2);
  });
});

describe('behind a reverse proxy (MYCEL_PUBLIC_URL)', () => {
  const PUBLIC = 'https://mycel.example.com';
  let mycel: TestMycel;
  let proxy: http.Server;
  let proxyUrl: string;
  beforeAll(async () => {
    mycel = await startTestMycel({ env: { MYCEL_PUBLIC_URL: PUBLIC } });
    // A proxy as the runbook sets one up: TLS ends there, the Host header is passed on.
    const upstream = new URL(mycel.url);
    proxy = http.createServer((req, res) => {
      const out = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.writeHead(502).end());
      req.pipe(out);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address() as { port: number };
    proxyUrl = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await new Promise((r) => proxy?.close(r));
    await mycel?.stop();
  });

  it('answers the public name, and takes a POST from the public origin through the proxy', async () => {
    const chat = newChat();
    const res = await raw(proxyUrl, `/api/chats/${chat}/messages`, { headers: { host: 'mycel.example.com', origin: PUBLIC }, body: { text: '/help' } });
    expect(res.status).toBe(200);
    expect(res.body.turn).toBe(1);
    expect((await raw(proxyUrl, '/healthz', { headers: { host: 'mycel.example.com' } })).status).toBe(200);
  });

  it('still refuses other names and other origins', async () => {
    expect((await raw(proxyUrl, '/healthz', { headers: { host: 'evil.example' } })).status).toBe(403);
    const foreign = await raw(proxyUrl, `/api/chats/${newChat()}/messages`, { headers: { host: 'mycel.example.com', origin: 'https://evil.example' }, body: { text: '/help' } });
    expect(foreign.status).toBe(403);
    // http:// is not the public origin https://.
    const downgraded = await raw(proxyUrl, `/api/chats/${newChat()}/messages`, { headers: { host: 'mycel.example.com', origin: 'http://mycel.example.com:8443' }, body: { text: '/help' } });
    expect(downgraded.status).toBe(403);
  });
});

describe('a pending approval stays pending through refused requests', () => {
  it('is decided by the token holder afterwards (the refusals changed nothing)', async () => {
    const mycel = await startTestMycel({ env: { MYCEL_API_TOKEN: 'edge-test-token' } });
    try {
      const sent = await mycel.api(`/api/chats/${newChat()}/messages`, { body: { text: '/sh touch tokened.txt' } });
      const id = /Approval id: (\S+?)\./.exec(sent.body.reply)![1]!;
      const auth = { authorization: 'Bearer edge-test-token' };
      // Even with the token: a foreign Host or Origin is refused before the token is looked at.
      expect((await raw(mycel.url, `/api/approvals/${id}`, { headers: { ...auth, host: 'evil.example' }, body: { decision: 'approve' } })).status).toBe(403);
      expect((await raw(mycel.url, `/api/approvals/${id}`, { headers: { ...auth, origin: 'http://evil.example' }, body: { decision: 'approve' } })).status).toBe(403);
      const decided = await raw(mycel.url, `/api/approvals/${id}`, { headers: auth, body: { decision: 'deny' } });
      expect(decided.status).toBe(200);
      await waitFor(async () => (await mycel.api('/api/audit?limit=20')).body.find((r: { decision: string }) => r.decision === 'denied'));
    } finally {
      await mycel.stop();
    }
  });
});

describe('the Telegram webhook behind a proxy', () => {
  it('takes Telegram\'s call under the host of TELEGRAM_WEBHOOK_URL (no Origin), and refuses other hosts', async () => {
    const tg = await TelegramStandIn.start();
    const secret = 'edge-hook-secret';
    const mycel = await startTestMycel({
      env: { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, TELEGRAM_MODE: 'webhook', TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/telegram/webhook', TELEGRAM_WEBHOOK_SECRET: secret },
    });
    try {
      const update = { update_id: 1_950_000_001, edited_message: { message_id: 1, date: 1, chat: { id: 5, type: 'private' }, from: { id: 5, is_bot: false, first_name: 'X' }, text: 'x' } };
      const headers = { 'x-telegram-bot-api-secret-token': secret };
      const taken = await raw(mycel.url, '/telegram/webhook', { headers: { ...headers, host: 'bot.example.org' }, body: update });
      expect([taken.status, taken.body]).toEqual([200, { ok: true }]);
      expect((await raw(mycel.url, '/telegram/webhook', { headers: { ...headers, host: 'evil.example' }, body: update })).status).toBe(403);
    } finally {
      await mycel.stop();
      await tg.stop();
    }
  });
});
