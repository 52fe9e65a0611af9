/**
 * ReplicaSet round throughput: the route-views.jinx RIB (2014-05-30) converted to per-peer UPDATEs
 * (lib/mrt ribToUpdates), peers added, then fed as rounds of ROUND raw UPDATEs (peers interleaved) through
 * applyRound, for N = 1 (direct fast path) and N = 3 (continuous-majority, diverse knobs).
 *
 *   npm run -s build && node dist/bench/replica/round.js [--limit 60000] [--round 2000]
 *
 * Writes bench/results/replica-round.json and .svg.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMrt, ribToUpdates } from '../../lib/mrt/index.js';
import { ACCEPT_ALL } from '../../lib/policy/types.js';
import type { EnginePeer } from '../../lib/rib/types.js';
import { ReplicaSet, type RoundUpdate } from '../../lib/replica/replica-set.js';
import type { ReplicaKnobs } from '../../lib/replica/knobs.js';
import { writeBarChart } from '../chart.js';

const here = dirname(fileURLToPath(import.meta.url));
const results = join(here, '../../../bench/results');
const RIB = join(here, '../../../../shared/data/mrt/rib/routeviews.route-views.jinx.ribs.1401487200.gz');
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const LIMIT = arg('--limit', 60_000);
const ROUND = arg('--round', 2000);

async function load(): Promise<{ peers: EnginePeer[]; updates: RoundUpdate[]; prefixes: number }> {
  const peers = new Map<number, EnginePeer>();
  const updates: RoundUpdate[] = [];
  let prefixes = 0;
  for await (const u of ribToUpdates(readMrt(RIB))) {
    if (updates.length >= LIMIT) break;
    const id = u.peerIndex + 1;
    if (!peers.has(id)) {
      const mp = u.peer!;
      peers.set(id, {
        id, name: `${mp.ip}`, address: mp.ip, asn: mp.asn, localAs: 64512, routerId: mp.bgpId, ebgp: true,
        routeReflectorClient: false, routeServerClient: false, families: { ipv4: true, ipv6: true },
        codec: { fourOctetAs: true, ebgp: true }, nextHopSelf: false,
        localAddress: { ipv4: '192.0.2.254', ipv6: '2001:db8::fe' }, importPolicy: ACCEPT_ALL, exportPolicy: ACCEPT_ALL,
      });
    }
    updates.push({ peerId: id, message: u.message.slice() });
    prefixes += u.prefixCount;
  }
  return { peers: [...peers.values()], updates, prefixes };
}

interface Row {
  replicas: number;
  mode: string;
  updates: number;
  prefixes: number;
  rounds: number;
  seconds: number;
  updatesPerSecond: number;
  prefixesPerSecond: number;
  meanRoundMs: number;
  p95RoundMs: number;
}

async function measure(knobs: ReplicaKnobs[], data: Awaited<ReturnType<typeof load>>): Promise<Row> {
  const set = new ReplicaSet({ engine: { asn: 64512, routerId: '10.255.0.1', alwaysCompareMed: false, deterministicMed: true, resolveNextHop: { all: true } }, replicas: knobs, mode: 'continuous-majority', roundDeadlineMs: 120_000, maxRoundUpdates: ROUND });
  await set.start();
  for (const p of data.peers) await set.addPeer(p);
  const times: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < data.updates.length; i += ROUND) {
    const t = performance.now();
    await set.applyRound(data.updates.slice(i, i + ROUND));
    times.push(performance.now() - t);
  }
  await set.settle();
  const seconds = (performance.now() - t0) / 1000;
  await set.close();
  times.sort((a, b) => a - b);
  return {
    replicas: knobs.length, mode: knobs.length === 1 ? 'direct' : 'continuous-majority', updates: data.updates.length, prefixes: data.prefixes, rounds: times.length, seconds,
    updatesPerSecond: data.updates.length / seconds, prefixesPerSecond: data.prefixes / seconds,
    meanRoundMs: times.reduce((a, b) => a + b, 0) / times.length, p95RoundMs: times[Math.floor(times.length * 0.95)],
  };
}

const data = await load();
console.log(`${data.peers.length} peers, ${data.updates.length} UPDATEs, ${data.prefixes} prefixes (NLRI), rounds of ${ROUND}`);
const rows: Row[] = [];
for (const knobs of [[{}], [{}, { orderSeed: 7, tiebreakSeed: 3 }, { orderSeed: 11, layout: { reverseScan: true } }]] as ReplicaKnobs[][]) {
  const r = await measure(knobs, data);
  rows.push(r);
  console.log(`N=${r.replicas} ${r.mode}: ${r.seconds.toFixed(2)} s, ${Math.round(r.updatesPerSecond)} UPDATEs/s, ${Math.round(r.prefixesPerSecond)} prefixes/s, round mean ${r.meanRoundMs.toFixed(1)} ms p95 ${r.p95RoundMs.toFixed(1)} ms`);
}
writeFileSync(join(results, 'replica-round.json'), JSON.stringify({ command: `node dist/bench/replica/round.js --limit ${LIMIT} --round ${ROUND}`, date: new Date().toISOString(), peers: data.peers.length, rows }, null, 2) + '\n');
writeBarChart(join(results, 'replica-round.svg'), `ReplicaSet.applyRound, jinx RIB (${data.updates.length} UPDATEs, rounds of ${ROUND})`, 'prefixes/s', rows.map((r) => ({ label: `N=${r.replicas} ${r.mode}`, value: r.prefixesPerSecond })));
