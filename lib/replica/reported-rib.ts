/**
 * What one replica has reported, per prefix (workers/decision.ts): the best route it reported, that route's
 * Loc-RIB digest, the XOR of the prefix's export terms, and per peer the exported attributes (the
 * Adj-RIB-Out mirror the export digests are taken from). The voted outcome digest of a prefix is
 * digestOutcome(loc, exp).
 *
 * Rows in typed arrays behind a PrefixIndex (DESIGN principle 6). The Map-per-field layout this replaces
 * (loc, exp, bests, a start Map per round) was ~75 % of a replica's CPU on a 100k-prefix table load: a round
 * now costs a typed-array probe per changed prefix plus one PrefixMap probe per export change.
 *
 * Round protocol: `beginRound()`, then `touch(prefix)` before changing a prefix (records its start values
 * once per round), `setLoc` / `setExport`, and at the end `touched` lists the touched rows with
 * `startLoc(row)` / `startExp(row)`; `endRound()` frees rows left empty.
 */
import { PrefixIndex, PrefixMap } from '../rib/prefix-map.js';
import type { Route } from '../rib/types.js';
import type { PrefixKey } from '../wire/prefix.js';
import type { PathAttributes } from '../wire/types.js';
import { digestAttributes, exportTerm, xor53 } from './digest.js';

export class ReportedRib {
  private readonly rowOf = new PrefixIndex(1024);
  private keys: PrefixKey[] = [];
  private loc = new Float64Array(1024);
  private exp = new Float64Array(1024);
  /**
   * The reported best per row, as columns rather than a Route object per prefix (a million retained
   * objects per replica were a large part of each replica's GC): peer -1 = no best.
   */
  private bestPeer = new Int32Array(1024).fill(-1);
  private bestPathId = new Float64Array(1024);
  private bestAttrs: (PathAttributes | null)[] = [];
  private bestNextHop: string[] = [];
  private bestLinkLocal: (string | undefined)[] = [];
  private readonly freeRows: number[] = [];
  private rows = 0;
  /** Round-local: stamp[row] === epoch when the row was touched this round; its values at round start. */
  private stamp = new Int32Array(1024);
  private loc0 = new Float64Array(1024);
  private exp0 = new Float64Array(1024);
  private epoch = 0;
  /** Round-local: the engine's best for a row this round (valid when offerStamp[row] === epoch). */
  private offers: (Route | null)[] = [];
  private offerStamp = new Int32Array(1024);
  /** Per-row scratch integer for the caller (e.g. a row's index in the round result). */
  scratch = new Int32Array(1024);
  /** Rows touched this round, in first-touch order. */
  readonly touched: number[] = [];
  /** Adj-RIB-Out mirror: peer → prefix → exported attributes (references to the engine's objects). */
  readonly out = new Map<number, PrefixMap<PathAttributes>>();
  /** Number of prefixes with a reported best. */
  bestCount = 0;

  beginRound(): void {
    this.epoch++;
    this.touched.length = 0;
  }

  /** The row of a prefix, allocated if new; records its round-start values on the first touch this round. */
  touch(p: PrefixKey): number {
    let row = this.rowOf.get(p);
    if (row < 0) {
      row = this.freeRows.length > 0 ? this.freeRows.pop()! : this.rows++;
      if (row >= this.loc.length) this.grow();
      this.rowOf.set(p, row);
      this.keys[row] = p;
      this.loc[row] = 0;
      this.exp[row] = 0;
      this.clearBest(row);
    }
    if (this.stamp[row] !== this.epoch) {
      this.stamp[row] = this.epoch;
      this.loc0[row] = this.loc[row];
      this.exp0[row] = this.exp[row];
      this.touched.push(row);
    }
    return row;
  }

  /** The row of a prefix, or -1. */
  find(p: PrefixKey): number {
    return this.rowOf.get(p);
  }

  /** The engine's (latest) best for the row's prefix this round. */
  offer(row: number, best: Route | null): void {
    this.offers[row] = best;
    this.offerStamp[row] = this.epoch;
  }

  hasOffer(row: number): boolean {
    return this.offerStamp[row] === this.epoch;
  }

  offered(row: number): Route | null {
    return this.offers[row] ?? null;
  }

  keyOf(row: number): PrefixKey {
    return this.keys[row];
  }

  locOf(row: number): number {
    return this.loc[row];
  }

  expOf(row: number): number {
    return this.exp[row];
  }

  startLoc(row: number): number {
    return this.loc0[row];
  }

  startExp(row: number): number {
    return this.exp0[row];
  }

  /** The reported best of a row as a new Route (restate, API, tree), or null. */
  bestOf(row: number): Route | null {
    const peerId = this.bestPeer[row];
    if (peerId < 0) return null;
    const r: Route = { peerId, prefix: this.keys[row], pathId: this.bestPathId[row], attributes: this.bestAttrs[row]!, nextHop: this.bestNextHop[row] };
    const ll = this.bestLinkLocal[row];
    if (ll !== undefined) r.nextHopLinkLocal = ll;
    return r;
  }

  hasBest(row: number): boolean {
    return this.bestPeer[row] >= 0;
  }

  bestPeerOf(row: number): number {
    return this.bestPeer[row];
  }

  bestPathIdOf(row: number): number {
    return this.bestPathId[row];
  }

  bestAttrsOf(row: number): PathAttributes | null {
    return this.bestAttrs[row];
  }

  bestNextHopOf(row: number): string {
    return this.bestNextHop[row];
  }

  bestLinkLocalOf(row: number): string | undefined {
    return this.bestLinkLocal[row];
  }

  /** The reported best of a prefix (API, restate), or null. */
  best(p: PrefixKey): Route | null {
    const row = this.rowOf.get(p);
    return row < 0 ? null : this.bestOf(row);
  }

  setLoc(row: number, best: Route | null, digest: number): void {
    if ((this.bestPeer[row] < 0) !== (best === null)) this.bestCount += best === null ? -1 : 1;
    if (best === null) this.clearBest(row);
    else {
      this.bestPeer[row] = best.peerId;
      this.bestPathId[row] = best.pathId;
      this.bestAttrs[row] = best.attributes;
      this.bestNextHop[row] = best.nextHop;
      this.bestLinkLocal[row] = best.nextHopLinkLocal;
    }
    this.loc[row] = digest;
  }

  private clearBest(row: number): void {
    this.bestPeer[row] = -1;
    this.bestAttrs[row] = null;
    this.bestNextHop[row] = '';
    this.bestLinkLocal[row] = undefined;
  }

  /** Sets peer's export of the row's prefix (null = withdrawn); returns the previous attributes' digest (0 = none). */
  setExport(peerId: number, row: number, attrs: PathAttributes | null): number {
    const p = this.keys[row];
    let m = this.out.get(peerId);
    if (m === undefined) this.out.set(peerId, (m = new PrefixMap()));
    const old = m.get(p);
    if (attrs === null) {
      if (old !== undefined) m.delete(p);
    } else m.set(p, attrs);
    const oldD = old === undefined ? 0 : digestAttributes(old);
    const newD = attrs === null ? 0 : digestAttributes(attrs);
    if (oldD !== newD) this.exp[row] = xor53(xor53(this.exp[row], exportTerm(peerId, oldD)), exportTerm(peerId, newD));
    return oldD;
  }

  /** Mirror write without digests (replicas = 1, `direct`: nothing is voted). */
  mirror(peerId: number, p: PrefixKey, attrs: PathAttributes | null): void {
    let m = this.out.get(peerId);
    if (m === undefined) this.out.set(peerId, (m = new PrefixMap()));
    if (attrs === null) m.delete(p);
    else m.set(p, attrs);
  }

  /** A peer's mirror as a Map (API and tests; O(routes)). */
  exportsTo(peerId: number): Map<PrefixKey, PathAttributes> {
    const r = new Map<PrefixKey, PathAttributes>();
    this.out.get(peerId)?.forEach((a, p) => r.set(p, a));
    return r;
  }

  /** Calls f for every prefix with a reported best, with its Loc-RIB digest. */
  forEachBest(f: (p: PrefixKey, best: Route, digest: number) => void): void {
    this.rowOf.forEach((row, p) => {
      const b = this.bestOf(row);
      if (b !== null) f(p, b, this.loc[row]);
    });
  }

  exported(peerId: number, p: PrefixKey): PathAttributes | undefined {
    return this.out.get(peerId)?.get(p);
  }

  /** Every reported best (API). */
  allBests(): Route[] {
    const r: Route[] = [];
    this.forEachBest((_p, b) => r.push(b));
    return r;
  }

  /** Frees the touched rows that no longer hold anything. */
  endRound(): void {
    for (const row of this.touched) {
      this.offers[row] = null;
      if (this.loc[row] !== 0 || this.exp[row] !== 0) continue;
      this.rowOf.delete(this.keys[row]);
      this.clearBest(row);
      this.freeRows.push(row);
    }
  }

  private grow(): void {
    const n = this.loc.length * 2;
    this.loc = grown(this.loc, n);
    this.exp = grown(this.exp, n);
    this.loc0 = grown(this.loc0, n);
    this.exp0 = grown(this.exp0, n);
    this.stamp = grown(this.stamp, n);
    this.offerStamp = grown(this.offerStamp, n);
    this.scratch = grown(this.scratch, n);
    this.bestPathId = grown(this.bestPathId, n);
    const peers = new Int32Array(n).fill(-1);
    peers.set(this.bestPeer);
    this.bestPeer = peers;
  }
}

/** A copy of a typed array in a new one of length n. */
function grown<A extends Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer>>(a: A, n: number): A {
  const b = new (a.constructor as new (length: number) => A)(n);
  b.set(a);
  return b;
}
