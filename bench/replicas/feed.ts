/**
 * What the socket-free replica benchmarks (threads.ts, budget.ts) share: the UPDATE feed — K synthetic peers
 * each announcing the same P prefixes (DFZ-like length mix, groups of 10–50 prefixes per attribute set, as
 * peer-bench generates), or peer-bench's own cached UPDATE streams (one peer per file) —, the daemon's
 * default replica knobs, and per-thread CPU from /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ReplicaKnobs } from '../../lib/replica/knobs.js';
import { ACCEPT_ALL, type Policy } from '../../lib/policy/types.js';
import type { EngineConfig } from '../../lib/replica/protocol.js';
import type { EnginePeer } from '../../lib/rib/types.js';
import { ipv4Key, type Ipv4PrefixKey } from '../../lib/wire/prefix.js';
import type { CodecContext } from '../../lib/wire/types.js';
import { decodeUpdate, encodeUpdate } from '../../lib/wire/update.js';

export const benchCodec: CodecContext = { fourOctetAs: true, ebgp: true };
export const benchEngine: EngineConfig = { asn: 64512, routerId: '10.255.0.1', alwaysCompareMed: false, deterministicMed: true, resolveNextHop: { all: true } };
const REJECT_ALL = { terms: [], default: 'reject' } as unknown as Policy;

export interface Feed {
  readonly peers: EnginePeer[];
  /** Per peer, its raw UPDATE messages (19-octet header included) in sending order. */
  readonly feeds: Uint8Array[][];
}

/** Peer `p` (id p + 1): eBGP, imports everything, exports nothing (like the daemon benchmark's config). */
export function benchPeer(p: number, asn: number, nextHop: string): EnginePeer {
  return {
    id: p + 1, name: `inj${p}`, address: nextHop, asn, localAs: benchEngine.asn, routerId: nextHop, ebgp: true, routeReflectorClient: false,
    routeServerClient: false, families: { ipv4: true, ipv6: false }, codec: benchCodec, nextHopSelf: false,
    localAddress: { ipv4: '192.0.2.254', ipv6: '2001:db8::fe' }, importPolicy: ACCEPT_ALL, exportPolicy: REJECT_ALL,
  };
}

/** K peers announcing the same `prefixes` prefixes, each with its own AS paths (deterministic: seed 1). */
export function syntheticFeed(prefixes: number, peers: number): Feed {
  let seed = 1;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
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
  const out: Feed = { peers: [], feeds: [] };
  for (let p = 0; p < peers; p++) {
    const asn = 65001 + p;
    const nh = `10.0.${p}.1`;
    out.peers.push(benchPeer(p, asn, nh));
    const msgs: Uint8Array[] = [];
    for (let i = 0; i < prefixes; ) {
      const group = 10 + Math.floor(rnd() * 41);
      const path = [asn];
      for (let j = 1 + Math.floor(rnd() * 8); j > 1; j--) path.push(1000 + Math.floor(rnd() * 60000));
      const nlri = keys.slice(i, Math.min(prefixes, i + group));
      i += nlri.length;
      msgs.push(encodeUpdate({ attributes: { origin: 0, asPath: [{ type: 2, asns: path }], nextHop: nh, med: Math.floor(rnd() * 3) }, nlri }, benchCodec));
    }
    out.feeds.push(msgs);
  }
  return out;
}

/** peer-bench's cache format (/tmp/peer-bench-cache/stream-*.bin): one line of stats, then the UPDATE messages back to back. */
export function streamFeed(files: readonly string[]): Feed {
  const out: Feed = { peers: [], feeds: [] };
  for (const [p, file] of files.entries()) {
    const data = readFileSync(file);
    const blob = data.subarray(data.indexOf(10) + 1);
    const msgs: Uint8Array[] = [];
    for (let off = 0; off < blob.length; off += blob.readUInt16BE(off + 16)) if (blob[off + 18] === 2) msgs.push(blob.subarray(off, off + blob.readUInt16BE(off + 16)));
    const first = decodeUpdate(msgs[0].subarray(19), benchCodec).attributes;
    out.peers.push(benchPeer(p, first?.asPath?.[0]?.asns[0] ?? 65001 + p, `10.0.${p}.1`));
    out.feeds.push(msgs);
  }
  return out;
}

/** The feed as the daemon receives it from K concurrent peers: one UPDATE of each peer in turn. */
export function interleave(f: Feed): { peerId: number; message: Uint8Array }[] {
  const all: { peerId: number; message: Uint8Array }[] = [];
  const longest = Math.max(...f.feeds.map((x) => x.length));
  for (let i = 0; i < longest; i++) for (let p = 0; p < f.feeds.length; p++) if (i < f.feeds[p].length) all.push({ peerId: f.peers[p].id, message: f.feeds[p][i] });
  return all;
}

/** The knobs the daemon gives N replicas by default (lib/config/schema.ts toReplication: automatic diversity). */
export function benchKnobs(n: number): ReplicaKnobs[] {
  return Array.from({ length: n }, (_, i) => ({
    impl: i % 2 === 0 ? 'a' : 'b',
    ...(n > 1 ? { orderSeed: i + 1, tiebreakSeed: i + 1 } : {}),
    layout: n > 1 && i % 3 === 2 ? { reverseScan: true } : {},
  }));
}

/** CPU seconds (user + system) of every thread of this process, by thread id. */
export function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const f = readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1].split(' ');
      out.set(t, (Number(f[11]) + Number(f[12])) / 100); // utime + stime, in clock ticks (100 Hz)
    } catch {
      // the thread ended
    }
  }
  return out;
}
