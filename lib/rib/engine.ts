/**
 * The routing engine: Adj-RIB-In (pre-policy, per peer) → import → Loc-RIB (RFC 4271 §9.1) → export →
 * Adj-RIB-Out (per peer). Pure: no I/O, timers or clocks. The Loc-RIB and every Adj-RIB-Out are a
 * function of the current Adj-RIB-Ins alone — no arrival-order or age tie-breaks — so replicas that
 * apply the same routes in different orders agree (DESIGN principle 2).
 *
 * Incremental: an update marks only the prefixes it touches; each is re-decided once at the end of the
 * call, and only prefixes whose best path changed are re-exported.
 *
 * Storage (DESIGN principle 6): no object per route. A path — (peer, path id, attributes, next hop) — is
 * a RibPath interned per peer and shared by every prefix announced with it; it has an integer id in the
 * engine's path table, reference-counted by the Adj-RIB-In entries that hold it. The Loc-RIB is a
 * LocRibTable (typed-array rows) and each peer's Adj-RIB-In a column of it (row → path id). Ids whose
 * count drops to zero are freed only at the end of the call (sweep), so every id read during a batch
 * (a row's best, the candidates) still names the same path.
 */
import { Afi } from '../wire/iana.js';
import { parseIpv4 } from '../wire/address.js';
import type { PrefixKey } from '../wire/prefix.js';
import type { PathAttributes, UpdateMessage } from '../wire/types.js';
import type { NextHopRank, PeerRank } from '../decision/types.js';
import { beatsBeforeMed, selectBestPath } from '../decision/best-path.js';
import { compilePolicy, type CompiledPolicy } from '../policy/compile.js';
import type { Policy } from '../policy/types.js';
import { ExportPipeline, exportProfile, type ExportCache, type ExportContext } from '../export/rules.js';
import { EngineError } from './errors.js';
import { ImportPipeline, type ImportContext } from './import.js';
import { LocRibTable, sameBest } from './loc-rib.js';
import { PrefixMap, grownInt32 } from './prefix-map.js';
import { RibDelta } from './delta.js';
import { RibPath, RibRoute, addressKey } from './route.js';
import type { Imported } from './import.js';
import type { EngineDelta, EngineOptions, ExportRoute, EnginePeer, PeerCounts, PeerOut, Route } from './types.js';

/** An ADD-PATH Adj-RIB-In entry (its key is "prefix#pathId", so the prefix is kept beside the path id). */
interface AddPathEntry {
  readonly prefix: PrefixKey;
  readonly id: number;
}


interface PeerState {
  readonly config: EnginePeer;
  readonly rank: PeerRank;
  importer: ImportPipeline;
  exporter: ExportPipeline;
  /** Pre-policy Adj-RIB-In of the families without ADD-PATH: this peer's column of the Loc-RIB table. */
  readonly col: number;
  /** Entries in that column. */
  received: number;
  /** Pre-policy Adj-RIB-In of ADD-PATH families (RFC 7911). Key: "prefix#pathId". */
  readonly adjInAddPath: Map<string, AddPathEntry>;
  /**
   * Interned paths of this peer: keyed by the import result (accepted) or the received attribute set
   * (rejected), then by next hop / link-local / path id (`hopKey`) — the path itself while there is one
   * hop key (the usual case: no Map per attribute set), a Map once there are several. The last one is
   * remembered: the NLRI of one UPDATE share it.
   */
  paths: WeakMap<object, RibPath | Map<string, RibPath>>;
  lastPath: RibPath | null;
  readonly adjOut: PrefixMap<PathAttributes>;
  accepted: number;
}

export class RoutingEngine {
  private readonly peers = new Map<number, PeerState>();
  /** Established peers in ascending id order (export fan-out). */
  private peerList: PeerState[] = [];
  private readonly loc = new LocRibTable();
  /** The path table: path id → interned path, and how many Adj-RIB-In entries hold each id. */
  private readonly pathById: (RibPath | null)[] = [];
  private pathRefs = new Int32Array(1024);
  private readonly freePathIds: number[] = [];
  /** Ids whose count fell to zero during the current call (freed by sweep() unless held again). */
  private readonly unreferenced: number[] = [];
  private readonly nextHops = new Map<string, NextHopRank>();
  private readonly importCtx: ImportContext;
  private readonly exportCtx: ExportContext;
  private epoch = 0;
  /**
   * Rows marked in the current batch (the first `touchedCount`), and each one's best path id before the
   * batch (-1: none) — ids stay valid until sweep(). Typed arrays: nothing for the GC per touched row.
   */
  private touched = new Int32Array(1024);
  private touchedPrev = new Int32Array(1024);
  private touchedCount = 0;
  private readonly scratch: RibPath[] = [];
  /** Rows of the NLRI being announced (announceAll). */
  private rowScratch = new Int32Array(64);
  private readonly exportRoute: ExportRoute = { peerId: 0, prefix: 0, pathId: 0, attributes: {} as PathAttributes, nextHop: '', nextHopLinkLocal: undefined };
  private bestCount = 0;
  private readonly exportCaches = new Map<string, ExportCache>();

  constructor(private readonly opts: EngineOptions) {
    const clusterId = opts.clusterId ?? opts.routerId;
    this.importCtx = { asn: opts.asn, routerId: opts.routerId, clusterId, alwaysCompareMed: opts.alwaysCompareMed };
    this.exportCtx = { asn: opts.asn, clusterId };
  }

  // ── sessions ────────────────────────────────────────────────────────────────────────────────────────

  /** Session Established: returns the full initial Adj-RIB-Out for it. */
  addPeer(peer: EnginePeer): EngineDelta {
    if (this.peers.has(peer.id)) throw new EngineError(`peer ${peer.id} is already established`, 'BTRD_ERR_DUPLICATE_PEER');
    const st: PeerState = {
      config: peer,
      rank: Object.freeze({ peerId: peer.id, ebgp: peer.ebgp, routerId: parseIpv4(peer.routerId), addressKey: addressKey(peer.address) }),
      importer: new ImportPipeline(peer, compilePolicy(peer.importPolicy), this.importCtx),
      exporter: this.exporter(peer, compilePolicy(peer.exportPolicy)),
      col: this.loc.addColumn(),
      received: 0,
      adjInAddPath: new Map(),
      paths: new WeakMap(),
      lastPath: null,
      adjOut: new PrefixMap(),
      accepted: 0,
    };
    this.peers.set(peer.id, st);
    this.peerList = [...this.peers.values()].sort((a, b) => a.config.id - b.config.id);
    const delta = new RibDelta();
    this.refreshAdjOut(st, delta);
    return delta;
  }

  /** Session down: its routes are withdrawn and best paths recomputed. */
  removePeer(peerId: number): EngineDelta {
    const st = this.peer(peerId);
    this.peers.delete(peerId);
    this.peerList = this.peerList.filter((p) => p !== st);
    this.begin();
    const loc = this.loc;
    this.reserveTouched(st.received + st.adjInAddPath.size);
    // The column in row order (not the index's hash order): the rows, and so the delta, come sequentially.
    loc.forEachInColumn(st.col, (r, id) => {
      const p = this.pathById[id]!;
      this.mark(r); // every row, so that finish releases those left unused
      if (p.accepted) {
        this.affects(r, p);
        loc.remove(r, id);
      }
      loc.setAdjIn(st.col, r, -1);
      this.unref(id);
    });
    for (const a of st.adjInAddPath.values()) {
      const p = this.pathById[a.id]!;
      const r = loc.row(a.prefix); // an ADD-PATH entry that was rejected may have no row
      if (r >= 0) this.mark(r);
      if (p.accepted) {
        this.affects(r, p);
        loc.remove(r, a.id);
      }
      this.unref(a.id);
    }
    st.adjInAddPath.clear();
    this.loc.dropColumn(st.col);
    return this.finish();
  }

  /** Config reload: re-apply import policy to the kept pre-policy Adj-RIB-In, re-run export for the peer. */
  setPolicies(peerId: number, importPolicy: Policy, exportPolicy: Policy): EngineDelta {
    const st = this.peer(peerId);
    // Compile first: a PolicyError leaves the engine unchanged.
    const imp = compilePolicy(importPolicy);
    const exp = compilePolicy(exportPolicy);
    const config: EnginePeer = { ...st.config, importPolicy, exportPolicy };
    st.importer = new ImportPipeline(config, imp, this.importCtx);
    st.exporter = this.exporter(config, exp);
    (st as { config: EnginePeer }).config = config;
    st.paths = new WeakMap();
    st.lastPath = null;
    this.begin();
    const reimport = (prefix: PrefixKey, id: number): number => {
      const old = this.pathById[id]!;
      const r = this.loc.rowFor(prefix);
      this.mark(r);
      this.drop(st, r, old);
      const p = this.importPath(st, r, prefix, old.pathId, old.received, old.nextHop, old.nextHopLinkLocal);
      this.pathRefs[p.id]++;
      this.unref(id);
      return p.id;
    };
    // Only existing keys are rewritten: neither table is resized while it is iterated.
    const addPath: [string, AddPathEntry][] = [];
    this.forEachAdjIn(st, (prefix, id, row) => {
      if (row >= 0) this.loc.setAdjIn(st.col, row, reimport(prefix, id));
    });
    for (const [key, a] of st.adjInAddPath) addPath.push([key, { prefix: a.prefix, id: reimport(a.prefix, a.id) }]);
    for (const [key, a] of addPath) st.adjInAddPath.set(key, a);
    const delta = this.finish();
    this.refreshAdjOut(st, delta);
    return delta;
  }

  // ── updates ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Apply one decoded UPDATE. RFC 7606: `treat-as-withdraw` (and `afi-safi-disable`) turn every NLRI,
   * MP ones included, into withdrawals; `attribute-discard` uses `u.attributes` as given.
   * Only unicast (SAFI 1) of the families negotiated with the peer is used.
   */
  applyUpdate(peerId: number, u: UpdateMessage): EngineDelta {
    const st = this.peer(peerId);
    const fam = st.config.families;
    this.begin();
    const withdrawAll = u.treatment === 'treat-as-withdraw' || u.treatment === 'afi-safi-disable';
    if (fam.ipv4) for (let i = 0; i < u.withdrawn.length; i++) this.withdraw(st, u.withdrawn[i], u.withdrawnPathIds?.[i] ?? 0);
    const un = u.mpUnreach;
    if (un !== undefined && un.safi === 1 && this.familyOn(st, un.afi)) {
      for (let i = 0; i < un.withdrawn.length; i++) this.withdraw(st, un.withdrawn[i], un.pathIds?.[i] ?? 0);
    }
    const attrs = u.attributes;
    if (u.nlri.length > 0 && fam.ipv4) {
      const nh = attrs?.nextHop;
      const ids = u.nlriPathIds;
      if (withdrawAll || attrs === null || nh === undefined) for (let i = 0; i < u.nlri.length; i++) this.withdraw(st, u.nlri[i], ids?.[i] ?? 0);
      else this.announceAll(st, u.nlri, ids, attrs, nh);
    }
    const mp = u.mpReach;
    if (mp !== undefined && mp.safi === 1 && this.familyOn(st, mp.afi) && mp.nlri.length > 0) {
      const ids = mp.pathIds;
      if (withdrawAll || attrs === null) for (let i = 0; i < mp.nlri.length; i++) this.withdraw(st, mp.nlri[i], ids?.[i] ?? 0);
      else for (let i = 0; i < mp.nlri.length; i++) this.announce(st, mp.nlri[i], ids?.[i] ?? 0, attrs, mp.nextHop.global, mp.nextHop.linkLocal);
    }
    return this.finish();
  }

  // ── views (built on demand: the tables hold no per-route objects) ───────────────────────────────────

  /** Full current Adj-RIB-Out (ROUTE-REFRESH: re-send it). */
  adjRibOut(peerId: number): PeerOut {
    return { announce: new Map(this.peer(peerId).adjOut), withdraw: new Set() };
  }

  locRib(): Iterable<Route> {
    const out: RibRoute[] = [];
    const loc = this.loc;
    loc.forEachRow((r, prefix) => {
      const b = loc.best[r];
      if (b >= 0) out.push(new RibRoute(prefix, this.pathById[b]!));
    });
    return out;
  }

  /** Pre-policy Adj-RIB-In (attributes as received). */
  adjRibIn(peerId: number): Iterable<Route> {
    const out: Route[] = [];
    this.forEachAdjIn(this.peer(peerId), (prefix, id) => {
      const p = this.pathById[id]!;
      out.push({ peerId: p.peerId, prefix, pathId: p.pathId, attributes: p.received, nextHop: p.nextHop, nextHopLinkLocal: p.nextHopLinkLocal });
    });
    return out;
  }

  /** Post-policy Adj-RIB-In: the peer's paths that are candidates. */
  acceptedRoutes(peerId: number): Iterable<RibRoute> {
    const out: RibRoute[] = [];
    this.forEachAdjIn(this.peer(peerId), (prefix, id) => {
      const p = this.pathById[id]!;
      if (p.accepted) out.push(new RibRoute(prefix, p));
    });
    return out;
  }

  candidates(prefix: PrefixKey): RibRoute[] {
    const r = this.loc.row(prefix);
    if (r < 0) return [];
    return this.loc.candidates(r, this.pathById, []).map((p) => new RibRoute(prefix, p));
  }

  /** How many candidates the prefix has (without building the list). */
  candidateCount(prefix: PrefixKey): number {
    const r = this.loc.row(prefix);
    return r < 0 ? 0 : this.loc.count(r);
  }

  best(prefix: PrefixKey): RibRoute | null {
    const r = this.loc.row(prefix);
    const b = r < 0 ? -1 : this.loc.best[r];
    return b < 0 ? null : new RibRoute(prefix, this.pathById[b]!);
  }

  peerIds(): number[] {
    return this.peerList.map((p) => p.config.id);
  }

  counts(): { paths: number; best: number; perPeer: Map<number, PeerCounts> } {
    let paths = 0;
    const perPeer = new Map<number, PeerCounts>();
    for (const p of this.peerList) {
      paths += p.accepted;
      perPeer.set(p.config.id, { received: p.received + p.adjInAddPath.size, accepted: p.accepted, advertised: p.adjOut.size });
    }
    return { paths, best: this.bestCount, perPeer };
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────────────

  private peer(peerId: number): PeerState {
    const st = this.peers.get(peerId);
    if (st === undefined) throw new EngineError(`unknown peer ${peerId}`, 'BTRD_ERR_UNKNOWN_PEER');
    return st;
  }

  private exporter(peer: EnginePeer, policy: CompiledPolicy): ExportPipeline {
    const profile = exportProfile(peer);
    let cache = this.exportCaches.get(profile);
    if (cache === undefined) this.exportCaches.set(profile, (cache = new WeakMap()));
    return new ExportPipeline(peer, policy, this.exportCtx, cache);
  }

  private familyOn(st: PeerState, afi: number): boolean {
    return afi === Afi.Ipv4 ? st.config.families.ipv4 : afi === Afi.Ipv6 ? st.config.families.ipv6 : false;
  }

  private addPath(st: PeerState, prefix: PrefixKey): boolean {
    return (typeof prefix === 'number' ? st.config.codec.addPathIpv4 : st.config.codec.addPathIpv6) === true;
  }

  /** Every Adj-RIB-In entry of the peer: row is the Loc-RIB row holding it, -1 for ADD-PATH entries. */
  private forEachAdjIn(st: PeerState, f: (prefix: PrefixKey, id: number, row: number) => void): void {
    const loc = this.loc;
    const c = st.col;
    loc.forEachRow((r, prefix) => {
      const id = loc.adjInOf(c, r);
      if (id >= 0) f(prefix, id, r);
    });
    for (const a of st.adjInAddPath.values()) f(a.prefix, a.id, -1);
  }

  private nextHopRank(nextHop: string): NextHopRank {
    let r = this.nextHops.get(nextHop);
    if (r === undefined) {
      const res = this.opts.resolveNextHop(nextHop);
      r = Object.freeze(res === undefined ? { reachable: false, igpCost: 0 } : { reachable: true, igpCost: res.igpCost });
      this.nextHops.set(nextHop, r);
    }
    return r;
  }

  private begin(): void {
    this.epoch++;
    this.touchedCount = 0;
  }

  private mark(r: number): void {
    const loc = this.loc;
    if (loc.epoch[r] === this.epoch) return;
    loc.epoch[r] = this.epoch;
    let n = this.touchedCount;
    if (n === this.touched.length) this.reserveTouched(1);
    this.touched[n] = r;
    this.touchedPrev[n] = loc.best[r];
    this.touchedCount = ++n;
    loc.dirty[r] = 0;
  }

  /** Room for `extra` more touched rows in this batch (grown at once, not by repeated doubling). */
  private reserveTouched(extra: number): void {
    const need = this.touchedCount + extra;
    this.touched = grownInt32(this.touched, this.touchedCount, need);
    this.touchedPrev = grownInt32(this.touchedPrev, this.touchedCount, need);
  }

  /**
   * A path leaves row `r`: the best may change unless the current best beats it before MED.
   * Invariant while a row is not dirty: `loc.best[r]` is the best of its current candidates.
   */
  private affects(r: number, p: RibPath): void {
    const loc = this.loc;
    if (loc.dirty[r] !== 0) return;
    const b = loc.best[r];
    if (b < 0 || b === p.id || !beatsBeforeMed(this.pathById[b]!, p)) loc.dirty[r] = 1;
  }

  /**
   * A path enters row `r` (before loc.add). The best of a clean row is the lexicographic minimum of its
   * candidates over the steps before MED (each of those steps keeps the minimum of its key among the
   * survivors), so: the best beats `p` before MED → unchanged; `p` beats the best before MED → `p` beats
   * every candidate there and is the new best (reachable, since it beats a reachable best at step 1); no
   * best → `p` if its next hop is reachable (the others, if any, are not). Otherwise (a tie before MED)
   * the row is re-decided in finish().
   */
  private enters(r: number, p: RibPath): void {
    const loc = this.loc;
    if (loc.dirty[r] !== 0) return;
    const b = loc.best[r];
    if (b < 0) {
      if (p.nh.reachable) loc.best[r] = p.id;
      return;
    }
    if (b === p.id) {
      loc.dirty[r] = 1;
      return;
    }
    const best = this.pathById[b]!;
    if (beatsBeforeMed(best, p)) return;
    if (beatsBeforeMed(p, best)) loc.best[r] = p.id;
    else loc.dirty[r] = 1;
  }

  // ── path table ──────────────────────────────────────────────────────────────────────────────────────

  /** The interned path for (import result or rejection, next hop, link-local, path id) of this peer, with an id. */
  private path(st: PeerState, imp: Imported | null, pathId: number, received: PathAttributes, nh: string, ll: string | undefined): RibPath {
    const key: object = imp ?? received;
    const last = st.lastPath;
    if (last !== null && last.internKey === key && last.nextHop === nh && last.nextHopLinkLocal === ll && last.pathId === pathId && last.id >= 0) return last;
    const known = st.paths.get(key);
    const hopKey = pathId === 0 && ll === undefined ? nh : `${nh}|${ll ?? ''}|${pathId}`;
    let p = known === undefined ? undefined : known instanceof RibPath ? (known.hopKey === hopKey ? known : undefined) : known.get(hopKey);
    if (p === undefined) {
      p = imp === null
        ? RibPath.rejected(st.config.id, pathId, received, nh, ll, st.rank)
        : new RibPath(st.config.id, pathId, imp.attrs, received, nh, ll, imp.rank, st.rank, this.nextHopRank(nh), true);
      p.internKey = key;
      p.hopKey = hopKey;
      p.id = this.newPathId(p);
      if (known === undefined) st.paths.set(key, p);
      else if (known instanceof RibPath) st.paths.set(key, new Map([[known.hopKey, known], [hopKey, p]]));
      else known.set(hopKey, p);
    }
    st.lastPath = p;
    return p;
  }

  private newPathId(p: RibPath): number {
    let id = this.freePathIds.pop();
    if (id === undefined) {
      id = this.pathById.length;
      this.pathById.push(p);
      if (id === this.pathRefs.length) {
        const refs = new Int32Array(id * 2);
        refs.set(this.pathRefs);
        this.pathRefs = refs;
      }
    } else this.pathById[id] = p;
    this.pathRefs[id] = 0;
    return id;
  }

  /** An Adj-RIB-In entry stops holding `id`. */
  private unref(id: number): void {
    if (--this.pathRefs[id] === 0) this.unreferenced.push(id);
  }

  /** End of a call: free the ids nobody holds any more, and forget their paths. */
  private sweep(): void {
    const ids = this.unreferenced;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const p = this.pathById[id];
      if (this.pathRefs[id] !== 0 || p === null) continue;
      const st = this.peers.get(p.peerId);
      if (st !== undefined) {
        const known = st.paths.get(p.internKey!);
        if (known === p) st.paths.delete(p.internKey!);
        else if (known instanceof Map && known.get(p.hopKey) === p) known.delete(p.hopKey);
        if (st.lastPath === p) st.lastPath = null;
      }
      p.id = -1;
      this.pathById[id] = null;
      this.freePathIds.push(id);
    }
    ids.length = 0;
  }

  // ── Adj-RIB-In ──────────────────────────────────────────────────────────────────────────────────────

  /** Import one received path into row r: returns its interned path (a candidate of r if accepted). */
  private importPath(st: PeerState, r: number, prefix: PrefixKey, pathId: number, attrs: PathAttributes, nh: string, ll: string | undefined): RibPath {
    const imp = st.importer.run(prefix, attrs);
    const p = this.path(st, imp, pathId, attrs, nh, ll);
    if (imp === null) return p;
    this.enters(r, p);
    this.loc.add(r, p.id);
    st.accepted++;
    return p;
  }

  /**
   * The IPv4 NLRI of one UPDATE: rows are found and marked for all of them first, then each is announced.
   * The first loop is only hash probes and row reads, independent from one prefix to the next, so the
   * CPU overlaps their cache misses (the table is far larger than the caches and the prefixes of an
   * UPDATE are scattered in it); interleaved with the per-prefix work they were taken one at a time.
   */
  private announceAll(st: PeerState, keys: readonly PrefixKey[], ids: readonly number[] | undefined, attrs: PathAttributes, nh: string): void {
    const n = keys.length;
    if (this.rowScratch.length < n) this.rowScratch = new Int32Array(n * 2);
    const rows = this.rowScratch;
    const loc = this.loc;
    for (let i = 0; i < n; i++) rows[i] = loc.rowFor(keys[i]);
    for (let i = 0; i < n; i++) this.mark(rows[i]);
    for (let i = 0; i < n; i++) this.announceAt(st, rows[i], keys[i], ids?.[i] ?? 0, attrs, nh, undefined);
  }

  private announce(st: PeerState, prefix: PrefixKey, pathId: number, attrs: PathAttributes, nh: string, ll: string | undefined): void {
    const r = this.loc.rowFor(prefix);
    this.mark(r);
    this.announceAt(st, r, prefix, pathId, attrs, nh, ll);
  }

  /** Announce at row r (already marked in this batch). */
  private announceAt(st: PeerState, r: number, prefix: PrefixKey, pathId: number, attrs: PathAttributes, nh: string, ll: string | undefined): void {
    // The new path goes in before the old one leaves (the order does not matter: both only mark the row
    // and edit its candidate list), so the Adj-RIB-In is probed once.
    const p = this.importPath(st, r, prefix, pathId, attrs, nh, ll);
    this.pathRefs[p.id]++;
    let old: number;
    if (this.addPath(st, prefix)) {
      const key = `${prefix}#${pathId}`;
      old = st.adjInAddPath.get(key)?.id ?? -1;
      st.adjInAddPath.set(key, { prefix, id: p.id });
    } else {
      old = this.loc.setAdjIn(st.col, r, p.id);
      if (old < 0) st.received++;
    }
    if (old < 0) return;
    this.drop(st, r, this.pathById[old]!);
    this.unref(old);
  }

  /** `old` (of row r, already marked) leaves the candidates if it was one. */
  private drop(st: PeerState, r: number, old: RibPath): void {
    if (!old.accepted) return;
    this.affects(r, old);
    this.loc.remove(r, old.id);
    st.accepted--;
  }

  private withdraw(st: PeerState, prefix: PrefixKey, pathId: number): void {
    let old: number;
    if (this.addPath(st, prefix)) {
      const key = `${prefix}#${pathId}`;
      old = st.adjInAddPath.get(key)?.id ?? -1;
      if (old < 0) return;
      st.adjInAddPath.delete(key);
      const p = this.pathById[old]!;
      if (p.accepted) {
        const r = this.loc.row(prefix);
        this.mark(r);
        this.drop(st, r, p);
      }
    } else {
      const r = this.loc.row(prefix);
      if (r < 0) return;
      old = this.loc.setAdjIn(st.col, r, -1);
      if (old < 0) return;
      st.received--;
      this.mark(r); // also when rejected: finish releases the row if nothing else holds it
      this.drop(st, r, this.pathById[old]!);
    }
    this.unref(old);
  }

  // ── decision and export ─────────────────────────────────────────────────────────────────────────────

  /** Re-decide every touched prefix once; export those whose best changed; free unreferenced paths. */
  private finish(): RibDelta {
    const touched = this.touched;
    const touchedPrev = this.touchedPrev;
    const n = this.touchedCount;
    const delta = new RibDelta(n); // at most one change per touched row
    const loc = this.loc;
    const byId = this.pathById;
    let unused = 0; // rows to release, gathered at the front of `touched` (entries already read)
    for (let i = 0; i < n; i++) {
      const r = touched[i];
      if (loc.dirty[r] !== 0) {
        const first = loc.firstCandidate(r);
        let best: RibPath | null;
        if (first < 0) best = null;
        else if (loc.count(r) === 1) {
          const only = byId[first]!;
          best = only.nh.reachable ? only : null; // what selectBestPath answers for one candidate
        } else best = selectBestPath(loc.candidates(r, byId, this.scratch)).best;
        loc.best[r] = best === null ? -1 : best.id;
      }
      // Clean rows kept their best exact as paths came and went (enters, affects).
      const bestId = loc.best[r];
      const prevId = touchedPrev[i];
      if (bestId !== prevId) {
        const best = bestId < 0 ? null : byId[bestId]!;
        const prev = prevId < 0 ? null : byId[prevId]!; // ids read in this batch are not reused before sweep()
        if (best !== null && prev === null) this.bestCount++;
        else if (best === null && prev !== null) this.bestCount--;
        if (!sameBest(best, prev)) {
          const prefix = loc.prefixOf(r);
          delta.change(prefix, best, loc.count(r));
          this.exportPrefix(prefix, best, delta);
        }
      }
      // A prefix whose only announcements were rejected (loop, import policy) leaves an empty row: drop
      // it, or every prefix ever rejected would stay allocated (found by the variant-b differential).
      if (loc.unused(r)) touched[unused++] = r;
    }
    loc.releaseMany(touched, unused);
    this.touchedCount = 0;
    this.scratch.length = 0;
    this.sweep();
    return delta;
  }

  private exportPrefix(prefix: PrefixKey, best: RibPath | null, delta: EngineDelta): void {
    const source = best === null ? null : this.peers.get(best.peerId)?.config ?? null;
    const peers = this.peerList;
    for (let i = 0; i < peers.length; i++) this.exportTo(peers[i], prefix, best, source, delta);
  }

  private exportTo(q: PeerState, prefix: PrefixKey, best: RibPath | null, source: EnginePeer | null, delta: EngineDelta): void {
    let attrs = null;
    if (best !== null) {
      const er = this.exportRoute;
      er.peerId = best.peerId;
      er.prefix = prefix;
      er.pathId = best.pathId;
      er.attributes = best.attributes;
      er.nextHop = best.nextHop;
      er.nextHopLinkLocal = best.nextHopLinkLocal;
      attrs = q.exporter.run(er, source);
    }
    if (attrs === null && q.adjOut.size === 0) return; // nothing to withdraw (e.g. `export: { default: reject }`)
    const prev = q.adjOut.get(prefix);
    if (attrs === null) {
      if (prev === undefined) return;
      q.adjOut.delete(prefix);
      const o = outFor(delta, q.config.id);
      o.announce.delete(prefix);
      o.withdraw.add(prefix);
    } else if (attrs !== prev) {
      q.adjOut.set(prefix, attrs);
      const o = outFor(delta, q.config.id);
      o.withdraw.delete(prefix);
      o.announce.set(prefix, attrs);
    }
  }

  /** Bring one peer's Adj-RIB-Out in line with the whole Loc-RIB (new session, export policy change). */
  private refreshAdjOut(q: PeerState, delta: EngineDelta): void {
    const loc = this.loc;
    loc.forEachRow((r, prefix) => {
      const b = loc.best[r];
      if (b < 0) return;
      const best = this.pathById[b]!;
      this.exportTo(q, prefix, best, this.peers.get(best.peerId)?.config ?? null, delta);
    });
    for (const prefix of [...q.adjOut.keys()]) {
      const r = loc.row(prefix);
      if (r < 0 || loc.best[r] < 0) this.exportTo(q, prefix, null, null, delta);
    }
  }
}

function outFor(delta: EngineDelta, peerId: number): PeerOut {
  let o = delta.out.get(peerId);
  if (o === undefined) delta.out.set(peerId, (o = { announce: new Map(), withdraw: new Set() }));
  return o;
}
