import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnPorts } from '../../runtime/own-ports.js';
import { loadPolicy, type ToolsPolicy } from '../policy.js';
import type { ToolContext } from '../types.js';
import { nonPublicReason } from './addresses.js';
import { checkUrl, httpTool, type Resolve } from './http.js';

const ctx = {} as ToolContext;

function policyWith(hosts: string[]): ToolsPolicy {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-http-'));
  const policy = loadPolicy(path.join(dir, 'tools-policy.json'));
  return { ...policy, hosts };
}

async function listen(): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.setHeader('content-type', 'text/plain');
    res.end(`secret from ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

async function attempt(policy: ToolsPolicy, url: string, options: Parameters<typeof httpTool>[1] = {}): Promise<string> {
  return httpTool(() => policy, options)
    .run({ url, method: 'GET' }, ctx)
    .then((out) => `ok: ${JSON.stringify(out)}`, (err: Error) => err.message);
}

describe('http.fetch against a real local server', () => {
  let target: Awaited<ReturnType<typeof listen>>;
  let mycel: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    target = await listen();
    mycel = await listen();
  });
  afterAll(() => {
    target.server.close();
    mycel.server.close();
  });

  it('does not let a host without a port reach every port (hosts: ["127.0.0.1"])', async () => {
    const out = await attempt(policyWith(['127.0.0.1']), `http://127.0.0.1:${target.port}/api/approvals`);
    expect(out).toMatch(/^refused: .*allowlist/);
    expect(target.hits).toEqual([]);
  });

  it('refuses loopback on the default port too unless the entry names the port', async () => {
    expect(checkUrl(policyWith(['127.0.0.1']), 'http://127.0.0.1/')).toMatch(/loopback address; list it .* with an explicit port/);
    expect(checkUrl(policyWith(['localhost']), 'http://localhost/')).toBeUndefined(); // a name: checked once resolved
    expect(await attempt(policyWith(['localhost']), 'http://localhost/')).toMatch(/^refused: localhost is (127\.0\.0\.1|::1), a loopback address/);
  });

  it('reaches a loopback server listed with its explicit port', async () => {
    const out = await attempt(policyWith([`127.0.0.1:${target.port}`]), `http://127.0.0.1:${target.port}/hello`);
    expect(out).toContain('secret from /hello');
    expect(target.hits).toContain('GET /hello');
    const named = await attempt(policyWith([`localhost:${target.port}`]), `http://localhost:${target.port}/by-name`, { resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect(named).toContain('secret from /by-name');
  });

  it("never reaches Mycel's own ports, even when listed with the port", async () => {
    const own = new OwnPorts();
    own.add(mycel.port);
    for (const url of [`http://127.0.0.1:${mycel.port}/api/approvals`, `http://[::ffff:127.0.0.1]:${mycel.port}/`, `http://0.0.0.0:${mycel.port}/`, `http://localhost:${mycel.port}/`]) {
      const host = new URL(url).host;
      const out = await attempt(policyWith([host, `127.0.0.1:${mycel.port}`]), url, { ownPorts: own });
      expect(out, url).toMatch(/^refused: .*one of Mycel's own ports/);
    }
    expect(mycel.hits).toEqual([]);
  });

  it('checks the address a name resolves to, and connects to that same address (no rebinding)', async () => {
    const lookups: string[] = [];
    // A name that first resolves to loopback: refused, although "evil.example" is listed.
    const toLoopback: Resolve = async (name) => {
      lookups.push(name);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const refused = await attempt(policyWith(['evil.example']), 'http://evil.example/', { resolve: toLoopback });
    expect(refused).toMatch(/^refused: evil\.example is 127\.0\.0\.1, a loopback address/);
    expect(target.hits.filter((h) => h.startsWith('GET /rebind'))).toEqual([]);
    // Listed with the port: one lookup, and the connection goes to the address that was checked.
    lookups.length = 0;
    let answers = 0;
    const rebinding: Resolve = async (name) => {
      lookups.push(name);
      answers++;
      return answers === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.255.255.1', family: 4 }];
    };
    const ok = await attempt(policyWith([`rebind.example:${target.port}`]), `http://rebind.example:${target.port}/rebind`, { resolve: rebinding });
    expect(ok).toContain('secret from /rebind');
    expect(lookups).toEqual(['rebind.example']);
  });

  it('uses a public address among the answers and skips the private ones', async () => {
    const mixed: Resolve = async () => [{ address: '10.0.0.7', family: 4 }, { address: '192.168.1.9', family: 4 }];
    expect(await attempt(policyWith(['mixed.example']), 'http://mixed.example/', { resolve: mixed })).toMatch(/^refused: .*private address/);
  });
});

describe('address classes', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['127.1.2.3', 'loopback'], ['::1', 'loopback'], ['0.0.0.0', 'unspecified'], ['::', 'unspecified'],
    ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.0.10', 'private'], ['fc00::1', 'private'], ['fd12::1', 'private'],
    ['169.254.169.254', 'link-local'], ['fe80::1', 'link-local'], ['::ffff:127.0.0.1', 'loopback'], ['::ffff:a00:1', 'private'], ['::127.0.0.1', 'IPv4-compatible'],
  ])('%s is not public (%s)', (address, label) => {
    expect(nonPublicReason(address)).toContain(label);
  });

  it.each(['93.184.216.34', '172.32.0.1', '8.8.8.8', '2606:4700::1111'])('%s is public', (address) => {
    expect(nonPublicReason(address)).toBeUndefined();
  });

  it('normalises the URL forms of loopback addresses before checking', () => {
    const policy = policyWith(['0x7f000001', '2130706433', '127.1', '[::ffff:127.0.0.1]']);
    for (const url of ['http://0x7f000001/', 'http://2130706433/', 'http://127.1/', 'http://[::ffff:127.0.0.1]/']) {
      expect(checkUrl(policy, url), url).toMatch(/loopback|allowlist/);
    }
  });
});
