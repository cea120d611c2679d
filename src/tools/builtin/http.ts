import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { z } from 'zod';
import { matchHost, type ToolsPolicy } from '../policy.js';
import { defineTool } from '../types.js';
import { isOwnMachineAddress, nonPublicReason, unbracket } from './addresses.js';

/** Longest URL accepted. */
export const MAX_URL_CHARS = 2_000;
/** Largest POST body. */
export const MAX_POST_BODY_CHARS = 64 * 1024;

/** Resolves a host name to its addresses (the system resolver unless a test brings its own). */
export type Resolve = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** Ports of this Mycel process and its Temporal server: never a target of the tool. */
export interface OwnPortsView {
  has(port: number): boolean;
}

export interface HttpToolOptions {
  ownPorts?: OwnPortsView | undefined;
  resolve?: Resolve | undefined;
}

const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

function effectivePort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** Checks one address the request would connect to; returns why it is refused. */
export function checkAddress(url: URL, address: string, explicitPort: boolean, ownPorts?: OwnPortsView): string | undefined {
  const port = effectivePort(url);
  const risk = nonPublicReason(address);
  if ((risk || isOwnMachineAddress(address)) && ownPorts?.has(port)) {
    return `${url.host} (${address}) port ${port} is one of Mycel's own ports (its API or its Temporal server), which the http tool never reaches`;
  }
  if (risk && !explicitPort) {
    return `${url.hostname} is ${address === unbracket(url.hostname) ? '' : `${address}, `}${risk}; list it in the tools policy's hosts with an explicit port (like ${url.hostname}:${port}) to allow it`;
  }
  return undefined;
}

/**
 * Checks a URL against the policy before anything connects: http(s) only, no credentials,
 * a `hosts` entry for its host and port, and (for an IP address) the address rules of
 * `checkAddress`. Host names are checked again once resolved, when the request connects.
 */
export function checkUrl(policy: ToolsPolicy, raw: string, ownPorts?: OwnPortsView): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `"${raw}" is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `only http and https URLs are allowed, not ${url.protocol}`;
  if (url.username || url.password) return 'URLs with credentials are not allowed';
  const match = matchHost(policy, url.hostname, url.port);
  if (!match) {
    return `the host "${url.host}" is not on the tools policy's host allowlist${url.port ? '' : ' (an entry without a port allows only the default port)'}`;
  }
  const literal = unbracket(url.hostname);
  if (isIP(literal)) return checkAddress(url, literal, match.explicitPort, ownPorts);
  return undefined;
}

class RefusedTarget extends Error {}

/**
 * The connection's address lookup: resolves the name once, checks the addresses, and hands
 * the connection the address that passed. Check and connect use the same answer, so a name
 * whose DNS changes in between (rebinding) cannot lead the connection elsewhere.
 */
function pinnedLookup(url: URL, explicitPort: boolean, resolve: Resolve, ownPorts: OwnPortsView | undefined): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        let reason = `${hostname} has no address`;
        const passed = addresses.find((a) => {
          const refused = checkAddress(url, a.address, explicitPort, ownPorts);
          if (refused) reason = refused;
          return !refused;
        });
        if (!passed) return callback(new RefusedTarget(reason), '', 4);
        if (options.all) return (callback as unknown as (err: null, all: Array<{ address: string; family: number }>) => void)(null, [passed]);
        return callback(null, passed.address, passed.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };
}

function send(url: URL, method: string, body: string | undefined, lookup: LookupFunction, timeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method, lookup, signal: AbortSignal.timeout(timeoutMs), headers: body === undefined ? {} : { 'content-type': 'text/plain; charset=utf-8' } }, resolve);
    req.on('error', (err) => reject(err instanceof RefusedTarget ? new Error(`refused: ${err.message}`) : err));
    req.end(body);
  });
}

/** `http.fetch`: GET or POST to allowlisted hosts only; size and time capped; no redirects followed. */
export function httpTool(getPolicy: () => ToolsPolicy, options: HttpToolOptions = {}) {
  const resolve = options.resolve ?? systemResolve;
  return defineTool({
    id: 'http.fetch',
    description: 'Fetch a URL (GET, or POST with a text body) from a host on the allowlist; returns status and the start of the body.',
    input: z.object({
      url: z.string().max(MAX_URL_CHARS),
      method: z.enum(['GET', 'POST']).default('GET'),
      body: z.string().max(MAX_POST_BODY_CHARS).optional(),
    }),
    policy: 'ask',
    async run({ url, method, body }) {
      const policy = getPolicy();
      const refused = checkUrl(policy, url, options.ownPorts);
      if (refused) throw new Error(`refused: ${refused}`);
      const target = new URL(url);
      const match = matchHost(policy, target.hostname, target.port)!;
      const res = await send(target, method, method === 'POST' ? body ?? '' : undefined, pinnedLookup(target, match.explicitPort, resolve, options.ownPorts), policy.http.timeoutMs);
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      for await (const chunk of res as AsyncIterable<Buffer>) {
        if (size + chunk.length > policy.http.maxBytes) {
          chunks.push(chunk.subarray(0, policy.http.maxBytes - size));
          truncated = true;
          res.destroy();
          break;
        }
        chunks.push(chunk);
        size += chunk.length;
      }
      const header = (name: string) => {
        const value = res.headers[name];
        return Array.isArray(value) ? value.join(', ') : value;
      };
      return {
        status: res.statusCode ?? 0,
        contentType: header('content-type'),
        location: header('location'),
        body: Buffer.concat(chunks).toString('utf8'),
        truncated,
      };
    },
  });
}
