/**
 * Variant B of the decision process (N-version programming, DESIGN principles 2 and 6, issue 4 `impl`):
 * the same contract as variant A's RoutingEngine (lib/rib/decision-engine.ts), written independently.
 *
 * How it differs from A:
 *   - Loc-RIB: two tables, IPv4 (its own open-addressing table on numeric keys, slot-table.ts) and IPv6
 *     (a Map on string keys), of `PrefixSlot`s whose candidates are kept sorted by a total storage order
 *     (ordered-candidates.ts: the only candidate inline, two or more in a sorted array); the best path is
 *     read off the front tier with an explicit deterministic-MED elimination, not found by scanning all
 *     candidates.
 *   - Adj-RIB-In: not per peer. Each slot holds every received path of its prefix (candidates sorted, the
 *     import-rejected ones in a side list); a peer's path is found in the slot by (peer, path id).
 *     Per-peer walks (session down, soft reconfiguration, dumps) scan the tables.
 *   - Paths share a `PathBasis` per (peer, post-policy attributes, next hop), and a slot stores that basis
 *     itself for a path without ADD-PATH path id (path.ts): no object per path; route objects are built
 *     only when a route leaves the engine.
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
import { ImportFilter, type ImportResult, type LocalIdentity } from './import-filter.js';
import { addCandidate, bestCandidate, candidateList, removeCandidate, type CandidateHolder } from './ordered-candidates.js';
import { AddPathEntry, Path, PathBasis, peerAddressKey, type PathEntry } from './path.js';
import { NumericKeyTable } from './slot-table.js';

/** One prefix: every received path (candidates ordered, import-rejected aside), the best, and call bookkeeping. */
class PrefixSlot implements CandidateHolder<PathEntry> {
  one: PathEntry | null = null;
  many: PathEntry[] | null = null;
  /** Adj-RIB-In paths that import rejected: kept for soft reconfiguration and dumps; null when none. */
  rejected: PathEntry[] | null = null;
  best: PathEntry | null = null;
  /** Call bookkeeping: the call that last touched the slot (its best before the call is in `touchedBefore`), and whether it must be re-decided. */
  stamp = 0;
  stale = false;
  constructor(readonly prefix: PrefixKey) {}
}

/** A slot with no path at all can be dropped from its table. */
function emptySlot(s: PrefixSlot): boolean {
  return s.one === null && s.many === null && s.rejected === null;
}

/** Is `p` the path of (peer, path id)? Without ADD-PATH (`byId` false) a peer has one path per prefix. */
function isPathOf(p: PathEntry, peerId: number, pathId: number, byId: boolean): boolean {
  return p.basis.peerId === peerId && (!byId || p.pathId === pathId);
}

/** The slot's path from (peer, path id), or null. */
function findPath(s: PrefixSlot, peerId: number, pathId: number, byId: boolean): PathEntry | null {
  const one = s.one;
  if (one !== null) {
    if (isPathOf(one, peerId, pathId, byId)) return one;
  } else if (s.many !== null) {
    const a = s.many;
    for (let i = 0; i < a.length; i++) if (isPathOf(a[i], peerId, pathId, byId)) return a[i];
  }
  const r = s.rejected;
  if (r !== null) for (let i = 0; i < r.length; i++) if (isPathOf(r[i], peerId, pathId, byId)) return r[i];
  return null;
}

/** Append the slot's paths from `peerId` (accepted and rejected) to `out`. */
function collectPeer(s: PrefixSlot, peerId: number, out: PathEntry[]): void {
  if (s.one !== null) {
    if (s.one.basis.peerId === peerId) out.push(s.one);
  } else if (s.many !== null) {
    for (const p of s.many) if (p.basis.peerId === peerId) out.push(p);
  }
  if (s.rejected !== null) for (const p of s.rejected) if (p.basis.peerId === peerId) out.push(p);
}

interface Neighbour {
  config: EnginePeer;
  readonly rank: PeerRank;
  filter: ImportFilter;
  exporter: ExportPipeline;
  /** Paths in the pre-policy Adj-RIB-In (they live in the prefix slots). */
  received: number;
  accepted: number;
  /**
   * Adj-RIB-Out keyed by the prefix's slot object (identity hash: cheaper than hashing IPv4 keys, which
   * exceed the small-integer range). A slot is only forgotten once it has no best, and by then every
   * Adj-RIB-Out entry for it has been withdrawn, so no entry outlives its slot.
   */
  readonly adjOut: Map<PrefixSlot, PathAttributes>;
}

/** The route object of a stored path (built when a route leaves the engine). */
function routeOf(s: PrefixSlot, e: PathEntry): Path {
  return new Path(e.basis, s, e.pathId);
}

/** The stored entry of a path: its basis when the path id is 0. */
function entryOf(b: PathBasis, pathId: number): PathEntry {
  return pathId === 0 ? b : new AddPathEntry(b, pathId);
}

/** Same Loc-RIB content: peer, path id, post-policy attribute object, next hops. */
function sameRoute(a: PathEntry | null, b: PathEntry | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.pathId !== b.pathId) return false;
  const x = a.basis;
  const y = b.basis;
  return x === y || (x.peerId === y.peerId && x.attributes === y.attributes && x.nextHop === y.nextHop && x.nextHopLinkLocal === y.nextHopLinkLocal);
}

/** At most this many bases (next hops) are kept per import result; beyond, paths get their own. */
const MAX_SHARED_BASES = 8;

export class IncrementalEngine implements DecisionEngine {
  private readonly neighbours = new Map<number, Neighbour>();
  /** Ascending peer id (export fan-out order, peerIds()). */
  private order: Neighbour[] = [];
  private readonly v4 = new NumericKeyTable<PrefixSlot>();
  private readonly v6 = new Map<string, PrefixSlot>();
  private readonly resolved = new Map<string, NextHopRank>();
  private readonly local: LocalIdentity;
  private readonly exportCtx: { asn: number; clusterId: string };
  private readonly exportCaches = new Map<string, ExportCache>();
  private call = 0;
  private touched: PrefixSlot[] = [];
  /** Parallel to `touched`: each slot's best when the call first touched it. */
  private touchedBefore: (PathEntry | null)[] = [];
  private withBest = 0;
  /**
   * Last import result, valid for the same neighbour and received attribute set when its policy does not
   * depend on the prefix: the NLRIs of one UPDATE then skip the filter's memo lookups.
   */
  private lastNeighbour: Neighbour | null = null;
  private lastReceived: PathAttributes | null = null;
  private lastResult: ImportResult | null = null;
  /** Scratch list for per-peer walks. */
  private readonly mine: PathEntry[] = [];

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
    this.forgetImportMemo();
    this.call++;
    const mine = this.mine;
    for (const s of this.slots()) {
      collectPeer(s, peerId, mine);
      for (let i = 0; i < mine.length; i++) this.removePath(s, mine[i]);
      mine.length = 0;
    }
    return this.decide();
  }

  setPolicies(peerId: number, importPolicy: Policy, exportPolicy: Policy): EngineDelta {
    const n = this.neighbour(peerId);
    const imp = compilePolicy(importPolicy); // a PolicyError here leaves everything unchanged
    const exp = compilePolicy(exportPolicy);
    n.config = { ...n.config, importPolicy, exportPolicy };
    n.filter = new ImportFilter(n.config, imp, this.local);
    n.exporter = this.makeExporter(n.config, exp);
    this.forgetImportMemo();
    this.call++;
    const mine = this.mine;
    for (const s of this.slots()) {
      collectPeer(s, peerId, mine);
      for (let i = 0; i < mine.length; i++) {
        const old = mine[i];
        const b = old.basis;
        this.removePath(s, old);
        if (b.accepted) n.accepted--;
        this.place(n, s, entryOf(this.basisOf(n, s.prefix, b.received, b.nextHop, b.nextHopLinkLocal), old.pathId));
      }
      mine.length = 0;
    }
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
    for (const s of this.slots()) if (s.best !== null) yield routeOf(s, s.best);
  }

  *adjRibIn(peerId: number): Iterable<Route> {
    for (const p of this.pathsOf(this.neighbour(peerId))) {
      const b = p.basis;
      yield { peerId: b.peerId, prefix: p.prefix, pathId: p.pathId, attributes: b.received, nextHop: b.nextHop, nextHopLinkLocal: b.nextHopLinkLocal };
    }
  }

  *acceptedRoutes(peerId: number): Iterable<Path> {
    for (const p of this.pathsOf(this.neighbour(peerId))) if (p.basis.accepted) yield p;
  }

  candidates(prefix: PrefixKey): Path[] {
    const s = this.find(prefix);
    if (s === undefined) return [];
    const list = candidateList(s);
    const out = new Array<Path>(list.length);
    for (let i = 0; i < list.length; i++) out[i] = routeOf(s, list[i]);
    return out;
  }

  best(prefix: PrefixKey): Path | null {
    const s = this.find(prefix);
    return s === undefined || s.best === null ? null : routeOf(s, s.best);
  }

  /** How many candidates the prefix has (without building the list). */
  candidateCount(prefix: PrefixKey): number {
    const s = this.find(prefix);
    return s === undefined ? 0 : s.one !== null ? 1 : s.many !== null ? s.many.length : 0;
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

  /** Every slot, IPv4 then IPv6. The tables must not change meanwhile (slots are only forgotten in decide()). */
  private *slots(): Iterable<PrefixSlot> {
    yield* this.v4.values();
    yield* this.v6.values();
  }

  /** A peer's Adj-RIB-In as route objects: a walk over every slot. */
  private *pathsOf(n: Neighbour): Iterable<Path> {
    const id = n.config.id;
    const mine: PathEntry[] = [];
    for (const s of this.slots()) {
      collectPeer(s, id, mine);
      if (mine.length === 0) continue;
      for (const e of mine) yield routeOf(s, e);
      mine.length = 0;
    }
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
    s.stale = false;
    this.touched.push(s);
    this.touchedBefore.push(s.best);
  }

  private forgetImportMemo(): void {
    this.lastNeighbour = null;
    this.lastReceived = null;
    this.lastResult = null;
  }

  /** Run import for one received path and return its (shared) basis. */
  private basisOf(n: Neighbour, prefix: PrefixKey, received: PathAttributes, nh: string, ll: string | undefined): PathBasis {
    let r: ImportResult;
    if (n === this.lastNeighbour && received === this.lastReceived) r = this.lastResult!;
    else {
      r = n.filter.filter(prefix, received);
      if (!n.filter.prefixDependent) {
        this.lastNeighbour = n;
        this.lastReceived = received;
        this.lastResult = r;
      }
    }
    const bases = r.bases;
    for (let i = 0; i < bases.length; i++) {
      const b = bases[i];
      if (b.nextHop === nh && b.nextHopLinkLocal === ll) return b;
    }
    const b = r.accepted
      ? new PathBasis(n.config.id, r.attrs, received, nh, ll, r.rank, n.rank, this.nextHop(nh), true)
      : new PathBasis(n.config.id, received, received, nh, ll, r.rank, n.rank, NO_ROUTE, false);
    if (bases.length < MAX_SHARED_BASES) bases.push(b);
    return b;
  }

  /** Put a new path into its slot: accepted paths join the ordered candidates. */
  private place(n: Neighbour, s: PrefixSlot, p: PathEntry): void {
    this.touch(s);
    if (p.basis.accepted) {
      if (addCandidate(s, p)) s.stale = true;
      n.accepted++;
    } else if (s.rejected === null) s.rejected = [p];
    else s.rejected.push(p);
  }

  /** Take a path out of its slot. */
  private removePath(s: PrefixSlot, p: PathEntry): void {
    this.touch(s);
    if (p.basis.accepted) {
      if (removeCandidate(s, p) || s.best === p) s.stale = true;
      return;
    }
    const r = s.rejected!;
    const i = r.indexOf(p);
    if (r.length === 1) s.rejected = null;
    else r.splice(i, 1);
  }

  private learn(n: Neighbour, prefix: PrefixKey, pathId: number, attrs: PathAttributes, nh: string, ll: string | undefined): void {
    const b = this.basisOf(n, prefix, attrs, nh, ll);
    const s = this.slot(prefix);
    const old = findPath(s, n.config.id, pathId, this.addPath(n, prefix));
    if (old === null) n.received++;
    else {
      if (old.basis === b && old.pathId === pathId) return; // the same path again: nothing changes
      this.removePath(s, old);
      if (old.basis.accepted) n.accepted--;
    }
    this.place(n, s, entryOf(b, pathId));
  }

  private unlearn(n: Neighbour, prefix: PrefixKey, pathId: number): void {
    const s = this.find(prefix);
    if (s === undefined) return;
    const old = findPath(s, n.config.id, pathId, this.addPath(n, prefix));
    if (old === null) return;
    this.removePath(s, old);
    n.received--;
    if (old.basis.accepted) n.accepted--;
  }

  // ── internals: decision → export ────────────────────────────────────────────────────────────────────

  private decide(): EngineDelta {
    const delta = emptyDelta();
    const touched = this.touched;
    const before = this.touchedBefore;
    for (let i = 0; i < touched.length; i++) {
      const s = touched[i];
      const prev = before[i];
      if (s.stale) s.best = bestCandidate(s);
      const entry = s.best;
      if (emptySlot(s)) this.forget(s);
      if (sameRoute(entry, prev)) continue;
      if (prev === null) this.withBest++;
      else if (entry === null) this.withBest--;
      const best = entry === null ? null : routeOf(s, entry);
      delta.locRib.push({ prefix: s.prefix, best });
      const source = entry === null ? null : this.neighbours.get(entry.basis.peerId)?.config ?? null;
      for (let j = 0; j < this.order.length; j++) this.exportTo(this.order[j], s, best, source, delta);
    }
    touched.length = 0;
    before.length = 0;
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
    for (const s of this.slots()) {
      const b = s.best;
      if (b !== null) this.exportTo(n, s, routeOf(s, b), this.neighbours.get(b.basis.peerId)?.config ?? null, delta);
    }
    for (const s of [...n.adjOut.keys()]) if (s.best === null) this.exportTo(n, s, null, null, delta);
  }
}

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
