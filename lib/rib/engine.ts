/**
 * The routing engine: Adj-RIB-In (pre-policy, per peer) → import → Loc-RIB (RFC 4271 §9.1) → export →
 * Adj-RIB-Out (per peer). Pure: no I/O, timers or clocks. The Loc-RIB and every Adj-RIB-Out are a
 * function of the current Adj-RIB-Ins alone — no arrival-order or age tie-breaks — so replicas that
 * apply the same routes in different orders agree (DESIGN principle 2).
 *
 * Incremental: an update marks only the prefixes it touches; each is re-decided once at the end of the
 * call, and only prefixes whose best path changed are re-exported.
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
import { PrefixEntry, sameBest } from './loc-rib.js';
import { PrefixMap } from './prefix-map.js';
import { RibRoute, addressKey } from './route.js';
import type { EngineDelta, EngineOptions, EnginePeer, PeerCounts, PeerOut, Route } from './types.js';

interface PeerState {
  readonly config: EnginePeer;
  readonly rank: PeerRank;
  importer: ImportPipeline;
  exporter: ExportPipeline;
  /** Pre-policy Adj-RIB-In. Key: the prefix, or "prefix#pathId" on ADD-PATH families (RFC 7911). */
  readonly adjIn: PrefixMap<RibRoute>;
  readonly adjOut: PrefixMap<PathAttributes>;
  accepted: number;
}

export class RoutingEngine {
  private readonly peers = new Map<number, PeerState>();
  /** Established peers in ascending id order (export fan-out). */
  private peerList: PeerState[] = [];
  private readonly prefixes = new PrefixMap<PrefixEntry>();
  private readonly nextHops = new Map<string, NextHopRank>();
  private readonly importCtx: ImportContext;
  private readonly exportCtx: ExportContext;
  private epoch = 0;
  private touched: PrefixEntry[] = [];
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
      adjIn: new PrefixMap(),
      adjOut: new PrefixMap(),
      accepted: 0,
    };
    this.peers.set(peer.id, st);
    this.peerList = [...this.peers.values()].sort((a, b) => a.config.id - b.config.id);
    const delta: EngineDelta = { locRib: [], out: new Map() };
    this.refreshAdjOut(st, delta);
    return delta;
  }

  /** Session down: its routes are withdrawn and best paths recomputed. */
  removePeer(peerId: number): EngineDelta {
    const st = this.peer(peerId);
    this.peers.delete(peerId);
    this.peerList = this.peerList.filter((p) => p !== st);
    this.begin();
    for (const r of st.adjIn.values()) {
      if (!r.accepted) continue;
      const e = this.prefixes.get(r.prefix)!;
      this.mark(e);
      this.affects(e, r);
      e.remove(r);
    }
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
    this.begin();
    for (const [key, r] of st.adjIn) {
      const e = this.entry(r.prefix);
      this.mark(e);
      if (r.accepted) {
        this.affects(e, r);
        e.remove(r);
        st.accepted--;
      }
      st.adjIn.set(key, this.importRoute(st, e, r.prefix, r.pathId, r.received, r.nextHop, r.nextHopLinkLocal));
    }
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
      else for (let i = 0; i < u.nlri.length; i++) this.announce(st, u.nlri[i], ids?.[i] ?? 0, attrs, nh, undefined);
    }
    const mp = u.mpReach;
    if (mp !== undefined && mp.safi === 1 && this.familyOn(st, mp.afi) && mp.nlri.length > 0) {
      const ids = mp.pathIds;
      if (withdrawAll || attrs === null) for (let i = 0; i < mp.nlri.length; i++) this.withdraw(st, mp.nlri[i], ids?.[i] ?? 0);
      else for (let i = 0; i < mp.nlri.length; i++) this.announce(st, mp.nlri[i], ids?.[i] ?? 0, attrs, mp.nextHop.global, mp.nextHop.linkLocal);
    }
    return this.finish();
  }

  // ── views ───────────────────────────────────────────────────────────────────────────────────────────

  /** Full current Adj-RIB-Out (ROUTE-REFRESH: re-send it). */
  adjRibOut(peerId: number): PeerOut {
    return { announce: new Map(this.peer(peerId).adjOut), withdraw: new Set() };
  }

  *locRib(): Iterable<Route> {
    for (const e of this.prefixes.values()) if (e.best !== null) yield e.best;
  }

  /** Pre-policy Adj-RIB-In (attributes as received). */
  *adjRibIn(peerId: number): Iterable<Route> {
    for (const r of this.peer(peerId).adjIn.values()) {
      yield { peerId: r.peerId, prefix: r.prefix, pathId: r.pathId, attributes: r.received, nextHop: r.nextHop, nextHopLinkLocal: r.nextHopLinkLocal };
    }
  }

  /** Post-policy Adj-RIB-In: the peer's paths that are candidates. */
  *acceptedRoutes(peerId: number): Iterable<RibRoute> {
    for (const r of this.peer(peerId).adjIn.values()) if (r.accepted) yield r;
  }

  candidates(prefix: PrefixKey): RibRoute[] {
    return this.prefixes.get(prefix)?.routes.slice() ?? [];
  }

  best(prefix: PrefixKey): RibRoute | null {
    return this.prefixes.get(prefix)?.best ?? null;
  }

  peerIds(): number[] {
    return this.peerList.map((p) => p.config.id);
  }

  counts(): { paths: number; best: number; perPeer: Map<number, PeerCounts> } {
    let paths = 0;
    const perPeer = new Map<number, PeerCounts>();
    for (const p of this.peerList) {
      paths += p.accepted;
      perPeer.set(p.config.id, { received: p.adjIn.size, accepted: p.accepted, advertised: p.adjOut.size });
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

  private adjKey(st: PeerState, prefix: PrefixKey, pathId: number): PrefixKey {
    const addPath = typeof prefix === 'number' ? st.config.codec.addPathIpv4 : st.config.codec.addPathIpv6;
    return addPath ? `${prefix}#${pathId}` : prefix;
  }

  private entry(prefix: PrefixKey): PrefixEntry {
    let e = this.prefixes.get(prefix);
    if (e === undefined) this.prefixes.set(prefix, (e = new PrefixEntry(prefix)));
    return e;
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
    this.touched.length = 0;
  }

  private mark(e: PrefixEntry): void {
    if (e.epoch === this.epoch) return;
    e.epoch = this.epoch;
    e.prevBest = e.best;
    e.dirty = false;
    this.touched.push(e);
  }

  /** A path enters or leaves `e`: the best may change unless the current best beats it before MED. */
  private affects(e: PrefixEntry, r: RibRoute): void {
    if (!e.dirty && (e.best === null || e.best === r || !beatsBeforeMed(e.best, r))) e.dirty = true;
  }

  private importRoute(st: PeerState, e: PrefixEntry, prefix: PrefixKey, pathId: number, attrs: PathAttributes, nh: string, ll: string | undefined): RibRoute {
    const imp = st.importer.run(prefix, attrs);
    if (imp === null) return RibRoute.rejected(st.config.id, prefix, pathId, attrs, nh, ll, st.rank);
    const r = new RibRoute(st.config.id, prefix, pathId, imp.attrs, attrs, nh, ll, imp.rank, st.rank, this.nextHopRank(nh), true);
    this.affects(e, r);
    e.add(r);
    st.accepted++;
    return r;
  }

  private announce(st: PeerState, prefix: PrefixKey, pathId: number, attrs: PathAttributes, nh: string, ll: string | undefined): void {
    const key = this.adjKey(st, prefix, pathId);
    const e = this.entry(prefix);
    this.mark(e);
    const old = st.adjIn.get(key);
    if (old !== undefined && old.accepted) {
      this.affects(e, old);
      e.remove(old);
      st.accepted--;
    }
    st.adjIn.set(key, this.importRoute(st, e, prefix, pathId, attrs, nh, ll));
  }

  private withdraw(st: PeerState, prefix: PrefixKey, pathId: number): void {
    const key = this.adjKey(st, prefix, pathId);
    const old = st.adjIn.get(key);
    if (old === undefined) return;
    st.adjIn.delete(key);
    if (!old.accepted) return;
    const e = this.prefixes.get(prefix)!;
    this.mark(e);
    this.affects(e, old);
    e.remove(old);
    st.accepted--;
  }

  /** Re-decide every touched prefix once; export those whose best changed. */
  private finish(): EngineDelta {
    const delta: EngineDelta = { locRib: [], out: new Map() };
    const touched = this.touched;
    for (let i = 0; i < touched.length; i++) {
      const e = touched[i];
      if (!e.dirty) {
        // Only paths the best beats before MED came or went: the best is unchanged (beatsBeforeMed).
        e.prevBest = null;
        // A prefix whose only announcements were rejected (loop, import policy) leaves an empty entry:
        // drop it, or every prefix ever rejected would stay allocated (found by the variant-b differential).
        if (e.routes.length === 0 && e.best === null) this.prefixes.delete(e.prefix);
        continue;
      }
      const best = e.routes.length === 0 ? null : selectBestPath(e.routes).best;
      const prev = e.prevBest;
      e.best = best;
      e.prevBest = null;
      if (best !== null && prev === null) this.bestCount++;
      else if (best === null && prev !== null) this.bestCount--;
      if (!sameBest(best, prev)) {
        delta.locRib.push({ prefix: e.prefix, best });
        this.exportPrefix(e, delta);
      }
      if (e.routes.length === 0) this.prefixes.delete(e.prefix);
    }
    touched.length = 0;
    return delta;
  }

  private exportPrefix(e: PrefixEntry, delta: EngineDelta): void {
    const best = e.best;
    const source = best === null ? null : this.peers.get(best.peerId)?.config ?? null;
    const peers = this.peerList;
    for (let i = 0; i < peers.length; i++) this.exportTo(peers[i], e.prefix, best, source, delta);
  }

  private exportTo(q: PeerState, prefix: PrefixKey, best: RibRoute | null, source: EnginePeer | null, delta: EngineDelta): void {
    const attrs = best === null ? null : q.exporter.run(best, source);
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
    for (const e of this.prefixes.values()) {
      const best = e.best;
      if (best !== null) this.exportTo(q, e.prefix, best, this.peers.get(best.peerId)?.config ?? null, delta);
    }
    for (const prefix of [...q.adjOut.keys()]) {
      if (this.prefixes.get(prefix)?.best == null) this.exportTo(q, prefix, null, null, delta);
    }
  }
}

function outFor(delta: EngineDelta, peerId: number): PeerOut {
  let o = delta.out.get(peerId);
  if (o === undefined) delta.out.set(peerId, (o = { announce: new Map(), withdraw: new Set() }));
  return o;
}
