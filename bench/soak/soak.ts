/**
 * Soak (issue 8): a bounded run of btrd with replicas = 3 under real BGP churn, session flaps and replica
 * faults, checking at the end that nothing was lost or left stale and that memory stayed bounded.
 *
 *   - btrd runs in this process (lib/speaker.ts, the real YAML config path) with 3 voted replicas; replica 1
 *     crashes every BTRD_SOAK_CRASH_ROUNDS rounds (controller restart + re-sync each time) and replica 2
 *     reports wrong best paths for 0.0.0.0/3 in implementation a (restarted with rotated diversity it is
 *     fixed) — the fault knobs of lib/replica/faults.ts, set in the config.
 *   - S1..S4 (raw test peers, spec/hardening/peer.ts) each replay a real BGP4MP updates file from
 *     ../shared/data/mrt/updates (IPv4 UPDATEs of 4-octet-AS sessions, in file order, looped) at --rate
 *     UPDATEs/s; each keeps the table it currently advertises.
 *   - Every --flap-every seconds one S peer (round robin) closes its session (Cease) and reconnects 2 s
 *     later, re-announcing its whole current table.
 *   - O, an eBGP observer, receives btrd's exports.
 *   - Every --sample-every seconds: RSS, V8 heap of this thread, external memory.
 *
 * At the end (feeds stopped, btrd settled, O quiet for 5 s) the checks:
 *   1. no lost or stale routes: O's table (what btrd exports) equals the exports a FRESH RoutingEngine
 *      computes from the S peers' final tables (their Adj-RIB-Ins), prefix by prefix, AS_PATH included;
 *      and btrd's Adj-RIB-In per peer has exactly the prefixes that peer advertises;
 *   2. memory: RSS at the end ≤ BOUND × RSS after warm-up (the first 20 % of the run);
 *   3. no unhandled rejections (process hook) and no "unhandled rejection"/"uncaught" in btrd's log.
 *
 * Usage: node dist/bench/soak/soak.js [--minutes 30] [--rate 100] [--flap-every 60] [--sample-every 10]
 * Writes bench/results/soak-<minutes>min.json and bench/results/soak-<minutes>min.svg; exit 1 if a check failed.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readMrt } from '../../lib/mrt/reader.js';
import { RoutingEngine } from '../../lib/rib/engine.js';
import type { EnginePeer } from '../../lib/rib/types.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { formatPrefix, type PrefixKey } from '../../lib/wire/prefix.js';
import { formatAsPath } from '../../lib/wire/attributes.js';
import { packUpdates } from '../../lib/export/packer.js';
import type { PathAttributes } from '../../lib/wire/types.js';
import { startBtrd } from '../../spec/interop/setup.js';
import { dataPath } from '../../spec/helpers/corpus.js';
import { connectPeer, type TestPeer } from '../../spec/hardening/peer.js';
import { writeBarChart } from '../chart.js';

const { values: argv } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '100' },
    'flap-every': { type: 'string', default: '60' },
    'sample-every': { type: 'string', default: '10' },
  },
});
const MINUTES = Number(argv.minutes);
const RATE = Number(argv.rate);
const FLAP_EVERY_S = Number(argv['flap-every']);
const SAMPLE_EVERY_S = Number(argv['sample-every']);
const CRASH_ROUNDS = Number(process.env.BTRD_SOAK_CRASH_ROUNDS ?? 400);
/** Stated bound: RSS at the end at most this times RSS after warm-up. */
const RSS_GROWTH_BOUND = 1.5;

const FILES = ['mrt/updates/updates.20160811.1600.gz', 'mrt/updates/routeviews.route-views.jinx.updates.1427846400.gz', 'mrt/updates/rrc15.updates.20100227.1600.gz', 'mrt/updates/updates.example.gz'];
const BTRD = { addr: '127.0.5.100', port: 25100, asn: 4200005100 };
const S = FILES.map((f, i) => ({ name: `s${i + 1}`, file: f, addr: `127.0.5.${101 + i}`, asn: 4200005101 + i, routerId: `10.0.5.${101 + i}` }));
const O = { name: 'o', addr: '127.0.5.110', asn: 4200005110, routerId: '10.0.5.110' };
const CODEC = { fourOctetAs: true };

let unhandled = 0;
process.on('unhandledRejection', (e) => {
  unhandled++;
  console.error('unhandled rejection', e);
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** IPv4 UPDATEs received on 4-octet-AS sessions, as whole messages, in file order. */
async function loadChurn(rel: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const r of readMrt(dataPath(rel))) {
    if (r.kind !== 'bgp4mp-message' || r.local || r.addPath || !r.as4 || r.message[18] !== 2) continue;
    let u;
    try {
      u = decodeUpdate(r.message.subarray(19), CODEC, null);
    } catch {
      continue;
    }
    if (u.treatment !== 'none' || u.mpReach || u.mpUnreach) continue;
    if (u.nlri.length === 0 && u.withdrawn.length === 0) continue;
    out.push(r.message.slice());
  }
  return out;
}

interface Feeder {
  readonly cfg: (typeof S)[number];
  readonly messages: Uint8Array[];
  at: number;
  peer: TestPeer | null;
  /** What this peer currently advertises. */
  readonly table: Map<PrefixKey, PathAttributes>;
  sent: number;
  flaps: number;
  /** Sends are chained: a write waiting for 'drain' must not be overtaken by the next batch (order matters). */
  chain: Promise<unknown>;
}

function track(f: Feeder, m: Uint8Array): void {
  const u = decodeUpdate(m.subarray(19), CODEC, null);
  for (const k of u.withdrawn) f.table.delete(k);
  if (u.attributes) for (const k of u.nlri) f.table.set(k, u.attributes);
}

async function connect(f: Feeder): Promise<void> {
  f.peer = await connectPeer({ host: BTRD.addr, port: BTRD.port, localAddress: f.cfg.addr, asn: f.cfg.asn, routerId: f.cfg.routerId, holdTime: 30, lazyUpdates: true }, 30000);
  // Re-announce the current table (after a flap; empty at the start).
  const msgs = packUpdates({ announce: new Map(f.table), withdraw: new Set() }, CODEC, { maxMessageLength: 4096, families: { ipv4: true, ipv6: false } });
  await f.peer.send(msgs);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const endAt = t0 + MINUTES * 60000;
  const feeders: Feeder[] = [];
  for (const s of S) feeders.push({ cfg: s, messages: await loadChurn(s.file), at: 0, peer: null, table: new Map(), sent: 0, flaps: 0, chain: Promise.resolve() });
  for (const f of feeders) if (f.messages.length === 0) throw new Error(`${f.cfg.file}: no IPv4 UPDATEs of 4-octet-AS sessions`);
  console.log(JSON.stringify({ loaded: feeders.map((f) => ({ peer: f.cfg.name, file: f.cfg.file, updates: f.messages.length })) }));

  const btrd = await startBtrd(`
router-id: 10.0.5.100
asn: ${BTRD.asn}
listen: [{ address: ${BTRD.addr}, port: ${BTRD.port} }]
api: null
replicas: 3
replication:
  mode: continuous-majority
  knobs:
    - { impl: a }
    - { impl: b, fault: { crash-after-rounds: ${CRASH_ROUNDS} } }
    - { impl: a, fault: { wrong-best-in-range: 0.0.0.0/3, only-impl: a } }
  controller: { max-restarts: 1000 }
peers:
${S.map((s) => `  - { name: ${s.name}, address: ${s.addr}, remote-as: ${s.asn}, passive: true, idle-hold-time: 1 }`).join('\n')}
  - { name: ${O.name}, address: ${O.addr}, remote-as: ${O.asn}, passive: true, idle-hold-time: 1 }
`);
  const observer = await connectPeer({ host: BTRD.addr, port: BTRD.port, localAddress: O.addr, asn: O.asn, routerId: O.routerId, holdTime: 30, lazyUpdates: true }, 30000);
  for (const f of feeders) await connect(f);

  const samples: { s: number; rssMb: number; heapMb: number; externalMb: number; paths: number }[] = [];
  const sample = (): void => {
    const m = process.memoryUsage();
    samples.push({ s: Math.round((Date.now() - t0) / 1000), rssMb: Math.round(m.rss / 1048576), heapMb: Math.round(m.heapUsed / 1048576), externalMb: Math.round((m.external + m.arrayBuffers) / 1048576), paths: btrd.speaker.summary().paths });
  };
  sample();
  const sampler = setInterval(sample, SAMPLE_EVERY_S * 1000);

  // Feed: every 100 ms each connected peer sends RATE/10 UPDATEs of its file (looped).
  let flapIndex = 0;
  let nextFlap = Date.now() + FLAP_EVERY_S * 1000;
  const flapping = new Set<Feeder>();
  while (Date.now() < endAt) {
    const tick = Date.now();
    for (const f of feeders) {
      if (!f.peer || flapping.has(f) || f.peer.closed) continue;
      const batch: Uint8Array[] = [];
      for (let i = 0; i < Math.max(1, Math.round(RATE / 10)); i++) {
        const m = f.messages[f.at];
        f.at = (f.at + 1) % f.messages.length;
        track(f, m);
        batch.push(m);
      }
      f.sent += batch.length;
      const p = f.peer;
      f.chain = f.chain.then(() => p.send(batch));
    }
    if (Date.now() >= nextFlap) {
      nextFlap += FLAP_EVERY_S * 1000;
      const f = feeders[flapIndex++ % feeders.length];
      flapping.add(f);
      f.flaps++;
      void (async () => {
        await f.chain;
        await f.peer?.close();
        await sleep(2000);
        await connect(f);
        flapping.delete(f);
      })().catch((e: unknown) => console.error(`flap of ${f.cfg.name} failed`, e));
    }
    await sleep(Math.max(0, 100 - (Date.now() - tick)));
  }
  while (flapping.size > 0) await sleep(200);
  // Quiesce: btrd settled and the observer quiet for 5 s.
  for (let n = -1, i = 0; i < 60 && observer.frames.length !== n; i++) {
    n = observer.frames.length;
    await btrd.speaker.settled();
    await sleep(5000);
  }
  clearInterval(sampler);
  sample();

  // The oracle: a fresh engine fed the S peers' final tables, with O as an export target.
  const engine = new RoutingEngine({ asn: BTRD.asn, routerId: '10.0.5.100', alwaysCompareMed: false, deterministicMed: true, resolveNextHop: () => ({ igpCost: 0 }) });
  const peer = (id: number, name: string, addr: string, asn: number, routerId: string): EnginePeer => ({
    id,
    name,
    address: addr,
    asn,
    localAs: BTRD.asn,
    routerId,
    ebgp: true,
    routeReflectorClient: false,
    routeServerClient: false,
    families: { ipv4: true, ipv6: false },
    codec: { fourOctetAs: true, ebgp: true },
    nextHopSelf: false,
    localAddress: { ipv4: BTRD.addr, ipv6: `::ffff:${BTRD.addr}` },
    importPolicy: { terms: [], default: 'accept' },
    exportPolicy: { terms: [], default: 'accept' },
  });
  const oId = 100;
  engine.addPeer(peer(oId, O.name, O.addr, O.asn, O.routerId));
  feeders.forEach((f, i) => {
    engine.addPeer(peer(i + 1, f.cfg.name, f.cfg.addr, f.cfg.asn, f.cfg.routerId));
    for (const [k, a] of f.table) engine.applyUpdate(i + 1, { withdrawn: [], attributes: a, nlri: [k], treatment: 'none', issues: [] });
  });
  const expected = new Map<string, string>();
  for (const [k, a] of engine.adjRibOut(oId).announce) expected.set(formatPrefix(k), formatAsPath(a.asPath ?? []));
  const got = new Map<string, string>();
  for (const [k, a] of observer.table()) if (a) got.set(k, formatAsPath(a.asPath ?? []));
  const lost = [...expected.keys()].filter((k) => !got.has(k));
  const stale = [...got.keys()].filter((k) => !expected.has(k));
  const differ = [...expected.keys()].filter((k) => got.has(k) && got.get(k) !== expected.get(k));
  const neighbors = btrd.speaker.neighbors();
  const adjIn = feeders.map((f) => ({ peer: f.cfg.name, advertised: f.table.size, btrdReceived: neighbors.find((n) => n.name === f.cfg.name)?.prefixesReceived ?? -1 }));
  const controller = btrd.speaker.replicas?.controllerStatus?.();

  const warm = samples.filter((x) => x.s >= MINUTES * 60 * 0.2);
  const rssWarm = warm[0]?.rssMb ?? samples[0].rssMb;
  const rssEnd = samples[samples.length - 1].rssMb;
  const logText = btrd.logs.join('');
  const logMessages: Record<string, number> = {};
  for (const line of btrd.logs) {
    const m = /"level":(\d+).*"msg":"([^"]*)"/.exec(line);
    if (m && Number(m[1]) >= 40) logMessages[m[2]] = (logMessages[m[2]] ?? 0) + 1;
  }
  const logProblems = (logText.match(/unhandled rejection|uncaught exception/g) ?? []).length;
  const checks = {
    noLostRoutes: lost.length === 0,
    noStaleRoutes: stale.length === 0,
    sameAsPaths: differ.length === 0,
    adjRibInExact: adjIn.every((x) => x.advertised === x.btrdReceived),
    rssWithinBound: rssEnd <= RSS_GROWTH_BOUND * rssWarm,
    noUnhandledRejections: unhandled === 0 && logProblems === 0,
  };
  const result = {
    minutes: MINUTES,
    ratePerPeer: RATE,
    flapEverySeconds: FLAP_EVERY_S,
    crashEveryRounds: CRASH_ROUNDS,
    updatesSent: feeders.reduce((n, f) => n + f.sent, 0),
    flaps: feeders.reduce((n, f) => n + f.flaps, 0),
    finalPrefixes: { expected: expected.size, observer: got.size, lost: lost.length, stale: stale.length, asPathDiffers: differ.length, examples: [...lost.slice(0, 3), ...stale.slice(0, 3), ...differ.slice(0, 3)] },
    adjIn,
    memory: { rssWarmMb: rssWarm, rssEndMb: rssEnd, rssMaxMb: Math.max(...samples.map((x) => x.rssMb)), boundFactor: RSS_GROWTH_BOUND, heapEndMb: samples[samples.length - 1].heapMb },
    controller: controller ?? null,
    logLines: { errors: (logText.match(/"level":50/g) ?? []).length, warnings: (logText.match(/"level":40/g) ?? []).length, unhandled: logProblems },
    logMessages,
    unhandledRejections: unhandled,
    checks,
    samples,
    machine: 'shared 2-core machine, loaded by other work during the run',
  };
  mkdirSync('bench/results', { recursive: true });
  const base = `bench/results/soak-${MINUTES}min`;
  writeFileSync(`${base}.json`, JSON.stringify(result, null, 2));
  const step = Math.max(1, Math.floor(samples.length / 20));
  writeBarChart(`${base}.svg`, `btrd soak (${MINUTES} min, 3 replicas, churn + flaps + faults): RSS over time`, 'MB', samples.filter((_, i) => i % step === 0 || i === samples.length - 1).map((x) => ({ label: `t = ${x.s} s (${x.paths} paths)`, value: x.rssMb })));
  const { samples: _s, controller: _c, ...summary } = result;
  console.log(JSON.stringify(summary, null, 2));
  await observer.close().catch(() => undefined);
  for (const f of feeders) await f.peer?.close().catch(() => undefined);
  await btrd.stop();
  process.exit(Object.values(checks).every(Boolean) ? 0 : 1);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(2);
});
