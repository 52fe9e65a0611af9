/**
 * Minimal read-only JSON API over node:http (the full API is a later issue):
 *   GET /status       → { status: 'ok', routerId, asn, pid, uptimeSeconds, version }
 *   GET /rib/summary  → { paths, best }
 *   GET /neighbors    → NeighborStatus[]
 * Anything else: 404 { error: 'not-found' }; a method other than GET/HEAD: 405 { error: 'method-not-allowed' };
 * a provider that throws: 500 { error: 'internal' } (logged). Binds only the configured address.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { parseHostPort } from '../config/validators.js';
import type { ApiProvider } from './types.js';

export interface ApiServerOptions {
  /** `ADDR:PORT` (port 0 picks a free port; see `ApiServer.port`). */
  listen: string;
  provider: ApiProvider;
  info: { routerId: string; asn: number; version: string };
  logger?: Logger;
}

export interface ApiServer {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export class ApiListenError extends Error {
  readonly code = 'BTRD_ERR_API_LISTEN' as const;
}

function send(res: ServerResponse, status: number, body: unknown, head: boolean): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(head ? undefined : text);
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const hp = /:0$/.test(opts.listen) ? parseHostPort(opts.listen.replace(/:0$/, ':1')) : parseHostPort(opts.listen);
  if (!hp) throw new ApiListenError(`bad API listen address ${JSON.stringify(opts.listen)}`);
  const port = /:0$/.test(opts.listen) ? 0 : hp.port;
  const started = Date.now();
  const routes: Record<string, () => unknown> = {
    '/status': () => ({
      status: 'ok',
      routerId: opts.info.routerId,
      asn: opts.info.asn,
      pid: process.pid,
      uptimeSeconds: Math.floor((Date.now() - started) / 1000),
      version: opts.info.version,
    }),
    '/rib/summary': () => {
      const s = opts.provider.summary();
      return { paths: s.paths, best: s.best };
    },
    '/neighbors': () => opts.provider.neighbors(),
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const head = req.method === 'HEAD';
    const path = new URL(req.url ?? '/', 'http://api').pathname.replace(/\/+$/, '') || '/';
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!route) return send(res, 404, { error: 'not-found', path }, head);
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, { error: 'method-not-allowed' }, false);
    }
    try {
      send(res, 200, route(), head);
    } catch (err) {
      opts.logger?.error({ err, path }, 'api provider failed');
      send(res, 500, { error: 'internal' }, head);
    }
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(new ApiListenError(`cannot listen on ${opts.listen}: ${e.message}`, { cause: e }));
    server.once('error', onError);
    server.listen({ host: hp.address, port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => opts.logger?.error({ err }, 'api server error'));
  const addr = server.address() as AddressInfo;
  opts.logger?.info({ address: addr.address, port: addr.port }, 'api listening');
  return {
    address: addr.address,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
