/**
 * Variant B of the decision process (N-version programming, DESIGN principles 2 and 6, issue 4 `impl`):
 * the same contract as variant A's RoutingEngine (lib/rib/decision-engine.ts), written independently.
 *
 * How it differs from A:
 *   - Loc-RIB: two tables, IPv4 (numeric keys) and IPv6 (string keys), of `PrefixSlot`s whose candidates
 *     are an array kept sorted by a total storage order (ordered-candidates.ts); the best path is read off
 *     the front tier with an explicit deterministic-MED elimination, not found by scanning all candidates.
 *   - Adj-RIB-In: per peer a Map prefix → path, and for ADD-PATH families a Map prefix → (path id → path),
 *     instead of composite "prefix#id" string keys.
 *   - Its own RFC 4271 §9.1 comparison (compare.ts), rank and loop checks (path.ts, import-filter.ts).
 * Shared with A on purpose: the codec (lib/wire), policy evaluation (lib/policy) and export (lib/export).
 * Export is shared for now because it is not the decision process and its output must be byte-identical
 * for the voter to compare replicas' exports; a second export implementation is a separate N-version step.
 *
 * Each call collects the prefixes it touches, re-decides each once at the end, and exports only the
 * prefixes whose best changed (peer, path id, attribute object, next hops) to every peer.
 */
import { Afi } from '../../wire/iana.js';
import { parseIpv4 } from '../../wire/address.js';
import type { PrefixKey } from '../../wire/prefix.js';
import type { PathAttributes, UpdateMessage } from '../../wire/types.js';
import type { NextHopRank, PeerRank } from '../types.js';
import { compilePolicy, type CompiledPolicy } from '../../policy/compile.js';
import type { Policy } from '../../policy/types.js';
import { ExportPipeline, exportProfile, type ExportCache } from '../../export/rules.js';
import { EngineError } from '../../rib/errors.js';
import type { DecisionEngine, EngineCounts } from '../../rib/decision-engine.js';
import type { EngineDelta, EngineOptions, EnginePeer, PeerCounts, PeerOut, Route } from '../../rib/types.js';
import { ImportFilter, type LocalIdentity } from './import-filter.js';
import { OrderedCandidates } from './ordered-candidates.js';
import { Path, peerAddressKey } from './path.js';

class PrefixSlot {
  readonly cands = new OrderedCandidates<Path>();
  best: Path | null = null;
  /** Call bookkeeping: the call that last touched the slot, the best before it, and whether it must be re-decided. */
  stamp = 0;
  before: Path | null = null;
  stale = false;
  constructor(readonly prefix: PrefixKey) {}
}

interface Neighbour {
  config: EnginePeer;
  readonly rank: PeerRank;
  filter: ImportFilter;
  exporter: ExportPipeline;
  /** Pre-policy Adj-RIB-In for families without ADD-PATH: one path per prefix. */
  readonly single: Map<PrefixKey, Path>;
  /** RFC 7911 families: several paths per prefix by path id. */
  readonly multi: Map<PrefixKey, Map<number, Path>>;
  received: number;
  accepted: number;
  /**
   * Adj-RIB-Out keyed by the prefix's slot object (identity hash: cheaper than hashing IPv4 keys, which
   * exceed the small-integer range). A slot is only forgotten once it has no best, and by then every
   * Adj-RIB-Out entry for it has been withdrawn, so no entry outlives its slot.
   */
  readonly adjOut: Map<PrefixSlot, PathAttributes>;
}

/** Same Loc-RIB content: peer, path id, post-policy attribute object, next hops. */
function sameRoute(a: Path | null, b: Path | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return a.peerId === b.peerId && a.pathId === b.pathId && a.attributes === b.attributes && a.nextHop === b.nextHop && a.nextHopLinkLocal === b.nextHopLinkLocal;
}

export class IncrementalEngine implements DecisionEngine {
  private readonly neighbours = new Map<number, Neighbour>();
  /** Ascending peer id (export fan-out order, peerIds()). */
  private order: Neighbour[] = [];
  private readonly v4 = new Map<number, PrefixSlot>();
  private readonly v6 = new Map<string, PrefixSlot>();
  private readonly resolved = new Map<string, NextHopRank>();
  private readonly local: LocalIdentity;
  private readonly exportCtx: { asn: number; clusterId: string };
  private readonly exportCaches = new Map<string, ExportCache>();
  private call = 0;
  private touched: PrefixSlot[] = [];
  private withBest = 0;

  constructor(private readonly opts: EngineOptions) {
    const clusterId = opts.clusterId ?? opts.routerId; // RFC 4456 §7
    this.local = { asn: opts.asn, routerId: opts.routerId, clusterId, alwaysCompareMed: opts.alwaysCompareMed };
    this.exportCtx = { asn: opts.asn, clusterId };
  }

  // ── sessions ────────────────────────────────────────────────────────────────────────────────────────

  addPeer(peer: EnginePeer): EngineDelta {
    if (this.neighbours.has(peer.id)) throw new EngineError(`peer ${peer.id} is already established`, 'BTRD_ERR_DUPLICATE_PEER');
    const n: Neighbour = {
      config: peer,
      rank: Object.freeze({ peerId: peer.id, ebgp: peer.ebgp, routerId: parseIpv4(peer.routerId), addressKey: peerAddressKey(peer.address) }),
      filter: new ImportFilter(peer, compilePolicy(peer.importPolicy), this.local),
      exporter: this.makeExporter(peer, compilePolicy(peer.exportPolicy)),
      single: new Map(),
      multi: new Map(),
      received: 0,
      accepted: 0,
      adjOut: new Map(),
    };
    this.neighbours.set(peer.id, n);
    this.order = [...this.neighbours.values()].sort((a, b) => a.config.id - b.config.id);
    const delta = emptyDelta();
    this.syncAdjOut(n, delta);
    return delta;
  }

  removePeer(peerId: number): EngineDelta {
    const n = this.neighbour(peerId);
    this.neighbours.delete(peerId);
    this.order = this.order.filter((x) => x !== n);
    this.call++;
    for (const p of this.pathsOf(n)) if (p.accepted) this.drop(p);
    return this.decide();
  }

  setPolicies(peerId: number, importPolicy: Policy, exportPolicy: Policy): EngineDelta {
    const n = this.neighbour(peerId);
    const imp = compilePolicy(importPolicy); // a PolicyError here leaves everything unchanged
    const exp = compilePolicy(exportPolicy);
    n.config = { ...n.config, importPolicy, exportPolicy };
    n.filter = new ImportFilter(n.config, imp, this.local);
    n.exporter = this.makeExporter(n.config, exp);
    this.call++;
    const replace = (old: Path): Path => {
      if (old.accepted) {
        this.drop(old);
        n.accepted--;
      }
      return this.admit(n, old.prefix, old.pathId, old.received, old.nextHop, old.nextHopLinkLocal);
    };
    for (const [k, p] of n.single) n.single.set(k, replace(p));
    for (const byId of n.multi.values()) for (const [id, p] of byId) byId.set(id, replace(p));
    const delta = this.decide();
    this.syncAdjOut(n, delta);
    return delta;
  }

  // ── updates ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * RFC 4271 §3.1/§9: withdrawals first, then announcements (an announcement replaces the peer's
   * previous path — implicit withdrawal). RFC 4760: MP_UNREACH/MP_REACH for the negotiated unicast
   * families. RFC 7606 §2: 'treat-as-withdraw' (and 'afi-safi-disable') withdraw every NLRI of the UPDATE.
   */
  applyUpdate(peerId: number, u: UpdateMessage): EngineDelta {
    const n = this.neighbour(peerId);
    this.call++;
    const fam = n.config.families;
    const asWithdraw = u.treatment === 'treat-as-withdraw' || u.treatment === 'afi-safi-disable';
    if (fam.ipv4) {
      const ids = u.withdrawnPathIds;
      for (let i = 0; i < u.withdrawn.length; i++) this.unlearn(n, u.withdrawn[i], ids?.[i] ?? 0);
    }
    const un = u.mpUnreach;
    if (un !== undefined && un.safi === 1 && this.carries(n, un.afi)) {
      const ids = un.pathIds;
      for (let i = 0; i < un.withdrawn.length; i++) this.unlearn(n, un.withdrawn[i], ids?.[i] ?? 0);
    }
    const a = u.attributes;
    if (fam.ipv4 && u.nlri.length > 0) {
      const ids = u.nlriPathIds;
      const nh = a === null ? undefined : a.nextHop;
      for (let i = 0; i < u.nlri.length; i++) {
        const id = ids?.[i] ?? 0;
        // RFC 7606 §3 (d): no NEXT_HOP for IPv4 NLRI = missing well-known mandatory → withdraw.
        if (asWithdraw || a === null || nh === undefined) this.unlearn(n, u.nlri[i], id);
        else this.learn(n, u.nlri[i], id, a, nh, undefined);
      }
    }
    const mp = u.mpReach;
    if (mp !== undefined && mp.safi === 1 && this.carries(n, mp.afi)) {
      const ids = mp.pathIds;
      for (let i = 0; i < mp.nlri.length; i++) {
        const id = ids?.[i] ?? 0;
        if (asWithdraw || a === null) this.unlearn(n, mp.nlri[i], id);
        else this.learn(n, mp.nlri[i], id, a, mp.nextHop.global, mp.nextHop.linkLocal);
      }
    }
    return this.decide();
  }

  // ── views ───────────────────────────────────────────────────────────────────────────────────────────

  adjRibOut(peerId: number): PeerOut {
    const announce = new Map<PrefixKey, PathAttributes>();
    for (const [s, a] of this.neighbour(peerId).adjOut) announce.set(s.prefix, a);
    return { announce, withdraw: new Set() };
  }

  *locRib(): Iterable<Route> {
    for (const s of this.v4.values()) if (s.best !== null) yield s.best;
    for (const s of this.v6.values()) if (s.best !== null) yield s.best;
  }

  *adjRibIn(peerId: number): Iterable<Route> {
    for (const p of this.pathsOf(this.neighbour(peerId))) {
      yield { peerId: p.peerId, prefix: p.prefix, pathId: p.pathId, attributes: p.received, nextHop: p.nextHop, nextHopLinkLocal: p.nextHopLinkLocal };
    }
  }

  *acceptedRoutes(peerId: number): Iterable<Path> {
    for (const p of this.pathsOf(this.neighbour(peerId))) if (p.accepted) yield p;
  }

  candidates(prefix: PrefixKey): Path[] {
    const s = this.find(prefix);
    return s === undefined ? [] : s.cands.paths.slice();
  }

  best(prefix: PrefixKey): Path | null {
    return this.find(prefix)?.best ?? null;
  }

  peerIds(): number[] {
    return this.order.map((n) => n.config.id);
  }

  counts(): EngineCounts {
    let paths = 0;
    const perPeer = new Map<number, PeerCounts>();
    for (const n of this.order) {
      paths += n.accepted;
      perPeer.set(n.config.id, { received: n.received, accepted: n.accepted, advertised: n.adjOut.size });
    }
    return { paths, best: this.withBest, perPeer };
  }

  // ── internals: tables ───────────────────────────────────────────────────────────────────────────────

  private neighbour(peerId: number): Neighbour {
    const n = this.neighbours.get(peerId);
    if (n === undefined) throw new EngineError(`unknown peer ${peerId}`, 'BTRD_ERR_UNKNOWN_PEER');
    return n;
  }

  private makeExporter(peer: EnginePeer, policy: CompiledPolicy): ExportPipeline {
    // Targets with the same export profile share built attribute sets (identity = "unchanged").
    const profile = exportProfile(peer);
    let cache = this.exportCaches.get(profile);
    if (cache === undefined) {
      cache = new WeakMap();
      this.exportCaches.set(profile, cache);
    }
    return new ExportPipeline(peer, policy, this.exportCtx, cache);
  }

  private carries(n: Neighbour, afi: number): boolean {
    if (afi === Afi.Ipv4) return n.config.families.ipv4;
    if (afi === Afi.Ipv6) return n.config.families.ipv6;
    return false;
  }

  /** RFC 7911: path ids distinguish paths only when ADD-PATH receive is negotiated for the family. */
  private addPath(n: Neighbour, prefix: PrefixKey): boolean {
    return (typeof prefix === 'number' ? n.config.codec.addPathIpv4 : n.config.codec.addPathIpv6) === true;
  }

  private *pathsOf(n: Neighbour): Iterable<Path> {
    yield* n.single.values();
    for (const byId of n.multi.values()) yield* byId.values();
  }

  private find(prefix: PrefixKey): PrefixSlot | undefined {
    return typeof prefix === 'number' ? this.v4.get(prefix) : this.v6.get(prefix);
  }

  private slot(prefix: PrefixKey): PrefixSlot {
    let s = this.find(prefix);
    if (s === undefined) {
      s = new PrefixSlot(prefix);
      if (typeof prefix === 'number') this.v4.set(prefix, s);
      else this.v6.set(prefix, s);
    }
    return s;
  }

  private forget(s: PrefixSlot): void {
    if (typeof s.prefix === 'number') this.v4.delete(s.prefix);
    else this.v6.delete(s.prefix);
  }

  private nextHop(address: string): NextHopRank {
    let r = this.resolved.get(address);
    if (r === undefined) {
      const res = this.opts.resolveNextHop(address);
      r = Object.freeze(res === undefined ? { reachable: false, igpCost: 0 } : { reachable: true, igpCost: res.igpCost });
      this.resolved.set(address, r);
    }
    return r;
  }

  // ── internals: Adj-RIB-In → candidates ──────────────────────────────────────────────────────────────

  private touch(s: PrefixSlot): void {
    if (s.stamp === this.call) return;
    s.stamp = this.call;
    s.before = s.best;
    s.stale = false;
    this.touched.push(s);
  }

  /** Run import for one received path; accepted paths join the prefix's ordered candidates. */
  private admit(n: Neighbour, prefix: PrefixKey, pathId: number, received: PathAttributes, nh: string, ll: string | undefined): Path {
    const r = n.filter.filter(prefix, received);
    if (r === null) return new Path(n.config.id, prefix, pathId, received, received, nh, ll, REJECTED, n.rank, NO_ROUTE, false);
    const p = new Path(n.config.id, prefix, pathId, r.attrs, received, nh, ll, r.rank, n.rank, this.nextHop(nh), true);
    const s = this.slot(prefix);
    this.touch(s);
    if (s.cands.insert(p)) s.stale = true;
    n.accepted++;
    return p;
  }

  /** Take an accepted path out of its prefix's candidates. */
  private drop(p: Path): void {
    const s = this.find(p.prefix)!;
    this.touch(s);
    if (s.cands.remove(p) || s.best === p) s.stale = true;
  }

  private learn(n: Neighbour, prefix: PrefixKey, pathId: number, attrs: PathAttributes, nh: string, ll: string | undefined): void {
    if (this.addPath(n, prefix)) {
      let byId = n.multi.get(prefix);
      if (byId === undefined) n.multi.set(prefix, (byId = new Map()));
      const old = byId.get(pathId);
      if (old === undefined) n.received++;
      else if (old.accepted) {
        this.drop(old);
        n.accepted--;
      }
      byId.set(pathId, this.admit(n, prefix, pathId, attrs, nh, ll));
    } else {
      const old = n.single.get(prefix);
      if (old === undefined) n.received++;
      else if (old.accepted) {
        this.drop(old);
        n.accepted--;
      }
      n.single.set(prefix, this.admit(n, prefix, pathId, attrs, nh, ll));
    }
  }

  private unlearn(n: Neighbour, prefix: PrefixKey, pathId: number): void {
    let old: Path | undefined;
    if (this.addPath(n, prefix)) {
      const byId = n.multi.get(prefix);
      if (byId === undefined) return;
      old = byId.get(pathId);
      if (old === undefined) return;
      byId.delete(pathId);
      if (byId.size === 0) n.multi.delete(prefix);
    } else {
      old = n.single.get(prefix);
      if (old === undefined) return;
      n.single.delete(prefix);
    }
    n.received--;
    if (old.accepted) {
      this.drop(old);
      n.accepted--;
    }
  }

  // ── internals: decision → export ────────────────────────────────────────────────────────────────────

  private decide(): EngineDelta {
    const delta = emptyDelta();
    const touched = this.touched;
    for (let i = 0; i < touched.length; i++) {
      const s = touched[i];
      const prev = s.before;
      s.before = null;
      if (s.stale) s.best = s.cands.best();
      const best = s.best;
      if (s.cands.size === 0) this.forget(s);
      if (sameRoute(best, prev)) continue;
      if (prev === null) this.withBest++;
      else if (best === null) this.withBest--;
      delta.locRib.push({ prefix: s.prefix, best });
      const source = best === null ? null : this.neighbours.get(best.peerId)?.config ?? null;
      for (let j = 0; j < this.order.length; j++) this.exportTo(this.order[j], s, best, source, delta);
    }
    touched.length = 0;
    return delta;
  }

  private exportTo(n: Neighbour, s: PrefixSlot, best: Path | null, source: EnginePeer | null, delta: EngineDelta): void {
    const attrs = best === null ? null : n.exporter.run(best, source);
    const had = n.adjOut.get(s);
    const prefix = s.prefix;
    if (attrs === null) {
      if (had === undefined) return;
      n.adjOut.delete(s);
      const o = outOf(delta, n.config.id);
      o.announce.delete(prefix);
      o.withdraw.add(prefix);
    } else if (attrs !== had) {
      n.adjOut.set(s, attrs);
      const o = outOf(delta, n.config.id);
      o.withdraw.delete(prefix);
      o.announce.set(prefix, attrs);
    }
  }

  /** Make one peer's Adj-RIB-Out match the Loc-RIB (new session, export policy change). */
  private syncAdjOut(n: Neighbour, delta: EngineDelta): void {
    for (const table of [this.v4, this.v6] as const) {
      for (const s of table.values()) {
        const b = s.best;
        if (b !== null) this.exportTo(n, s, b, this.neighbours.get(b.peerId)?.config ?? null, delta);
      }
    }
    for (const s of [...n.adjOut.keys()]) if (s.best === null) this.exportTo(n, s, null, null, delta);
  }
}

/** Rank of a path that is not a candidate (never compared). */
const REJECTED = Object.freeze({ localPref: 0, asPathLength: 0, origin: 0, med: 0, medGroup: 0, originatorId: -1, clusterListLength: 0 });
const NO_ROUTE: NextHopRank = Object.freeze({ reachable: false, igpCost: 0 });

function emptyDelta(): EngineDelta {
  return { locRib: [], out: new Map() };
}

function outOf(delta: EngineDelta, peerId: number): PeerOut {
  let o = delta.out.get(peerId);
  if (o === undefined) {
    o = { announce: new Map(), withdraw: new Set() };
    delta.out.set(peerId, o);
  }
  return o;
}
