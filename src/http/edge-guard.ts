import type { MiddlewareHandler } from 'hono';
import { isIP } from 'node:net';
import type { ErrorBody } from './error-schema.js';

/**
 * Security at the edges (**contract**): the HTTP server answers only requests addressed to
 * it by a name the owner chose, and refuses state-changing requests sent by foreign pages.
 *
 * - DNS rebinding: a page on `evil.example` can make its name resolve to 127.0.0.1, and the
 *   owner's browser then talks to Mycel, but with `Host: evil.example`. So `Host` must be a
 *   loopback name or address, the bound host (MYCEL_HTTP_HOST) or the host of
 *   MYCEL_PUBLIC_URL; any other gets 403.
 * - Cross-site requests: a POST, PUT, PATCH or DELETE whose `Origin` is present and is not
 *   the server's own origin (as the request addressed it, or MYCEL_PUBLIC_URL's) gets 403.
 *   Clients that are not browsers (curl, `mycel chat`, Telegram's webhook) send no `Origin`.
 *
 * Ports play no part in the `Host` check: a rebinding page cannot choose the name, whatever
 * the port. They do in the `Origin` check, where an origin is scheme, host and port.
 */

/** Methods that change state: a foreign `Origin` on one of them is refused. */
export const STATE_CHANGING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface EdgeGuardOptions {
  /** The bound host, MYCEL_HTTP_HOST. */
  boundHost: string;
  /** MYCEL_PUBLIC_URL's origin, when set. */
  publicOrigin: string | undefined;
  /** More host names accepted, for example the host of TELEGRAM_WEBHOOK_URL. */
  extraHosts?: readonly string[];
}

/** The host name of a `Host` header or URL host (`[::1]:8787` → `::1`), lower case; undefined when malformed. */
export function hostName(hostHeader: string): string | undefined {
  // Anything but host[:port] (a path, user info, spaces) makes the header malformed.
  if (!hostHeader || /[\s/?#@\\]/.test(hostHeader)) return undefined;
  try {
    const url = new URL(`http://${hostHeader}`);
    return url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  } catch {
    return undefined;
  }
}

/** True for `localhost`, 127.0.0.0/8 and ::1 (also written as an IPv4-mapped address). */
export function isLoopbackName(name: string): boolean {
  if (name === 'localhost') return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || /^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(name);
  return false;
}

/** The names a request's `Host` may carry. */
function acceptedHosts(options: EdgeGuardOptions): Set<string> {
  const names = [options.boundHost, ...(options.extraHosts ?? [])];
  if (options.publicOrigin) names.push(new URL(options.publicOrigin).host);
  return new Set(names.map((n) => hostName(n.includes(':') && !n.startsWith('[') && isIP(n) === 6 ? `[${n}]` : n)).filter((n): n is string => Boolean(n)));
}

/** Builds the middleware; mount it first, on every path. */
export function edgeGuard(options: EdgeGuardOptions): MiddlewareHandler {
  const hosts = acceptedHosts(options);
  return async (c, next) => {
    // Over HTTP the URL's host is the Host header (the Node adapter builds it from that); a
    // request made in-process (app.request) has only the URL.
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    const name = hostName(host);
    if (!name || !(isLoopbackName(name) || hosts.has(name))) {
      return c.json(
        {
          error: `refused: the Host "${host.slice(0, 200)}" is not a name of this server (a guard against DNS rebinding)`,
          hint: 'reach Mycel at 127.0.0.1, localhost or MYCEL_HTTP_HOST; behind a reverse proxy set MYCEL_PUBLIC_URL to the public URL (for example https://mycel.example.com) and let the proxy pass the Host header',
        } satisfies ErrorBody,
        403,
      );
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && STATE_CHANGING_METHODS.has(c.req.method)) {
      const own = new URL(c.req.url).origin;
      if (origin !== own && origin !== options.publicOrigin) {
        return c.json(
          {
            error: `refused: a ${c.req.method} from the page at "${origin.slice(0, 200)}", which is not this server's origin (${own})`,
            hint: 'state-changing requests are taken only from Mycel\'s own web app or from clients that send no Origin; behind a reverse proxy set MYCEL_PUBLIC_URL to the origin the browser uses',
          } satisfies ErrorBody,
          403,
        );
      }
    }
    return next();
  };
}
