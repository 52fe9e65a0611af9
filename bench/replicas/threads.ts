/**
 * Per-thread CPU of the replicated decision path without sockets (issue 4): K synthetic peers each announce
 * the same P prefixes (DFZ-like length mix, groups of 10–50 per attribute set, as peer-bench does), fed to a
 * ReplicaSet in rounds of 2000 UPDATEs, one after another as the daemon does. Prints the wall time, the CPU
 * (user+sys) of every thread of this process from /proc (replica threads, main, V8's helpers) and each
 * replica's used heap after the load.
 *
 *   node dist/bench/replicas/threads.js [REPLICAS=3] [PREFIXES=1000000] [PEERS=1]
 *   env: MODE (continuous-majority), ROUND (2000 UPDATEs per round),
 *        STREAM (comma-separated peer-bench stream files, e.g. /tmp/peer-bench-cache/stream-*.bin: one peer
 *        each, announcing the daemon benchmark's own UPDATEs; PREFIXES and PEERS are then ignored)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { decodeUpdate } from '../../lib/wire/update.js';
import { ReplicaSet } from '../../lib/replica/replica-set.js';
import type { VotingMode } from '../../lib/replica/voter.js';
import type { ReplicaKnobs } from '../../lib/replica/knobs.js';
import { encodeUpdate } from '../../lib/wire/update.js';
import { ipv4Key, type Ipv4PrefixKey } from '../../lib/wire/prefix.js';
import { ACCEPT_ALL, type Policy } from '../../lib/policy/types.js';
import type { EnginePeer } from '../../lib/rib/types.js';

const [replicas, prefixes, peers] = [3, 1_000_000, 1].map((d, i) => Number(process.argv[2 + i] ?? d));
const ROUND = Number(process.env.ROUND ?? 2000);
const REJECT_ALL = { terms: [], default: 'reject' } as unknown as Policy;
let seed = 1;
const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;

const codec = { fourOctetAs: true, ebgp: true };
const engine = { asn: 64512, routerId: '10.255.0.1', alwaysCompareMed: false, deterministicMed: true, resolveNextHop: { all: true as const } };
const peerList: EnginePeer[] = [];
const feeds: Uint8Array[][] = [];
const enginePeer = (p: number, asn: number, nh: string): EnginePeer => ({
  id: p + 1, name: `inj${p}`, address: nh, asn, localAs: engine.asn, routerId: nh, ebgp: true, routeReflectorClient: false,
  routeServerClient: false, families: { ipv4: true, ipv6: false }, codec, nextHopSelf: false,
  localAddress: { ipv4: '192.0.2.254', ipv6: '2001:db8::fe' }, importPolicy: ACCEPT_ALL, exportPolicy: REJECT_ALL,
});

if (process.env.STREAM) {
  // peer-bench's cache format: one line of stats, then the UPDATE messages back to back.
  for (const [p, file] of process.env.STREAM.split(',').entries()) {
    const data = readFileSync(file);
    const blob = data.subarray(data.indexOf(10) + 1);
    const msgs: Uint8Array[] = [];
    for (let off = 0; off < blob.length; off += blob.readUInt16BE(off + 16)) if (blob[off + 18] === 2) msgs.push(blob.subarray(off, off + blob.readUInt16BE(off + 16)));
    const first = decodeUpdate(msgs[0].subarray(19), codec).attributes;
    const asn = first?.asPath?.[0]?.asns[0] ?? 65001 + p;
    peerList.push(enginePeer(p, asn, `10.0.${p}.1`));
    feeds.push(msgs);
  }
} else {
  const keys: Ipv4PrefixKey[] = [];
  const seen = new Set<number>();
  while (keys.length < prefixes) {
    const len = rnd() < 0.58 ? 24 : 16 + Math.floor(rnd() * 8);
    const addr = (Math.floor(rnd() * 0xdf000000) + 0x01000000) >>> 0;
    const k = ipv4Key((addr & (~0 << (32 - len))) >>> 0, len);
    if (!seen.has(k)) {
      seen.add(k);
      keys.push(k);
    }
  }
  for (let p = 0; p < peers; p++) {
    const asn = 65001 + p;
    const nh = `10.0.${p}.1`;
    peerList.push(enginePeer(p, asn, nh));
    const msgs: Uint8Array[] = [];
    for (let i = 0; i < prefixes; ) {
      const group = 10 + Math.floor(rnd() * 41);
      const path = [asn];
      for (let j = 1 + Math.floor(rnd() * 8); j > 1; j--) path.push(1000 + Math.floor(rnd() * 60000));
      const nlri = keys.slice(i, Math.min(prefixes, i + group));
      i += nlri.length;
      msgs.push(encodeUpdate({ attributes: { origin: 0, asPath: [{ type: 2, asns: path }], nextHop: nh, med: Math.floor(rnd() * 3) }, nlri }, codec));
    }
    feeds.push(msgs);
  }
}

function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const f = readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1].split(' ');
      out.set(t, (Number(f[11]) + Number(f[12])) / 100); // utime + stime, clock ticks
    } catch {
      // the thread ended
    }
  }
  return out;
}

const knobs: ReplicaKnobs[] = Array.from({ length: replicas }, (_, i) => ({
  impl: i % 2 === 0 ? 'a' : 'b',
  ...(replicas > 1 ? { orderSeed: i + 1, tiebreakSeed: i + 1 } : {}),
  layout: replicas > 1 && i % 3 === 2 ? { reverseScan: true } : {},
}));
const set = new ReplicaSet({ engine, replicas: knobs, mode: (process.env.MODE ?? 'continuous-majority') as VotingMode, roundDeadlineMs: 60000, maxRoundUpdates: ROUND, ribTree: false });
await set.start();
for (const p of peerList) await set.addPeer(p);
const all: { peerId: number; message: Uint8Array }[] = [];
for (let i = 0; i < Math.max(...feeds.map((f) => f.length)); i++) for (let p = 0; p < feeds.length; p++) if (i < feeds[p].length) all.push({ peerId: p + 1, message: feeds[p][i] });

const before = threadCpu();
const t0 = performance.now();
let changed = 0;
for (let pos = 0; pos < all.length; pos += ROUND) changed += (await set.applyRound(all.slice(pos, pos + ROUND))).locRib.length;
await set.settle();
const wall = (performance.now() - t0) / 1000;
const rows = [...threadCpu()].map(([t, c]) => ({ t: t === String(process.pid) ? 'main' : t, cpu: c - (before.get(t) ?? 0) })).filter((r) => r.cpu >= 0.05).sort((a, b) => b.cpu - a.cpu);
console.log(`replicas=${replicas} prefixes=${process.env.STREAM ? 'stream' : prefixes} peers=${peerList.length} wall=${wall.toFixed(2)} s cpu=${rows.reduce((a, r) => a + r.cpu, 0).toFixed(1)} s changed=${changed} rss=${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`);
console.log('thread CPU s: ' + rows.map((r) => `${r.t} ${r.cpu.toFixed(1)}`).join(', '));
console.log('replica used heap MB: ' + set.controllerStatus().replicas.map((r) => `${r.index}/${r.knobs.impl ?? 'a'} ${r.heapUsedMb}`).join(', ') + `; main ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)}`);
await set.close();
