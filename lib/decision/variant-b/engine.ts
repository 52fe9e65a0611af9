/**
 * Variant B of the decision process (N-version programming, DESIGN principles 2 and 6, issue 4 `impl`):
 * the same contract as variant A's RoutingEngine (lib/rib/decision-engine.ts), written independently.
 *
 * How it differs from A:
 *   - Loc-RIB: two tables, IPv4 (its own open-addressing table whose hash positions are the prefixes'
 *     positions, slot-table.ts) and IPv6 (a Map on string keys to rows); per position ONE value holds the
 *     candidates, kept sorted by a total storage order (ordered-candidates.ts: the only candidate itself,
 *     two or more in a sorted array). The best path is not stored: it is read off the front tier with an
 *     explicit deterministic-MED elimination whenever needed, never found by scanning all candidates.
 *   - Adj-RIB-In: not per peer. Each position holds every received path of its prefix (candidates sorted,
 *     the import-rejected ones in a side Map); a peer's path is found there by (peer, path id). Per-peer
 *     walks (session down, soft reconfiguration, dumps) scan the tables.
 *   - Adj-RIB-Out: per peer, a column over the same positions (created when the peer is first exported to).
 *   - Paths share a `PathBasis` per (peer, post-policy attributes, next hop), and a slot stores that basis
 *     itself for a path without ADD-PATH path id (path.ts): no object per path; route objects are built
 *     only when a route leaves the engine.
 *   - Its own RFC 4271 §9.1 comparison (compare.ts), rank and loop checks (path.ts, import-filter.ts).
 * Shared with A on purpose: the codec (lib/wire), policy evaluation (lib/policy) and export (lib/export).
 * Export is shared for now because it is not the decision process and its output must be byte-identical
 * for the voter to compare replicas' exports; a second export implementation is a separate N-version step.
 *
 * Each call collects the prefixes it touches (with their best before the call), re-decides each once at
 * the end, and exports only the prefixes whose best changed (peer, path id, attribute object, next hops) to
 * every peer. Nothing per prefix is an object (DESIGN principle 6); a change in the returned delta is the
 * stored entry itself (delta.ts).
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
import type { EngineDelta, EngineOptions, ExportRoute, EnginePeer, PeerCounts, PeerOut, Route } from '../../rib/types.js';
import { ImportFilter, type ImportResult, type LocalIdentity } from './import-filter.js';
import { bestCandidate, candidateCount, candidateList, isMany, withCandidate, withoutCandidate, type Candidates } from './ordered-candidates.js';
import { AddPathEntry, Path, PathBasis, peerAddressKey, type PathEntry } from './path.js';
import { Ipv4SlotTable, Ipv6SlotTable } from './slot-table.js';
import { ChangeList } from './delta.js';

type Held = Candidates<PathEntry>;

/** One address family: its prefix table and what the engine keeps beside it, by position. */
interface Family {
  /** 0 = IPv4, 1 = IPv6 (index of the neighbours' Adj-RIB-Out columns). */
  readonly index: 0 | 1;
  readonly table: Ipv4SlotTable<Held> | Ipv6SlotTable<Held>;
  /** Adj-RIB-In paths that import rejected (kept for soft reconfiguration and dumps), by position. */
  rejected: Map<number, PathEntry[]>;
  /**
   * Positions the current call touched (the first `touchedCount`), and parallel, each one's best when first
   * touched. Kept between calls at their largest size (up to KEEP_TOUCHED): no list grown push by push.
   */
  touched: Int32Array;
  before: (PathEntry | null)[];
  touchedCount: number;
}

/** Touch lists longer than this (a peer's whole table) are dropped after the call rather than kept. */
const KEEP_TOUCHED = 1 << 16;

function newFamily(index: 0 | 1, table: Ipv4SlotTable<Held> | Ipv6SlotTable<Held>): Family {
  return { index, table, rejected: new Map(), touched: new Int32Array(64), before: new Array<PathEntry | null>(64).fill(null), touchedCount: 0 };
}

/** Room in the family's touch lists for `more` positions beyond those already touched. */
function touchRoom(f: Family, more: number): void {
  const need = f.touchedCount + more;
  let len = f.touched.length;
  if (need <= len) return;
  while (len < need) len *= 2;
  const t = new Int32Array(len);
  t.set(f.touched.subarray(0, f.touchedCount));
  const b = new Array<PathEntry | null>(len);
  for (let k = 0; k < f.touchedCount; k++) b[k] = f.before[k];
  f.touched = t;
  f.before = b;
}

/** Is `p` the path of (peer, path id)? Without ADD-PATH (`byId` false) a peer has one path per prefix. */
function isPathOf(p: PathEntry, peerId: number, pathId: number, byId: boolean): boolean {
  return p.basis.peerId === peerId && (!byId || p.pathId === pathId);
}

/** The position's path from (peer, path id), or null. */
function findPath(f: Family, pos: number, peerId: number, pathId: number, byId: boolean): PathEntry | null {
  const c = f.table.vals[pos];
  if (c !== null) {
    if (!isMany(c)) {
      if (isPathOf(c, peerId, pathId, byId)) return c;
    } else for (let i = 0; i < c.length; i++) if (isPathOf(c[i], peerId, pathId, byId)) return c[i];
  }
  if (f.rejected.size === 0) return null;
  const r = f.rejected.get(pos);
  if (r !== undefined) for (let i = 0; i < r.length; i++) if (isPathOf(r[i], peerId, pathId, byId)) return r[i];
  return null;
}

/** Append the position's paths from `peerId` (accepted and rejected) to `out`. */
function collectPeer(f: Family, pos: number, peerId: number, out: PathEntry[]): void {
  const c = f.table.vals[pos];
  if (c !== null) {
    if (!isMany(c)) {
      if (c.basis.peerId === peerId) out.push(c);
    } else for (const p of c) if (p.basis.peerId === peerId) out.push(p);
  }
  const r = f.rejected.get(pos);
  if (r !== undefined) for (const p of r) if (p.basis.peerId === peerId) out.push(p);
}

/** Adj-RIB-Out over a family's positions: exported attributes, undefined where nothing is advertised. */
type OutColumn = (PathAttributes | undefined)[];

interface Neighbour {
  config: EnginePeer;
  readonly rank: PeerRank;
  filter: ImportFilter;
  exporter: ExportPipeline;
  /** Paths in the pre-policy Adj-RIB-In (they live in the prefix tables). */
  received: number;
  accepted: number;
  /**
   * Adj-RIB-Out per family, a column over the family's positions (null until the first export). A position
   * is only forgotten once it has no best, and by then its entries have been withdrawn, so no entry
   * outlives its prefix.
   */
  readonly out: [OutColumn | null, OutColumn | null];
  advertised: number;
}

/** The route object of a stored path (built when a route leaves the engine). */
function routeOf(prefix: PrefixKey, e: PathEntry): Path {
  return new Path(e.basis, prefix, e.pathId);
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
  private readonly v4: Family = newFamily(0, new Ipv4SlotTable<Held>());
  private readonly v6: Family = newFamily(1, new Ipv6SlotTable<Held>());
  private readonly resolved = new Map<string, NextHopRank>();
  private readonly local: LocalIdentity;
  private readonly exportCtx: { asn: number; clusterId: string };
  private readonly exportCaches = new Map<string, ExportCache>();
  private readonly exportRoute: ExportRoute = { peerId: 0, prefix: 0, pathId: 0, attributes: {}, nextHop: '', nextHopLinkLocal: undefined };
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
      out: [null, null],
      advertised: 0,
    };
    this.neighbours.set(peer.id, n);
    this.order = [...this.neighbours.values()].sort((a, b) => a.config.id - b.config.id);
    const delta = new ChangeList();
    this.syncAdjOut(n, delta);
    return delta;
  }

  removePeer(peerId: number): EngineDelta {
    const n = this.neighbour(peerId);
    this.neighbours.delete(peerId);
    this.order = this.order.filter((x) => x !== n);
    this.forgetImportMemo();
    const mine = this.mine;
    for (const f of [this.v4, this.v6]) {
      const t = f.table;
      // Every position may be the peer's: room for them all at once (bounded by the peer's paths).
      touchRoom(f, Math.min(t.size, n.received));
      const vals = t.vals;
      const withRejected = f.rejected.size > 0;
      for (let i = 0; i < t.end; i++) {
        if (!t.live(i)) continue;
        const c = vals[i];
        // Without rejected paths the peer's paths are among the candidates: one candidate (the usual
        // position) is decided without a list, several are scanned by index (collectPeer also looks up the
        // rejected Map and iterates).
        if (!withRejected && c !== null) {
          if (!isMany(c)) {
            if (c.basis.peerId === peerId) this.removePath(f, i, c);
            continue;
          }
          for (let j = 0; j < c.length; j++) if (c[j].basis.peerId === peerId) mine.push(c[j]);
        } else collectPeer(f, i, peerId, mine);
        if (mine.length === 0) continue;
        for (let j = 0; j < mine.length; j++) this.removePath(f, i, mine[j]);
        mine.length = 0;
      }
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
    const mine = this.mine;
    for (const f of [this.v4, this.v6]) {
      const t = f.table;
      for (let i = 0; i < t.end; i++) {
        if (!t.live(i)) continue;
        collectPeer(f, i, peerId, mine);
        for (let j = 0; j < mine.length; j++) {
          const old = mine[j];
          const b = old.basis;
          this.removePath(f, i, old);
          if (b.accepted) n.accepted--;
          this.place(n, f, i, entryOf(this.basisOf(n, t.keyAt(i), b.received, b.nextHop, b.nextHopLinkLocal), old.pathId));
        }
        mine.length = 0;
      }
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
    const fam = n.config.families;
    const asWithdraw = u.treatment === 'treat-as-withdraw' || u.treatment === 'afi-safi-disable';
    const mp = u.mpReach;
    const mpCarried = mp !== undefined && mp.safi === 1 && this.carries(n, mp.afi);
    // IPv4 positions move only here, before anything is touched: room for every NLRI this UPDATE may add.
    this.reserve4((fam.ipv4 ? u.nlri.length : 0) + (mpCarried && mp.afi === Afi.Ipv4 ? mp.nlri.length : 0));
    if (fam.ipv4) {
      const ids = u.withdrawnPathIds;
      for (let i = 0; i < u.withdrawn.length; i++) this.unlearn(n, u.withdrawn[i], ids === undefined ? 0 : ids[i]);
    }
    const un = u.mpUnreach;
    if (un !== undefined && un.safi === 1 && this.carries(n, un.afi)) {
      const ids = un.pathIds;
      for (let i = 0; i < un.withdrawn.length; i++) this.unlearn(n, un.withdrawn[i], ids === undefined ? 0 : ids[i]);
    }
    const a = u.attributes;
    if (fam.ipv4 && u.nlri.length > 0) {
      const ids = u.nlriPathIds;
      const nh = a === null ? undefined : a.nextHop;
      for (let i = 0; i < u.nlri.length; i++) {
        const id = ids === undefined ? 0 : ids[i];
        // RFC 7606 §3 (d): no NEXT_HOP for IPv4 NLRI = missing well-known mandatory → withdraw.
        if (asWithdraw || a === null || nh === undefined) this.unlearn(n, u.nlri[i], id);
        else this.learn(n, u.nlri[i], id, a, nh, undefined);
      }
    }
    if (mpCarried) {
      const ids = mp.pathIds;
      for (let i = 0; i < mp.nlri.length; i++) {
        const id = ids === undefined ? 0 : ids[i];
        if (asWithdraw || a === null) this.unlearn(n, mp.nlri[i], id);
        else this.learn(n, mp.nlri[i], id, a, mp.nextHop.global, mp.nextHop.linkLocal);
      }
    }
    return this.decide();
  }

  // ── views ───────────────────────────────────────────────────────────────────────────────────────────

  adjRibOut(peerId: number): PeerOut {
    const n = this.neighbour(peerId);
    const announce = new Map<PrefixKey, PathAttributes>();
    for (const f of [this.v4, this.v6]) {
      const col = n.out[f.index];
      if (col === null) continue;
      const t = f.table;
      for (let i = 0; i < col.length; i++) {
        const a = col[i];
        if (a !== undefined) announce.set(t.keyAt(i), a);
      }
    }
    return { announce, withdraw: new Set() };
  }

  *locRib(): Iterable<Route> {
    for (const f of [this.v4, this.v6]) {
      const t = f.table;
      for (let i = 0; i < t.end; i++) {
        if (!t.live(i)) continue;
        const b = bestCandidate(t.vals[i]);
        if (b !== null) yield routeOf(t.keyAt(i), b);
      }
    }
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
    const list = candidateList(this.held(prefix));
    const out = new Array<Path>(list.length);
    for (let i = 0; i < list.length; i++) out[i] = routeOf(prefix, list[i]);
    return out;
  }

  best(prefix: PrefixKey): Path | null {
    const b = bestCandidate(this.held(prefix));
    return b === null ? null : routeOf(prefix, b);
  }

  /** How many candidates the prefix has (without building the list). */
  candidateCount(prefix: PrefixKey): number {
    return candidateCount(this.held(prefix));
  }

  peerIds(): number[] {
    return this.order.map((n) => n.config.id);
  }

  counts(): EngineCounts {
    let paths = 0;
    const perPeer = new Map<number, PeerCounts>();
    for (const n of this.order) {
      paths += n.accepted;
      perPeer.set(n.config.id, { received: n.received, accepted: n.accepted, advertised: n.advertised });
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

  /** A prefix's candidates (null when unknown). */
  private held(prefix: PrefixKey): Held {
    const pos = typeof prefix === 'number' ? (this.v4.table as Ipv4SlotTable<Held>).find(prefix) : (this.v6.table as Ipv6SlotTable<Held>).find(prefix);
    return pos < 0 ? null : (typeof prefix === 'number' ? this.v4 : this.v6).table.vals[pos];
  }

  /** Room for `n` new IPv4 prefixes; when the table is re-laid, the columns kept beside it follow. */
  private reserve4(n: number): void {
    let track = this.v4.rejected.size > 0;
    for (let i = 0; i < this.order.length && !track; i++) track = this.order[i].out[0] !== null;
    const moved = (this.v4.table as Ipv4SlotTable<Held>).reserve(n, track);
    if (moved === null || !track) return;
    const size = this.v4.table.end;
    if (this.v4.rejected.size > 0) {
      const r = new Map<number, PathEntry[]>();
      for (const [pos, list] of this.v4.rejected) r.set(moved[pos], list);
      this.v4.rejected = r;
    }
    for (const nb of this.order) {
      const col = nb.out[0];
      if (col === null) continue;
      const c: OutColumn = new Array(size);
      for (let j = 0; j < col.length; j++) if (col[j] !== undefined) c[moved[j]] = col[j];
      nb.out[0] = c;
    }
  }

  /** A peer's Adj-RIB-In as route objects: a walk over every position. */
  private *pathsOf(n: Neighbour): Iterable<Path> {
    const id = n.config.id;
    const mine: PathEntry[] = [];
    for (const f of [this.v4, this.v6]) {
      const t = f.table;
      for (let i = 0; i < t.end; i++) {
        if (!t.live(i)) continue;
        collectPeer(f, i, id, mine);
        if (mine.length === 0) continue;
        const prefix = t.keyAt(i);
        for (const e of mine) yield routeOf(prefix, e);
        mine.length = 0;
      }
    }
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

  /** First touch in this call: remember the position and its best before the call. */
  private touch(f: Family, pos: number): void {
    const t = f.table;
    if (t.mark[pos] === 1) return;
    t.mark[pos] = 1;
    const k = f.touchedCount;
    if (k === f.touched.length) touchRoom(f, 1);
    f.touched[k] = pos;
    f.before[k] = bestCandidate(t.vals[pos]);
    f.touchedCount = k + 1;
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
    if (bases.length < MAX_SHARED_BASES) r.bases = bases.length === 0 ? [b] : [...bases, b];
    return b;
  }

  /** Put a new path at its prefix: accepted paths join the ordered candidates. */
  private place(n: Neighbour, f: Family, pos: number, p: PathEntry): void {
    this.touch(f, pos);
    if (p.basis.accepted) {
      const vals = f.table.vals;
      vals[pos] = withCandidate(vals[pos], p);
      n.accepted++;
      return;
    }
    const r = f.rejected.get(pos);
    if (r === undefined) f.rejected.set(pos, [p]);
    else r.push(p);
  }

  /** Take a path out of its prefix. */
  private removePath(f: Family, pos: number, p: PathEntry): void {
    this.touch(f, pos);
    if (p.basis.accepted) {
      const vals = f.table.vals;
      vals[pos] = withoutCandidate(vals[pos], p);
      return;
    }
    const r = f.rejected.get(pos)!;
    if (r.length === 1) f.rejected.delete(pos);
    else r.splice(r.indexOf(p), 1);
  }

  private learn(n: Neighbour, prefix: PrefixKey, pathId: number, attrs: PathAttributes, nh: string, ll: string | undefined): void {
    const b = this.basisOf(n, prefix, attrs, nh, ll);
    let f: Family;
    let pos: number;
    if (typeof prefix === 'number') {
      f = this.v4;
      pos = (f.table as Ipv4SlotTable<Held>).slot(prefix);
    } else {
      f = this.v6;
      pos = (f.table as Ipv6SlotTable<Held>).slot(prefix);
    }
    const old = findPath(f, pos, n.config.id, pathId, this.addPath(n, prefix));
    if (old === null) n.received++;
    else {
      if (old.basis === b && old.pathId === pathId) return; // the same path again: nothing changes
      this.removePath(f, pos, old);
      if (old.basis.accepted) n.accepted--;
    }
    this.place(n, f, pos, entryOf(b, pathId));
  }

  private unlearn(n: Neighbour, prefix: PrefixKey, pathId: number): void {
    let f: Family;
    let pos: number;
    if (typeof prefix === 'number') {
      f = this.v4;
      pos = (f.table as Ipv4SlotTable<Held>).find(prefix);
    } else {
      f = this.v6;
      pos = (f.table as Ipv6SlotTable<Held>).find(prefix);
    }
    if (pos < 0) return;
    const old = findPath(f, pos, n.config.id, pathId, this.addPath(n, prefix));
    if (old === null) return;
    this.removePath(f, pos, old);
    n.received--;
    if (old.basis.accepted) n.accepted--;
  }

  // ── internals: decision → export ────────────────────────────────────────────────────────────────────

  private decide(): ChangeList {
    const delta = new ChangeList(this.v4.touchedCount + this.v6.touchedCount);
    this.decideFamily(this.v4, delta);
    this.decideFamily(this.v6, delta);
    return delta;
  }

  private decideFamily(f: Family, delta: ChangeList): void {
    const t = f.table;
    const touched = f.touched;
    const before = f.before;
    const order = this.order;
    const count = f.touchedCount;
    for (let k = 0; k < count; k++) {
      const pos = touched[k];
      const was = before[k];
      before[k] = null; // the list outlives the call: hold no path
      t.mark[pos] = 0;
      const c = t.vals[pos];
      const entry = bestCandidate(c);
      if (!sameRoute(entry, was)) {
        const prefix = t.keyAt(pos);
        if (was === null) this.withBest++;
        else if (entry === null) this.withBest--;
        delta.record(prefix, entry, candidateCount(c));
        if (order.length > 0) {
          const route = entry === null ? null : this.exportRouteOf(prefix, entry);
          const source = entry === null ? null : this.neighbours.get(entry.basis.peerId)?.config ?? null;
          for (let j = 0; j < order.length; j++) this.exportTo(order[j], f, pos, prefix, route, source, delta);
        }
      }
      // After export: a prefix without paths has no best, so every Adj-RIB-Out entry for it is withdrawn.
      if (c === null && (f.rejected.size === 0 || !f.rejected.has(pos))) t.remove(pos);
    }
    f.touchedCount = 0;
    if (touched.length > KEEP_TOUCHED) {
      f.touched = new Int32Array(64);
      f.before = new Array<PathEntry | null>(64).fill(null);
    }
  }

  private exportRouteOf(prefix: PrefixKey, e: PathEntry): ExportRoute {
    const r = this.exportRoute;
    const b = e.basis;
    r.peerId = b.peerId;
    r.prefix = prefix;
    r.pathId = e.pathId;
    r.attributes = b.attributes;
    r.nextHop = b.nextHop;
    r.nextHopLinkLocal = b.nextHopLinkLocal;
    return r;
  }

  private exportTo(n: Neighbour, f: Family, pos: number, prefix: PrefixKey, best: Route | null, source: EnginePeer | null, delta: ChangeList): void {
    const attrs = best === null ? null : n.exporter.run(best, source);
    let col = n.out[f.index];
    const had = col === null ? undefined : col[pos];
    if (attrs === null) {
      if (had === undefined) return;
      col![pos] = undefined;
      n.advertised--;
      const o = delta.outFor(n.config.id);
      o.announce.delete(prefix);
      o.withdraw.add(prefix);
    } else if (attrs !== had) {
      if (col === null) col = n.out[f.index] = new Array<PathAttributes | undefined>(f.table.end);
      if (had === undefined) n.advertised++;
      col[pos] = attrs;
      const o = delta.outFor(n.config.id);
      o.withdraw.delete(prefix);
      o.announce.set(prefix, attrs);
    }
  }

  /** Make one peer's Adj-RIB-Out match the Loc-RIB (new session, export policy change). */
  private syncAdjOut(n: Neighbour, delta: ChangeList): void {
    for (const f of [this.v4, this.v6]) {
      const t = f.table;
      for (let i = 0; i < t.end; i++) {
        if (!t.live(i)) continue;
        const b = bestCandidate(t.vals[i]);
        const prefix = t.keyAt(i);
        if (b === null) this.exportTo(n, f, i, prefix, null, null, delta);
        else this.exportTo(n, f, i, prefix, this.exportRouteOf(prefix, b), this.neighbours.get(b.basis.peerId)?.config ?? null, delta);
      }
    }
  }
}

const NO_ROUTE: NextHopRank = Object.freeze({ reachable: false, igpCost: 0 });
