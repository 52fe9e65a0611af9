#!/usr/bin/env node
/**
 * `npm run demo` — btrd's bug tolerance in one minute, on loopback, with no external daemon.
 *
 *   MRT RIB (../shared/data) ──► in-repo injectors (one BGP session per MRT peer) ──┬──► btrd, 3 voted replicas,
 *                                                                                  │    replica 2 with a deliberate
 *                                                                                  │    bug (wrong best in 1.0.0.0/8)
 *                                                                                  └──► btrd, 1 decision process (reference)
 *   Each btrd exports its table to an observer session. The demo prints a live summary read from the voted
 *   btrd's JSON API, then checks: the voter caught the faulty replica (it alone disagreed), the observer of
 *   the voted btrd received exactly what the reference btrd exported (nothing wrong got out), route queries
 *   through the API were answered with the voted routes, and the FIB (when this build has one) holds the
 *   reference Loc-RIB. Exits 0 when every check passes, 1 otherwise, and by itself after at most --seconds.
 *
 *   --json        print one JSON summary at the end (what spec/demo checks) instead of the human report
 *   --peers N     MRT peers to replay (default 4, the fullest feeds)
 *   --seconds S   give up after S seconds (default 60)
 *   --address A   first three octets of the loopback addresses to use (default 127.0.4)
 *   --port P      base TCP port (default 24100: BGP P and P+1, API P+2)
 *   --hold S      keep both btrd running S seconds after the checks, to try btrctl against the voted one
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startApiServer, type ApiServer } from '../lib/api/server.js';
import type { ReplicaStatusJson, RouteQueryResult, VoterStatusJson } from '../lib/api/types.js';
import { parseConfig } from '../lib/config/load.js';
import { Injector } from '../lib/inject/injector.js';
import { createLogger } from '../lib/log.js';
import { setMetricsSource } from '../lib/metrics/index.js';
import { readMrt } from '../lib/mrt/reader.js';
import { ribToUpdates } from '../lib/mrt/to-updates.js';
import type { MrtPeer } from '../lib/mrt/types.js';
import { Progress } from '../lib/progress.js';
import { Speaker } from '../lib/speaker.js';
import { formatAsPath } from '../lib/api/routes.js';
import { formatPrefix, parsePrefix, prefixContains } from '../lib/wire/prefix.js';

const execFileAsync = promisify(execFile);
const SHARED_DATA = process.env.BTRD_SHARED_DATA ?? fileURLToPath(new URL('../../../shared/data', import.meta.url));
const MRT = `${SHARED_DATA}/mrt/rib/rib.20140523.0600_firstMB.complete-records.gz`;
const FAULT_RANGE = '1.0.0.0/8';
const FAULTY = 2;
const LOCAL_AS = 65000;
const OBSERVER_AS = 65100;

export interface DemoSummary {
  ok: boolean;
  seconds: number;
  input: { file: string; localAs: number; peers: number; peerAddresses: string[]; messages: number; prefixes: number };
  routes: { best: number; paths: number; referenceBest: number };
  voter: VoterStatusJson;
  replicas: ReplicaStatusJson[];
  fault: { replica: number; kind: string; range: string; caught: boolean; onlyFaultyDisagreed: boolean; restarted: boolean };
  exports: { observerPrefixes: number; referencePrefixes: number; mismatches: number; identical: boolean };
  api: { queried: number; answeredWithVotedRoute: number; answeredByReplicas: number[] };
  fib: { available: boolean; routes: number | null; wrongEntries: number | null; matchesReference: boolean | null };
  checks: Record<string, boolean>;
}

interface Feed {
  peer: MrtPeer;
  messages: Uint8Array[];
  prefixes: number;
}

async function loadFeeds(maxPeers: number, quiet: boolean): Promise<Feed[]> {
  const byPeer = new Map<number, Feed>();
  const progress = new Progress({ label: 'loading MRT RIB', unit: 'prefixes', ...(quiet ? { stream: { write: () => undefined } } : {}) });
  for await (const u of ribToUpdates(readMrt(MRT), { addPath: false })) {
    if (!u.peer || u.afi !== 1) continue;
    let f = byPeer.get(u.peerIndex);
    if (!f) byPeer.set(u.peerIndex, (f = { peer: u.peer, messages: [], prefixes: 0 }));
    f.messages.push(u.message);
    f.prefixes += u.prefixCount;
    progress.add(u.prefixCount);
  }
  progress.finish();
  return [...byPeer.values()].filter((f) => f.peer.asn !== LOCAL_AS && f.peer.asn !== OBSERVER_AS).sort((a, b) => b.prefixes - a.prefixes).slice(0, maxPeers);
}

function configYaml(o: { addr: string; port: number; replicas: number; feeds: Feed[]; api?: { port: number; token: string } }): string {
  const peers = o.feeds.map((f, i) => `  - { name: mrt${i}-as${f.peer.asn}, address: ${o.addr}.${20 + i}, remote-as: ${f.peer.asn}, passive: true, hold-time: 90 }`);
  peers.push(`  - { name: observer, address: ${o.addr}.9, remote-as: ${OBSERVER_AS}, passive: true, hold-time: 90 }`);
  return [
    'router-id: 192.0.2.1',
    `asn: ${LOCAL_AS}`,
    `listen: [{ address: ${o.addr}.1, port: ${o.port} }]`,
    `replicas: ${o.replicas}`,
    ...(o.replicas > 1
      ? [
          'replication:',
          '  mode: continuous-majority',
          '  knobs:',
          '    - { impl: a, order-seed: 1 }',
          '    - { impl: b, order-seed: 2, tiebreak-seed: 7 }',
          `    - { impl: a, reverse-scan: true, fault: { wrong-best-in-range: ${FAULT_RANGE} } }   # replica ${FAULTY}: the deliberate bug`,
        ]
      : []),
    o.api ? `api: { listen: "${o.addr}.1:${o.api.port}", enable-write: true, write-token: "${o.api.token}" }` : 'api: null',
    'log: { level: warn, pretty: false }',
    'peers:',
    ...peers,
  ].join('\n') + '\n';
}

/** The table an observer session received: prefix → "AS path | next hop". */
function observedTable(inj: Injector): Map<string, string> {
  const t = new Map<string, string>();
  for (const m of inj.received) {
    if (m.type !== 'update') continue;
    const u = m.update;
    for (const p of u.withdrawn) t.delete(formatPrefix(p));
    if (u.attributes) for (const p of u.nlri) t.set(formatPrefix(p), `${formatAsPath(u.attributes)} | ${u.attributes.nextHop ?? ''}`);
  }
  return t;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function runDemo(opts: { json: boolean; peers: number; seconds: number; addr: string; port: number; holdSeconds?: number; out: (s: string) => void }): Promise<DemoSummary> {
  const t0 = performance.now();
  const say = (s: string): void => {
    if (!opts.json) opts.out(s + '\n');
  };
  say(`btrd demo: 3 voted decision replicas, replica ${FAULTY} with a deliberate bug (reports a wrong best path for prefixes in ${FAULT_RANGE}),`);
  say('next to a reference btrd with one decision process; both fed the same real RIB by the in-repo injector.\n');
  const feeds = await loadFeeds(opts.peers, opts.json);
  const token = randomBytes(16).toString('hex');
  const apiPort = opts.port + 2;
  const logger = createLogger({ level: 'warn', pretty: true, destination: { write: (l: string) => (opts.json ? undefined : process.stderr.write(l)) } });
  const voted = new Speaker(parseConfig(configYaml({ addr: opts.addr, port: opts.port, replicas: 3, feeds, api: { port: apiPort, token } }), 'demo-voted.yaml'), logger.child({ btrd: 'voted' }));
  const reference = new Speaker(parseConfig(configYaml({ addr: opts.addr, port: opts.port + 1, replicas: 1, feeds }), 'demo-reference.yaml'), logger.child({ btrd: 'reference' }));
  let api: ApiServer | null = null;
  const injectors: Injector[] = [];
  try {
    await voted.start();
    await reference.start();
    setMetricsSource(voted);
    api = await startApiServer({ listen: `${opts.addr}.1:${apiPort}`, provider: voted, info: { routerId: '192.0.2.1', asn: LOCAL_AS, version: 'demo' }, write: { enabled: true, token } });
    const base = `http://${opts.addr}.1:${apiPort}`;
    say(`voted btrd: BGP ${opts.addr}.1:${opts.port}, API ${base} (try: btrctl --api ${opts.addr}.1:${apiPort} show replicas)`);

    const connect = (port: number, local: string, asn: number, routerId: string): Promise<Injector> =>
      Injector.connect({ remoteAddress: `${opts.addr}.1`, remotePort: port, localAddress: local, localAs: asn, routerId, holdTime: 90 });
    const observerVoted = await connect(opts.port, `${opts.addr}.9`, OBSERVER_AS, '10.255.0.9');
    const observerRef = await connect(opts.port + 1, `${opts.addr}.9`, OBSERVER_AS, '10.255.0.9');
    injectors.push(observerVoted, observerRef);
    const senders: { inj: Injector; feed: Feed }[] = [];
    for (const [i, f] of feeds.entries()) {
      const routerId = f.peer.bgpId === '0.0.0.0' ? `10.255.1.${i + 1}` : f.peer.bgpId;
      for (const port of [opts.port, opts.port + 1]) {
        const inj = await connect(port, `${opts.addr}.${20 + i}`, f.peer.asn, routerId);
        injectors.push(inj);
        senders.push({ inj, feed: f });
      }
    }
    const totalMessages = senders.reduce((s, x) => s + x.feed.messages.length, 0);
    const totalPrefixes = feeds.reduce((s, f) => s + f.prefixes, 0);
    say(`${feeds.length} MRT peers (${feeds.map((f) => `AS${f.peer.asn}`).join(', ')}): ${totalPrefixes.toLocaleString('en-US')} routes each way\n`);

    const progress = new Progress({ label: 'injecting', unit: 'UPDATEs', total: totalMessages, stream: { write: () => undefined } });
    let sending = true;
    const live = (async () => {
      while (sending) {
        await sleep(1000);
        if (!sending || opts.json) continue;
        try {
          const s = await getJson<{ paths: number; best: number }>(`${base}/rib/summary`);
          const r = await getJson<{ replicas: ReplicaStatusJson[]; voter: VoterStatusJson }>(`${base}/replicas`);
          const dis = r.replicas.map((x) => `r${x.index}:${x.disagreements}`).join(' ');
          say(`  ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s  ${progress.line().replace('injecting  ', 'sent ')}  |  voted RIB ${s.best.toLocaleString('en-US')} best / ${s.paths.toLocaleString('en-US')} paths  rounds ${r.voter.rounds}  disagreements ${dis}  observer ${observedTable(observerVoted).size.toLocaleString('en-US')}`);
        } catch {
          // a busy API during the load is not a demo failure; the final checks decide
        }
      }
    })();
    await Promise.all(senders.map(async ({ inj, feed }) => {
      for (let at = 0; at < feed.messages.length; at += 200) {
        const chunk = feed.messages.slice(at, at + 200);
        await inj.send(chunk);
        progress.add(chunk.length);
        await new Promise<void>((r) => setImmediate(r));
      }
      await inj.sendEndOfRib();
    }));
    // Everything sent: wait until both speakers have voted/applied it and the observers' tables stop moving.
    await voted.settled();
    await reference.settled();
    let last = -1;
    for (let stable = 0; stable < 3; ) {
      await sleep(500);
      const n = observedTable(observerVoted).size + observedTable(observerRef).size * 1e7;
      stable = n === last ? stable + 1 : 0;
      last = n;
    }
    sending = false;
    await live;
    progress.finish();

    // ── checks ──
    const summary = await getJson<{ paths: number; best: number }>(`${base}/rib/summary`);
    const refSummary = reference.summary();
    const rs = await getJson<{ replicas: ReplicaStatusJson[]; voter: VoterStatusJson }>(`${base}/replicas`);
    const faulty = rs.replicas[FAULTY];
    const caught = faulty.disagreements > 0;
    const onlyFaulty = rs.replicas.every((r) => (r.index === FAULTY ? r.disagreements > 0 : r.disagreements === 0));
    const ov = observedTable(observerVoted);
    const or = observedTable(observerRef);
    let mismatches = 0;
    for (const [p, v] of or) if (ov.get(p) !== v) mismatches++;
    for (const p of ov.keys()) if (!or.has(p)) mismatches++;

    // API route queries for prefixes inside the faulty range: they must carry the voted (= reference) best.
    const range = parsePrefix(FAULT_RANGE);
    const sample = [...or.keys()].filter((p) => prefixContains(range, parsePrefix(p))).slice(0, 40);
    let good = 0;
    const answeredBy = new Set<number>();
    for (const p of sample) {
      const got = await getJson<RouteQueryResult>(`${base}/routes?prefix=${encodeURIComponent(p)}`);
      const want = await reference.routes({ kind: 'prefix', prefix: p });
      if (got.replica !== null) answeredBy.add(got.replica);
      const a = got.entries[0]?.best;
      const b = want.entries[0]?.best;
      if (a && b && a.peer === b.peer && a.asPath === b.asPath && a.nextHop === b.nextHop) good++;
    }

    // The FIB, prefix by prefix: the longest match of each Loc-RIB prefix's address in the voted btrd's FIB
    // must be the prefix and next hop the reference btrd's Loc-RIB gives for the same address.
    const fib = voted.fib();
    let fibWrong = 0;
    if (fib.available) {
      const refAll = await reference.routes({ kind: 'all', limit: 1_000_000 });
      for (const e of refAll.entries) {
        const addr = e.prefix.split('/')[0];
        const want = (await reference.routes({ kind: 'lookup', address: addr })).entries[0];
        const got = voted.fibLookup(addr);
        if (!want?.best || got.prefix !== want.prefix || got.nextHop !== want.best.nextHop) fibWrong++;
      }
    }
    const fibOk = fib.available ? fib.routes === refSummary.best && fibWrong === 0 : null;
    const restarted = faulty.restarts > 0;

    const checks: Record<string, boolean> = {
      'routes loaded (voted Loc-RIB = reference Loc-RIB size)': summary.best === refSummary.best && summary.best > 0,
      [`fault caught (replica ${FAULTY} disagreed with the vote)`]: caught,
      'only the faulty replica disagreed': onlyFaulty,
      'observer of the voted btrd got exactly the reference exports': mismatches === 0 && ov.size > 0,
      'API route queries answered with the voted route': sample.length > 0 && good === sample.length && !answeredBy.has(FAULTY),
      [`the controller restarted replica ${FAULTY}`]: faulty.restarts > 0,
      ...(fibOk !== null ? { 'FIB holds the reference Loc-RIB': fibOk } : {}),
    };
    const result: DemoSummary = {
      ok: Object.values(checks).every(Boolean),
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      input: { file: MRT.replace(/.*shared\//, '../shared/'), localAs: LOCAL_AS, peers: feeds.length, peerAddresses: feeds.map((f) => f.peer.ip), messages: totalMessages / 2, prefixes: totalPrefixes },
      routes: { best: summary.best, paths: summary.paths, referenceBest: refSummary.best },
      voter: rs.voter,
      replicas: rs.replicas,
      fault: { replica: FAULTY, kind: 'wrong-best-in-range', range: FAULT_RANGE, caught, onlyFaultyDisagreed: onlyFaulty, restarted },
      exports: { observerPrefixes: ov.size, referencePrefixes: or.size, mismatches, identical: mismatches === 0 },
      api: { queried: sample.length, answeredWithVotedRoute: good, answeredByReplicas: [...answeredBy] },
      fib: { available: fib.available, routes: fib.available ? fib.routes : null, wrongEntries: fib.available ? fibWrong : null, matchesReference: fibOk },
      checks,
    };
    if (!opts.json) {
      say('\n$ btrctl show replicas');
      const btrctl = fileURLToPath(new URL('./btrctl.js', import.meta.url));
      // Asynchronously: the API answering btrctl runs in this process.
      const btrctlSays = async (...args: string[]): Promise<string> => {
        try {
          const r = await execFileAsync(process.execPath, [btrctl, '--api', `${opts.addr}.1:${apiPort}`, ...args], { encoding: 'utf8', timeout: 15000 });
          return r.stdout.trimEnd();
        } catch (e) {
          return `btrctl failed: ${(e as Error).message}`;
        }
      };
      say(await btrctlSays('show', 'replicas'));
      say('\n$ btrctl show votes');
      say((await btrctlSays('show', 'votes')).split('\n').slice(0, 18).join('\n'));
      say(`\nvoted Loc-RIB: ${summary.best.toLocaleString('en-US')} prefixes, ${summary.paths.toLocaleString('en-US')} paths (reference: ${refSummary.best.toLocaleString('en-US')})`);
      say(`observer of the voted btrd: ${ov.size.toLocaleString('en-US')} prefixes, ${mismatches} different from the reference btrd's exports`);
      say(`replica ${FAULTY}: ${faulty.restarts} restart(s) by the controller, now ${faulty.state}${faulty.lastVerdict ? ` (last verdict: ${faulty.lastVerdict.cause}: ${faulty.lastVerdict.evidence})` : ''}`);
      say(`FIB: ${fib.available ? `${fib.routes.toLocaleString('en-US')} routes, ${fibWrong} different from the reference Loc-RIB (longest match and next hop of every prefix)` : 'not wired in this build'}`);
      say('\nchecks:');
      for (const [name, ok] of Object.entries(checks)) say(`  ${ok ? 'PASS' : 'FAIL'}  ${name}`);
      say(`\n${result.ok ? 'demo OK' : 'demo FAILED'} in ${result.seconds} s`);
    } else opts.out(JSON.stringify(result, null, 2) + '\n');
    if (opts.holdSeconds) {
      say(`\nholding for ${opts.holdSeconds} s: btrctl --api ${opts.addr}.1:${apiPort} show neighbors | routes [PREFIX] | replicas | votes | quarantine | fib; lookup IP`);
      await sleep(opts.holdSeconds * 1000);
    }
    return result;
  } finally {
    const step = async (what: string, p: Promise<unknown>): Promise<void> => {
      const t = performance.now();
      await p;
      if (process.env.BTRD_DEMO_DEBUG) process.stderr.write(`demo: ${what} took ${Math.round(performance.now() - t)} ms\n`);
    };
    await step('injectors close', Promise.allSettled(injectors.map((i) => i.close())));
    await step('api close', api?.close() ?? Promise.resolve());
    setMetricsSource(null);
    await step('voted stop', voted.stop().catch(() => undefined));
    await step('reference stop', reference.stop().catch(() => undefined));
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      peers: { type: 'string', default: '4' },
      seconds: { type: 'string', default: '60' },
      address: { type: 'string', default: '127.0.4' },
      port: { type: 'string', default: '24100' },
      hold: { type: 'string', default: '0' },
    },
  });
  const hold = Number(values.hold);
  const seconds = Number(values.seconds) + hold;
  const deadline = setTimeout(() => {
    process.stderr.write(`demo: not finished after ${seconds} s: giving up\n`);
    process.exit(1);
  }, seconds * 1000);
  deadline.unref();
  const r = await runDemo({ json: values.json === true, peers: Number(values.peers), seconds, addr: values.address!, port: Number(values.port), holdSeconds: hold, out: (s) => process.stdout.write(s) });
  return r.ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
