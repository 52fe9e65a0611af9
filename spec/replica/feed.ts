/** Real-data rounds for the replica specs (not a spec file): the jinx RIB slice as raw UPDATE messages per peer. */
import { dataPath } from '../helpers/corpus.js';
import { readMrt, ribToUpdates } from '../../lib/mrt/index.js';
import { encodeUpdate } from '../../lib/wire/update.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import type { EnginePeer, EngineDelta, Route } from '../../lib/rib/types.js';
import type { PathAttributes, UpdateMessage } from '../../lib/wire/types.js';
import type { PrefixKey } from '../../lib/wire/prefix.js';
import { ACCEPT_ALL } from '../../lib/policy/types.js';
import type { EngineConfig, RoundUpdate } from '../../lib/replica/replica-set.js';
import { RoutingEngine as RoutingEngineClass, type RoutingEngine } from '../../lib/rib/engine.js';

export const OWN_AS = 64512;
export const JINX_SLICE = 'mrt/rib/rib.20140523.0600_firstMB.complete-records.gz';
export const ENGINE: EngineConfig = { asn: OWN_AS, routerId: '10.255.0.1', alwaysCompareMed: false, deterministicMed: true, resolveNextHop: { all: true } };

export interface RawFeed {
  readonly peer: EnginePeer;
  readonly messages: Uint8Array[];
}

export async function loadRawJinx(maxPeers: number): Promise<RawFeed[]> {
  const feeds = new Map<number, RawFeed>();
  for await (const u of ribToUpdates(readMrt(dataPath(JINX_SLICE)))) {
    let f = feeds.get(u.peerIndex);
    if (f === undefined) {
      if (feeds.size >= maxPeers) continue;
      const mp = u.peer!;
      const id = u.peerIndex + 1;
      const peer: EnginePeer = {
        id, name: `${mp.ip} AS${mp.asn}`, address: mp.ip, asn: mp.asn, localAs: OWN_AS, routerId: mp.bgpId, ebgp: true,
        routeReflectorClient: false, routeServerClient: false, families: { ipv4: true, ipv6: true },
        codec: { fourOctetAs: true, ebgp: true }, nextHopSelf: false,
        localAddress: { ipv4: '192.0.2.254', ipv6: '2001:db8::fe' }, importPolicy: ACCEPT_ALL, exportPolicy: ACCEPT_ALL,
      };
      feeds.set(u.peerIndex, (f = { peer, messages: [] }));
    }
    f.messages.push(u.message.slice());
  }
  return [...feeds.values()].sort((a, b) => a.peer.id - b.peer.id);
}

/** A whole UPDATE message withdrawing half of the IPv4 NLRI of `message` (same peer codec). */
export function withdrawalOf(message: Uint8Array, peer: EnginePeer): Uint8Array | null {
  const u = decodeUpdate(message.subarray(19), peer.codec, null);
  if (u.nlri.length === 0) return null;
  return encodeUpdate({ withdrawn: u.nlri.slice(0, Math.ceil(u.nlri.length / 2)) }, peer.codec); // a whole message, header included
}

/**
 * Rounds: every peer's announcements cut into `rounds` slices, interleaved peer by peer; from the second
 * half on, each round also withdraws half of the NLRI of some UPDATEs announced two rounds earlier.
 */
export function makeRounds(feeds: readonly RawFeed[], rounds: number): RoundUpdate[][] {
  const out: RoundUpdate[][] = Array.from({ length: rounds }, () => []);
  for (const f of feeds) {
    const per = Math.ceil(f.messages.length / rounds);
    for (let r = 0; r < rounds; r++) for (const m of f.messages.slice(r * per, (r + 1) * per)) out[r].push({ peerId: f.peer.id, message: m });
  }
  for (let r = 2; r < rounds; r++) {
    for (const f of feeds) {
      const per = Math.ceil(f.messages.length / rounds);
      const src = f.messages.slice((r - 2) * per, (r - 1) * per);
      for (let i = 0; i < src.length; i += 3) {
        const w = withdrawalOf(src[i], f.peer);
        if (w) out[r].push({ peerId: f.peer.id, message: w });
      }
    }
  }
  return out;
}

/** Loc-RIB + Adj-RIB-Outs obtained by folding deltas. */
export class Model {
  readonly loc = new Map<PrefixKey, Route>();
  readonly out = new Map<number, Map<PrefixKey, PathAttributes>>();

  apply(d: EngineDelta): void {
    for (const x of d.locRib) {
      if (x.best === null) this.loc.delete(x.prefix);
      else this.loc.set(x.prefix, plain(x.best));
    }
    for (const [peerId, o] of d.out) {
      let m = this.out.get(peerId);
      if (m === undefined) this.out.set(peerId, (m = new Map()));
      for (const p of o.withdraw) m.delete(p);
      for (const [p, a] of o.announce) m.set(p, a);
    }
  }

  removePeer(peerId: number): void {
    this.out.delete(peerId);
  }
}

export function plain(r: Route): Route {
  const o: Route = { peerId: r.peerId, prefix: r.prefix, pathId: r.pathId, attributes: r.attributes, nextHop: r.nextHop };
  if (r.nextHopLinkLocal !== undefined) o.nextHopLinkLocal = r.nextHopLinkLocal;
  return o;
}

/** The reference: a single engine's state in the same shape. */
export function engineModel(e: RoutingEngine, peers: readonly number[]): Model {
  const m = new Model();
  for (const r of e.locRib()) m.loc.set(r.prefix, plain(r));
  for (const p of peers) m.out.set(p, new Map(e.adjRibOut(p).announce));
  return m;
}

/** First difference between two models, or null. Attributes compared structurally (JSON with typed arrays). */
export function diffModels(a: Model, b: Model): string | null {
  const j = (x: unknown): string => JSON.stringify(x, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v));
  if (a.loc.size !== b.loc.size) return `loc size ${a.loc.size} vs ${b.loc.size}`;
  for (const [p, r] of a.loc) {
    const s = b.loc.get(p);
    if (s === undefined || j(r) !== j(s)) return `loc ${p}: ${j(r)} vs ${j(s)}`;
  }
  for (const [peer, m] of b.out) {
    const n = a.out.get(peer) ?? new Map<PrefixKey, PathAttributes>();
    if (n.size !== m.size) return `out ${peer} size ${n.size} vs ${m.size}`;
    for (const [p, x] of m) if (j(n.get(p)) !== j(x)) return `out ${peer} ${p}`;
  }
  return null;
}

/**
 * The oracle: a plain RoutingEngine's state after each input — every addPeer, then every round.
 * `onUpdate(roundIndex, decoded, raw)` sees each UPDATE as it is applied (specs derive fault parameters).
 */
export function oracleModels(feeds: readonly RawFeed[], rounds: readonly RoundUpdate[][], onUpdate?: (round: number, u: UpdateMessage, raw: Uint8Array) => void): Model[] {
  const out: Model[] = [];
  const e = new RoutingEngineClass({ ...ENGINE, resolveNextHop: () => ({ igpCost: 0 }) });
  const ids: number[] = [];
  for (const f of feeds) {
    e.addPeer(f.peer);
    ids.push(f.peer.id);
    out.push(engineModel(e, ids));
  }
  for (const [ri, round] of rounds.entries()) {
    for (const u of round) {
      const m = decodeUpdate(u.message.subarray(19), feeds[0].peer.codec);
      e.applyUpdate(u.peerId, m);
      onUpdate?.(ri, m, u.message);
    }
    out.push(engineModel(e, ids));
  }
  return out;
}
