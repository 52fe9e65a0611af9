#!/usr/bin/env node
/**
 * btrctl — the operator's command line for a running btrd, over its JSON API (lib/api/server.ts).
 * Human tables by default (in the manner of `birdc show protocols` / `gobgp neighbor`), `--json` prints the
 * API's answer unchanged for scripts. Exit codes: 0 ok, 1 the daemon answered with an error, 2 usage,
 * 3 btrd is not running (no API at the address).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type {
  FibStatusJson, NeighborStatus, QuarantineEntryJson, ReplicaStatusJson, RouteEntryJson, RouteJson, RouteQueryResult, VoterStatusJson,
} from '../lib/api/types.js';

const USAGE = `Usage: btrctl [options] COMMAND

Commands:
  show status                       daemon identity and uptime
  show neighbors [NAME]             sessions: state, uptime, prefixes, messages, last error
  show routes [PREFIX|ADDRESS]      the Loc-RIB, or one prefix with every candidate (an address: longest match)
       [--peer NAME [--advertised]] routes whose best is from NAME, or what btrd advertises to NAME
       [--limit N]                  at most N entries (default 100)
  show replicas                     decision replicas: knobs, health, rounds, disagreements, restarts, heap
  show votes                        the voter: mode, quorum misses, fail-overs, recent disagreements
  show quarantine                   quarantined inputs
  show fib                          FIB size and lookups
  lookup IP                         longest match for IP in the Loc-RIB and the FIB
  reset neighbor NAME [hard|soft-in|soft-out]   (write; needs api.enable-write and the token)
  restart replica N                 (write)
  reload                            re-read the configuration file (write)

Options:
  --api ADDR:PORT    the daemon's API (default: api.listen of --config, else $BTRCTL_API, else 127.0.0.1:8179)
  -c, --config FILE  read api.listen and api.write-token from btrd's configuration file
  --token TOKEN      write token (default: $BTRD_API_TOKEN, else api.write-token of --config)
  --json             print the API's JSON answer
  --timeout MS       give up after MS milliseconds (default 15000)
  -h, --help
`;

export class CliUsageError extends Error {}

interface Options {
  api: string;
  token: string | undefined;
  json: boolean;
  timeoutMs: number;
  peer: string | undefined;
  advertised: boolean;
  limit: number;
  words: string[];
}

function fromConfig(file: string): { listen?: string; token?: string } {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { api?: { listen?: string; 'write-token'?: string } | null } | null;
  const api = doc?.api;
  return { ...(api?.listen ? { listen: api.listen } : {}), ...(api?.['write-token'] ? { token: api['write-token'] } : {}) };
}

function parseCli(argv: string[]): Options | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      api: { type: 'string' },
      config: { type: 'string', short: 'c' },
      token: { type: 'string' },
      json: { type: 'boolean', default: false },
      timeout: { type: 'string' },
      peer: { type: 'string' },
      advertised: { type: 'boolean', default: false },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const conf = values.config ? fromConfig(values.config) : {};
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0) throw new CliUsageError(`--limit: expected a non-negative integer, got ${values.limit}`);
  const timeoutMs = values.timeout === undefined ? 15000 : Number(values.timeout);
  if (!(timeoutMs > 0)) throw new CliUsageError(`--timeout: expected milliseconds > 0, got ${values.timeout}`);
  return {
    api: values.api ?? conf.listen ?? process.env.BTRCTL_API ?? '127.0.0.1:8179',
    token: values.token ?? process.env.BTRD_API_TOKEN ?? conf.token,
    json: values.json === true,
    timeoutMs,
    peer: values.peer,
    advertised: values.advertised === true,
    limit,
    words: positionals,
  };
}

// ── HTTP ──────────────────────────────────────────────────────────────────────────────────────────────

export class DaemonNotRunningError extends Error {}
export class ApiAnswerError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

function baseUrl(api: string): string {
  return `http://${api}`;
}

async function call(o: Options, method: 'GET' | 'POST', path: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(baseUrl(o.api) + path, {
      method,
      signal: AbortSignal.timeout(o.timeoutMs),
      headers: method === 'POST' && o.token ? { authorization: `Bearer ${o.token}` } : {},
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    const code = cause?.code ?? (e as Error).name;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EADDRNOTAVAIL' || code === 'ECONNRESET') {
      throw new DaemonNotRunningError(`btrd is not running, or its API is not at ${o.api} (${code}). Start it with \`btrd -c FILE\`, or point btrctl at the API with --api ADDR:PORT or --config FILE.`);
    }
    if (code === 'TimeoutError') throw new ApiAnswerError(`no answer from btrd at ${o.api} within ${o.timeoutMs} ms`, 0);
    throw new ApiAnswerError(`cannot reach btrd at ${o.api}: ${(e as Error).message}`, 0);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiAnswerError(`unexpected answer from ${o.api}${path} (HTTP ${res.status}): ${text.slice(0, 200)}`, res.status);
  }
  if (!res.ok) {
    const b = body as { error?: string; message?: string };
    throw new ApiAnswerError(`${b.message ?? b.error ?? 'error'} (HTTP ${res.status}${b.error ? ` ${b.error}` : ''})`, res.status);
  }
  return body;
}

// ── formatting ────────────────────────────────────────────────────────────────────────────────────────

/** Left-aligned columns, two spaces apart; numeric columns right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const width = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (numeric[i] ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ').trimEnd();
  return [line(header), ...cells.map(line)].join('\n') + '\n';
}

export function duration(seconds: number | null): string {
  if (seconds === null) return '-';
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  return d > 0 ? `${d}d${two(h)}h${two(m)}m` : `${two(h)}:${two(m)}:${two(s)}`;
}

function neighborsTable(list: readonly NeighborStatus[]): string {
  return table(
    ['Peer', 'Address', 'AS', 'State', 'Up/Down', 'Rcvd', 'Accepted', 'Advertised', 'MsgRcvd', 'MsgSent', 'Last error'],
    list.map((n) => [
      n.name, n.address, n.remoteAs, n.state, duration(n.uptimeSeconds), n.prefixesReceived, n.prefixesAccepted, n.prefixesAdvertised ?? 0,
      sum(n.messagesIn), sum(n.messagesOut), n.lastError ? n.lastError.reason : '',
    ]),
  );
}

function sum(m: Record<string, number> | undefined): number {
  return m ? Object.values(m).reduce((a, b) => a + b, 0) : 0;
}

function neighborDetail(n: NeighborStatus): string {
  const msgs = (m: Record<string, number> | undefined): string => (m ? Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ') : '-');
  return [
    `BGP neighbor ${n.name} (${n.address}), remote AS ${n.remoteAs}`,
    `  State:               ${n.state}${n.uptimeSeconds !== null ? `, up for ${duration(n.uptimeSeconds)}` : ''}`,
    `  Prefixes:            ${n.prefixesReceived} received, ${n.prefixesAccepted} accepted, ${n.prefixesAdvertised ?? 0} advertised`,
    `  Messages received:   ${msgs(n.messagesIn)}`,
    `  Messages sent:       ${msgs(n.messagesOut)}`,
    `  Last error:          ${n.lastError ? `${n.lastError.reason} (${n.lastError.at})` : '-'}`,
  ].join('\n') + '\n';
}

function routeRow(prefix: string, r: RouteJson, best: boolean): (string | number)[] {
  return [`${best ? '*' : ' '}${prefix}`, r.nextHop, r.peer ?? `#${r.peerId}`, r.asPath || '(empty)', r.localPref ?? '-', r.med ?? '-', r.origin ?? '-', r.communities.join(' ')];
}

const ROUTE_HEADER = [' Prefix', 'Next hop', 'From', 'AS path', 'LocPrf', 'MED', 'Origin', 'Communities'];

function routesTable(res: RouteQueryResult, withCandidates: boolean): string {
  const rows: (string | number)[][] = [];
  for (const e of res.entries as RouteEntryJson[]) {
    if (withCandidates && e.candidates) {
      const same = (r: RouteJson): boolean => e.best !== null && r.peerId === e.best.peerId && r.pathId === e.best.pathId;
      // The best first (as birdc does), then the other candidates.
      const ordered = [...e.candidates.filter(same), ...e.candidates.filter((c) => !same(c))];
      ordered.forEach((c, i) => rows.push(routeRow(i === 0 ? e.prefix : '', c, same(c))));
      if (e.candidates.length === 0 && e.best) rows.push(routeRow(e.prefix, e.best, true));
    } else if (e.best) rows.push(routeRow(e.prefix, e.best, true));
  }
  const foot = res.entries.length < res.total ? `(${res.entries.length} of ${res.total} entries shown; --limit N for more)\n` : `(${res.total} ${res.total === 1 ? 'entry' : 'entries'})\n`;
  const by = res.replica !== null ? `answered by replica ${res.replica}\n` : '';
  return (rows.length > 0 ? table(ROUTE_HEADER, rows) : 'no matching route\n') + foot + by;
}

function replicasTable(list: readonly ReplicaStatusJson[], v: VoterStatusJson | null): string {
  if (list.length === 0) return 'replicas: 1 (no voting: a single decision process)\n';
  const knobs = (k: Record<string, unknown>): string =>
    Object.entries(k)
      .filter(([name]) => name !== 'impl')
      .map(([name, val]) => `${name}=${typeof val === 'object' ? JSON.stringify(val) : String(val)}`)
      .join(' ');
  const head = v ? `voting: ${v.mode}${v.k !== null ? ` (k=${v.k})` : ''}${v.master !== null ? `, master ${v.master}` : ''}, ${v.rounds} rounds\n` : '';
  return head + table(
    ['#', 'Impl', 'State', 'Health', 'Rounds', 'Last ms', 'Disagree', 'Divergent', 'Restarts', 'Heap MB', 'Knobs'],
    list.map((r) => [
      r.index, String(r.knobs.impl ?? 'a'), `${r.state}${r.generation > 0 ? ` (gen ${r.generation})` : ''}`, r.alive ? (r.divergentPrefixes > 0 ? 'diverging' : r.master ? 'ok/master' : 'ok') : r.state === 'spare' ? 'ok/spare' : r.role === 'spare' ? `down(${r.fault ?? '?'})/spare` : `down(${r.fault ?? '?'})`,
      r.rounds, Math.round(r.lastRoundMs * 10) / 10, r.disagreements, r.divergentPrefixes, r.restarts, r.heapUsedBytes === null ? '-' : Math.round(r.heapUsedBytes / 1048576), knobs(r.knobs),
    ]),
  );
}

function causes(m: Record<string, number>): string {
  const e = Object.entries(m).filter(([, n]) => n > 0);
  return e.length === 0 ? 'none' : e.map(([k, n]) => `${k} ${n}`).join(', ');
}

function votesText(v: VoterStatusJson): string {
  if (!v.replicated) return 'voting: off (replicas: 1)\n';
  const lines = [
    `mode:            ${v.mode}${v.k !== null ? ` (k=${v.k})` : ''}`,
    ...(v.master !== null ? [`master:          replica ${v.master}`] : []),
    `rounds:          ${v.rounds}`,
    `disagreements:   ${v.disagreements}`,
    `quorum misses:   ${v.quorumMisses}`,
    `fail-overs:      ${v.failovers}`,
    `replicas voting: ${v.voting} (quorum ${v.quorum})${v.degraded ? `  DEGRADED: ${v.degradedReason ?? ''}` : ''}`,
    `verdicts:        ${causes(v.verdictsByCause)}`,
    `restarts:        ${causes(v.restartsByCause)}`,
    `quarantined:     ${v.quarantinedTotal} input(s)`,
  ].join('\n') + '\n';
  if (v.recent.length === 0) return lines;
  return lines + '\nrecent disagreements:\n' + table(['Round', 'Prefix', 'Dissenting replicas'], v.recent.map((d) => [d.round, d.prefix, d.replicas.join(',')]));
}

// ── commands ──────────────────────────────────────────────────────────────────────────────────────────

async function run(o: Options, out: (s: string) => void): Promise<void> {
  const [cmd, what, ...rest] = o.words;
  const json = (x: unknown): void => out(JSON.stringify(x, null, 2) + '\n');
  const show = async (path: string, human: (body: never) => string): Promise<void> => {
    const body = await call(o, 'GET', path);
    if (o.json) json(body);
    else out(human(body as never));
  };
  if (cmd === 'show') {
    switch (what) {
      case 'status':
        return show('/status', (s: { routerId: string; asn: number; pid: number; uptimeSeconds: number; version: string; writeEnabled?: boolean }) =>
          `btrd ${s.version}, router id ${s.routerId}, AS ${s.asn}, pid ${s.pid}, up ${duration(s.uptimeSeconds)}, writes ${s.writeEnabled ? 'enabled' : 'disabled'}\n`);
      case 'neighbors':
      case 'neighbours':
      case 'protocols':
        if (rest[0]) return show(`/neighbors/${encodeURIComponent(rest[0])}`, neighborDetail);
        return show('/neighbors', neighborsTable);
      case 'routes':
      case 'route': {
        if (rest[0]) return show(`/routes?prefix=${encodeURIComponent(rest[0])}`, (r: RouteQueryResult) => routesTable(r, true));
        if (o.peer) return show(`/routes?peer=${encodeURIComponent(o.peer)}&table=${o.advertised ? 'advertised' : 'best'}&limit=${o.limit}`, (r: RouteQueryResult) => routesTable(r, false));
        return show(`/routes?limit=${o.limit}`, (r: RouteQueryResult) => routesTable(r, false));
      }
      case 'replicas':
        return show('/replicas', (b: { replicas: ReplicaStatusJson[]; voter: VoterStatusJson | null }) => replicasTable(b.replicas, b.voter));
      case 'votes':
      case 'voter':
        return show('/voter', votesText);
      case 'quarantine':
        return show('/quarantine', (b: { available: boolean; entries: QuarantineEntryJson[] }) =>
          !b.available ? 'quarantine: not available in this daemon\n' : b.entries.length === 0 ? 'quarantine: empty\n' : table(['Since', 'Peer', 'Round', 'Hits', 'Prefixes', 'Reason'], b.entries.map((e) => [e.since, e.peer ?? '-', e.round, e.hits, e.prefixes.slice(0, 3).join(' ') + (e.prefixes.length > 3 ? ` (+${e.prefixes.length - 3})` : ''), e.reason])));
      case 'fib':
        return show('/fib', (f: FibStatusJson) => (f.available ? `FIB: ${f.routes} routes, ${f.lookups} lookups served\n` : 'FIB: not available in this daemon\n'));
      default:
        throw new CliUsageError(`show: unknown object ${JSON.stringify(what ?? '')} (neighbors, routes, replicas, votes, quarantine, fib, status)`);
    }
  }
  if (cmd === 'lookup') {
    if (!what) throw new CliUsageError('lookup: missing IP address');
    return show(`/lookup?ip=${encodeURIComponent(what)}`, (b: { address: string; rib: RouteQueryResult; fib: { prefix: string | null; nextHop: string | null } | null }) => {
      const fib = b.fib ? `FIB: ${b.fib.prefix ? `${b.fib.prefix} via ${b.fib.nextHop ?? '-'}` : 'no route'}\n` : '';
      return `${b.address}: ${b.rib.entries.length > 0 ? `longest match ${b.rib.entries[0].prefix}` : 'no route'}\n` + (b.rib.entries.length > 0 ? routesTable(b.rib, true) : '') + fib;
    });
  }
  const write = async (path: string, done: string): Promise<void> => {
    const body = await call(o, 'POST', path);
    if (o.json) json(body);
    else out(done + '\n');
  };
  if (cmd === 'reset' && (what === 'neighbor' || what === 'neighbour')) {
    if (!rest[0]) throw new CliUsageError('reset neighbor: missing NAME');
    const mode = rest[1] ?? 'hard';
    return write(`/neighbors/${encodeURIComponent(rest[0])}/reset?mode=${encodeURIComponent(mode)}`, `neighbor ${rest[0]}: ${mode} reset requested`);
  }
  if (cmd === 'restart' && what === 'replica') {
    if (!rest[0] || !/^\d+$/.test(rest[0])) throw new CliUsageError('restart replica: missing replica number');
    return write(`/replicas/${rest[0]}/restart`, `replica ${rest[0]}: restart requested`);
  }
  if (cmd === 'reload') return write('/reload', 'configuration reloaded');
  throw new CliUsageError(cmd ? `unknown command ${JSON.stringify(o.words.join(' '))}` : 'missing command');
}

async function main(): Promise<number> {
  let o: Options | 'help';
  try {
    o = parseCli(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`btrctl: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (o === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    await run(o, (s) => process.stdout.write(s));
    return 0;
  } catch (e) {
    if (e instanceof CliUsageError) {
      process.stderr.write(`btrctl: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof DaemonNotRunningError) {
      process.stderr.write(`btrctl: ${e.message}\n`);
      return 3;
    }
    if (e instanceof ApiAnswerError) {
      process.stderr.write(`btrctl: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

process.exitCode = await main();
