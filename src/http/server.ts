import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { MycelError } from '../shared/errors.js';

/** How long open connections get to finish when the server stops. */
export const HTTP_CLOSE_TIMEOUT_MS = 5_000;

export interface RunningHttpServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Listens on host:port (0 = a free port) and resolves once it is listening. */
export async function startHttpServer(app: OpenAPIHono, host: string, port: number): Promise<RunningHttpServer> {
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new MycelError('HTTP_PORT_IN_USE', `Port ${port} on ${host} is already in use.`, 'set MYCEL_HTTP_PORT to a free port, or stop the other process')
          : err,
      ),
    );
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    stop: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        }, HTTP_CLOSE_TIMEOUT_MS);
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
