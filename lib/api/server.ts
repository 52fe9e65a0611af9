/**
 * The operator's JSON API over node:http, bound to one configured (loopback) address. Read-only unless
 * `api.enable-write` is set; writes then need `Authorization: Bearer <api.write-token>`.
 *
 *   GET  /status                    router id, AS, pid, uptime, version
 *   GET  /rib/summary               { paths, best }
 *   GET  /neighbors[/NAME]          state, uptime, prefixes received/accepted/advertised, last error, messages in/out
 *   GET  /routes?prefix=P           one prefix: best and candidates (P may be an address: longest match)
 *   GET  /routes?peer=NAME[&table=advertised]&limit=N   Loc-RIB entries whose best is from NAME, or our Adj-RIB-Out to it
 *   GET  /routes?limit=N            the Loc-RIB (first N entries, total)
 *   GET  /lookup?ip=ADDR            longest match in the Loc-RIB and in the FIB
 *   GET  /replicas                  knobs, health, rounds, disagreements, restarts, heap per replica; the voter
 *   GET  /voter                     mode, quorum misses, fail-overs, recent disagreements
 *   GET  /quarantine                quarantined inputs
 *   GET  /fib                       FIB size and lookups
 *   GET  /metrics                   Prometheus exposition (lib/metrics)
 *   POST /neighbors/NAME/reset?mode=hard|soft-in|soft-out
 *   POST /replicas/N/restart
 *   POST /reload                    re-read the configuration file (as SIGHUP)
 *
 * Errors are JSON { error: CODE, message }: 400 bad request, 401 missing/bad token, 403 writes disabled,
 * 404 unknown path or object, 405 wrong method, 501 operation not available in this daemon, 503 the
 * replicas did not answer in time, 500 internal (logged).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { parseHostPort } from '../config/validators.js';
import { renderMetrics } from '../metrics/index.js';
import { RouteQueryError, type RouteQuery } from './routes.js';
import { ApiRequestError, type ApiProvider, type ResetMode } from './types.js';

export interface ApiServerOptions {
  /** `ADDR:PORT` (port 0 picks a free port; see `ApiServer.port`). */
  listen: string;
  provider: ApiProvider;
  info: { routerId: string; asn: number; version: string };
  logger?: Logger;
  /** Write operations: off unless `enabled` and a token is set. */
  write?: { enabled: boolean; token?: string };
  /** Daemon-level actions the provider does not own. */
  actions?: { reload?: () => Promise<void> };
  /** Longest wait for a replica to answer a query. Default 10000 ms. */
  queryTimeoutMs?: number;
  /** Most route entries in one answer. Default 10000. */
  maxLimit?: number;
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

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time token check: both sides hashed to 32 bytes first, so neither length nor content leaks through timing. */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

type Handler = (ctx: { url: URL; params: string[]; req: IncomingMessage }) => unknown;
interface RouteDef {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handler: Handler;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ApiRequestError(`${what}: no answer within ${ms} ms (replicas busy); try again`, 503, 'busy')), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function notAvailable(what: string): never {
  throw new ApiRequestError(`${what} is not available in this daemon`, 501, 'not-implemented');
}

const RESET_MODES: readonly ResetMode[] = ['hard', 'soft-in', 'soft-out'];

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const hp = /:0$/.test(opts.listen) ? parseHostPort(opts.listen.replace(/:0$/, ':1')) : parseHostPort(opts.listen);
  if (!hp) throw new ApiListenError(`bad API listen address ${JSON.stringify(opts.listen)}`);
  const port = /:0$/.test(opts.listen) ? 0 : hp.port;
  const started = Date.now();
  const p = opts.provider;
  const timeout = opts.queryTimeoutMs ?? 10_000;
  const maxLimit = opts.maxLimit ?? 10_000;

  const limitOf = (url: URL, dflt: number): number => {
    const t = url.searchParams.get('limit');
    if (t === null) return dflt;
    const n = Number(t);
    if (!Number.isInteger(n) || n < 0) throw new ApiRequestError(`limit: expected a non-negative integer, got ${JSON.stringify(t)}`, 400, 'bad-request');
    return Math.min(n, maxLimit);
  };
  const routes = (q: RouteQuery): Promise<unknown> => (p.routes ? withTimeout(p.routes(q), timeout, 'route query') : notAvailable('route queries'));

  const defs: RouteDef[] = [
    { method: 'GET', pattern: /^\/status$/, handler: () => ({ status: 'ok', routerId: opts.info.routerId, asn: opts.info.asn, pid: process.pid, uptimeSeconds: Math.floor((Date.now() - started) / 1000), version: opts.info.version, writeEnabled: writeEnabled() }) },
    { method: 'GET', pattern: /^\/rib\/summary$/, handler: () => {
      const s = p.summary();
      return { paths: s.paths, best: s.best };
    } },
    { method: 'GET', pattern: /^\/neighbors$/, handler: () => p.neighbors() },
    { method: 'GET', pattern: /^\/neighbors\/([^/]+)$/, handler: ({ params }) => {
      const n = p.neighbors().find((x) => x.name === params[0]);
      if (!n) throw new ApiRequestError(`no neighbour named ${JSON.stringify(params[0])}`, 404, 'no-such-neighbor');
      return n;
    } },
    { method: 'GET', pattern: /^\/routes$/, handler: ({ url }) => {
      const prefix = url.searchParams.get('prefix');
      const peer = url.searchParams.get('peer');
      if (prefix !== null) return routes({ kind: 'prefix', prefix });
      if (peer !== null) {
        const table = url.searchParams.get('table') ?? 'best';
        if (table !== 'best' && table !== 'advertised') throw new ApiRequestError(`table: expected best or advertised, got ${JSON.stringify(table)}`, 400, 'bad-request');
        const id = p.peerId?.(peer);
        if (id === undefined) throw new ApiRequestError(`no neighbour named ${JSON.stringify(peer)}`, 404, 'no-such-neighbor');
        return routes({ kind: 'peer', peerId: id, table, limit: limitOf(url, 1000) });
      }
      return routes({ kind: 'all', limit: limitOf(url, 1000) });
    } },
    { method: 'GET', pattern: /^\/lookup$/, handler: async ({ url }) => {
      const ip = url.searchParams.get('ip');
      if (ip === null || ip === '') throw new ApiRequestError('ip: missing (GET /lookup?ip=ADDRESS)', 400, 'bad-request');
      const rib = await routes({ kind: 'lookup', address: ip });
      return { address: ip, rib, fib: p.fibLookup ? p.fibLookup(ip) : null };
    } },
    { method: 'GET', pattern: /^\/replicas$/, handler: async () => ({ replicas: p.replicaStatus ? await withTimeout(p.replicaStatus(), timeout, 'replica status') : [], voter: p.voter?.() ?? null }) },
    { method: 'GET', pattern: /^\/voter$/, handler: () => p.voter?.() ?? notAvailable('the voter') },
    { method: 'GET', pattern: /^\/quarantine$/, handler: () => ({ available: p.quarantine !== undefined, entries: p.quarantine?.() ?? [] }) },
    { method: 'GET', pattern: /^\/fib$/, handler: () => p.fib?.() ?? { available: false, routes: 0, lookups: 0 } },
    { method: 'POST', pattern: /^\/neighbors\/([^/]+)\/reset$/, handler: async ({ params, url }) => {
      const mode = (url.searchParams.get('mode') ?? 'hard') as ResetMode;
      if (!RESET_MODES.includes(mode)) throw new ApiRequestError(`mode: expected ${RESET_MODES.join(' | ')}, got ${JSON.stringify(mode)}`, 400, 'bad-request');
      if (!p.resetNeighbor) notAvailable('neighbour reset');
      await p.resetNeighbor(params[0], mode);
      return { ok: true, neighbor: params[0], mode };
    } },
    { method: 'POST', pattern: /^\/replicas\/(\d+)\/restart$/, handler: async ({ params }) => {
      if (!p.restartReplica) notAvailable('replica restart');
      await p.restartReplica(Number(params[0]));
      return { ok: true, replica: Number(params[0]) };
    } },
    { method: 'POST', pattern: /^\/reload$/, handler: async () => {
      if (!opts.actions?.reload) notAvailable('configuration reload');
      await opts.actions.reload();
      return { ok: true };
    } },
  ];

  function writeEnabled(): boolean {
    return opts.write?.enabled === true && typeof opts.write.token === 'string' && opts.write.token.length > 0;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const head = req.method === 'HEAD';
    const method = head ? 'GET' : req.method;
    const url = new URL(req.url ?? '/', 'http://api');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/metrics') {
      if (method !== 'GET') return send(res, 405, { error: 'method-not-allowed' }, false);
      const m = await renderMetrics();
      res.writeHead(200, { 'content-type': m.contentType, 'content-length': Buffer.byteLength(m.body), 'cache-control': 'no-store' });
      res.end(head ? undefined : m.body);
      return;
    }
    const matching = defs.map((d) => ({ d, m: d.pattern.exec(path) })).filter((x) => x.m !== null);
    if (matching.length === 0) return send(res, 404, { error: 'not-found', path }, head);
    const hit = matching.find((x) => x.d.method === method);
    if (!hit) {
      res.setHeader('allow', [...new Set(matching.map((x) => x.d.method))].join(', ') + (matching.some((x) => x.d.method === 'GET') ? ', HEAD' : ''));
      return send(res, 405, { error: 'method-not-allowed' }, false);
    }
    if (hit.d.method === 'POST') {
      req.resume(); // bodies are not used: parameters are in the URL
      if (!writeEnabled()) return send(res, 403, { error: 'writes-disabled', message: 'write operations are disabled (api.enable-write: false)' }, false);
      const auth = req.headers.authorization;
      const given = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
      if (!tokenMatches(given, opts.write!.token!)) {
        opts.logger?.warn({ path, remote: req.socket.remoteAddress }, 'api write refused: bad or missing token');
        res.setHeader('www-authenticate', 'Bearer');
        return send(res, 401, { error: 'unauthorized', message: 'missing or wrong bearer token' }, false);
      }
      opts.logger?.info({ path, query: url.search }, 'api write');
    }
    const params = hit.m!.slice(1).map((s) => decodeURIComponent(s));
    try {
      send(res, 200, await hit.d.handler({ url, params, req }), head);
    } catch (err) {
      if (err instanceof ApiRequestError) return send(res, err.status, { error: err.code, message: err.message }, head);
      if (err instanceof RouteQueryError) return send(res, 400, { error: 'bad-request', message: err.message }, head);
      opts.logger?.error({ err, path }, 'api provider failed');
      send(res, 500, { error: 'internal' }, head);
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger?.error({ err }, 'api request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal' }, false);
      else res.destroy();
    });
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
  opts.logger?.info({ address: addr.address, port: addr.port, writeEnabled: writeEnabled() }, 'api listening');
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
