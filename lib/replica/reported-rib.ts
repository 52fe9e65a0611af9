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
 * `startLoc(row)` / `startExp(row)`; `endRound()` frees rows left empty. `reserve(n)` before n touches (a
 * peer's full table withdrawn is one round of a million) sizes the round's tables once.
 */
import { IntStack, PrefixIndex, PrefixMap } from '../rib/prefix-map.js';
import type { LocBest, Route } from '../rib/types.js';
import type { PrefixKey } from '../wire/prefix.js';
import type { PathAttributes } from '../wire/types.js';
import { digestAttributes, exportTerm, xor53 } from './digest.js';

/** The engine's current best for a prefix (what a replica reports unless a fault or a tie-break rescan differs). */
export type EngineBest = (p: PrefixKey) => Route | null;

export class ReportedRib {
  private readonly rowOf = new PrefixIndex(1024);
  /** Row keys without a pointer per row: IPv4 keys in a Float64Array (NaN for an IPv6 row), IPv6 keys in a Map. */
  private keys4 = new Float64Array(1024);
  private readonly keys6 = new Map<number, string>();
  private loc = new Float64Array(1024);
  private exp = new Float64Array(1024);
  /**
   * The reported best is the engine's best (looked up in the engine when needed: restate, API, tree) except
   * for the rows in `differing` (a test fault, or a tie-break rescan that disagreed with the engine). Keeping
   * only a flag per row, not a route, spares each replica a pointer column of a million entries.
   */
  private hasBestRow = new Uint8Array(1024);
  private readonly differing = new Map<number, Route | null>();
  private readonly freeRows = new IntStack(1024);
  private rows = 0;
  /** stamp[row] === epoch when the row was touched this round; pos[row] is then its place in `touched`. */
  private stamp = new Int32Array(1024);
  private pos = new Int32Array(1024);
  private epoch = 0;
  /**
   * Round-local, by touch position (sized by the largest round, not the table): values at round start, the
   * engine's best offered this round (hasOffer), and the caller's result index (-1 = none).
   */
  private loc0 = new Float64Array(1024);
  private exp0 = new Float64Array(1024);
  private offers: (LocBest | null)[] = [];
  /** The round's announced number of touches (reserve): the size `offers` is made at. */
  private offerRoom = 0;
  private offerMark = new Uint8Array(1024);
  private offerCandidates = new Int32Array(1024);
  private resultAt = new Int32Array(1024);
  /** Rows touched this round, in first-touch order: the first `touchedCount`. */
  touched = new Int32Array(1024);
  touchedCount = 0;
  /** Adj-RIB-Out mirror: peer → prefix → exported attributes (references to the engine's objects). */
  readonly out = new Map<number, PrefixMap<PathAttributes>>();
  /** Number of prefixes with a reported best. */
  bestCount = 0;

  constructor(private readonly engineBest: EngineBest) {}

  beginRound(): void {
    this.epoch++;
    this.touchedCount = 0;
    this.offers = [];
    this.offerRoom = 0;
  }

  /** Room for `n` more touches this round (the tables of the round grow once, not step by step). */
  reserve(n: number): void {
    const need = this.touchedCount + n;
    if (need > this.loc0.length) this.growRound(need);
    this.offerRoom = Math.max(this.offerRoom, need);
  }

  /** Stores the offer at touch position `at`. Only non-null offers need a slot: a hole (or no slot) reads as null. */
  private putOffer(at: number, best: LocBest | null): void {
    const offers = this.offers;
    if (at < offers.length) offers[at] = best;
    else if (best !== null) {
      // Made at the round's announced size (reserve) on the first non-null offer past the end; a withdrawn
      // table offers only nulls and never allocates it.
      const bigger = new Array<LocBest | null>(Math.max(at + 1, this.offerRoom, offers.length * 2));
      for (let i = 0; i < offers.length; i++) bigger[i] = offers[i];
      bigger[at] = best;
      this.offers = bigger;
    }
  }

  /** The offer stored at touch position `at` (offerMark says whether there is one). */
  private offerAt(at: number): LocBest | null {
    return this.offers[at] ?? null;
  }

  /** The row of a prefix, allocated if new; records its round-start values on the first touch this round. */
  touch(p: PrefixKey): number {
    const row = this.rowFor(p);
    this.stampRow(row);
    return row;
  }

  /**
   * touch() for `prefixes[0 … n-1]`, their rows into `rows`. In two passes: first only the index probes, each
   * independent of the others, so the CPU overlaps their cache misses (the index is far larger than the caches
   * and a round's prefixes are scattered in it); then the first-touch bookkeeping of each row.
   */
  touchMany(prefixes: readonly PrefixKey[], n: number, rows: Int32Array): void {
    for (let i = 0; i < n; i++) rows[i] = this.rowFor(prefixes[i]);
    for (let i = 0; i < n; i++) this.stampRow(rows[i]);
  }

  /** The row of a prefix, allocated (holding nothing) if new. */
  private rowFor(p: PrefixKey): number {
    const fresh = this.freeRows.size > 0 ? this.freeRows.peek() : this.rows;
    let row = this.rowOf.getOrSet(p, fresh);
    if (row < 0) {
      row = fresh;
      if (this.freeRows.size > 0) this.freeRows.pop();
      else this.rows++;
      if (row >= this.loc.length) this.grow();
      if (typeof p === 'number') this.keys4[row] = p;
      else {
        this.keys4[row] = NaN;
        this.keys6.set(row, p);
      }
      this.loc[row] = 0;
      this.exp[row] = 0;
      this.hasBestRow[row] = 0;
    }
    return row;
  }

  /** Records the row's round-start values on its first touch this round. */
  private stampRow(row: number): void {
    if (this.stamp[row] === this.epoch) return;
    this.stamp[row] = this.epoch;
    const at = this.touchedCount++;
    if (at >= this.loc0.length) this.growRound(at + 1);
    this.pos[row] = at;
    this.touched[at] = row;
    this.loc0[at] = this.loc[row];
    this.exp0[at] = this.exp[row];
    this.offerMark[at] = 0;
    this.resultAt[at] = -1;
  }

  /** The row of a prefix, or -1. */
  find(p: PrefixKey): number {
    return this.rowOf.get(p);
  }

  /**
   * The engine's (latest) best for the row's prefix this round (the row was touched), chosen among
   * `candidates` paths (-1: unknown).
   */
  offer(row: number, best: LocBest | null, candidates = -1): void {
    const at = this.pos[row];
    this.offerMark[at] = 1;
    this.offerCandidates[at] = candidates;
    this.putOffer(at, best);
  }

  hasOffer(row: number): boolean {
    return this.stamp[row] === this.epoch && this.offerMark[this.pos[row]] === 1;
  }

  /** This round's offer for the row (after setLoc: the best reported for it). */
  offered(row: number): LocBest | null {
    return this.hasOffer(row) ? this.offerAt(this.pos[row]) : null;
  }

  /** The candidate count the engine gave with this round's offer for the row (-1: unknown). */
  offeredCandidates(row: number): number {
    return this.offerCandidates[this.pos[row]];
  }

  /** The caller's index for a row touched this round (e.g. its place in the round result), or -1. */
  resultIndex(row: number): number {
    return this.stamp[row] === this.epoch ? this.resultAt[this.pos[row]] : -1;
  }

  setResultIndex(row: number, i: number): void {
    this.resultAt[this.pos[row]] = i;
  }

  // Round-local reads and writes by touch position `at` (the row is touched[at]): a pass over the round in
  // touch order reaches these tables sequentially, where the row-based ones above go through pos[row] (and
  // stamp[row]) at random — a full table withdrawn is a million rows in the engine's hash order.

  /**
   * Copies the IPv4 key (NaN for IPv6: keyOf), Loc-RIB digest and export XOR of the rows touched at
   * `from … from+n-1` into `key`, `loc`, `exp` (from index 0): a short loop of independent loads whose cache
   * misses overlap, where a loop doing a round's work per row waits for each row's fields in turn (the rows
   * come in the engine's order, scattered over tables far larger than the caches).
   */
  gatherTouched(from: number, n: number, key: Float64Array, loc: Float64Array, exp: Float64Array): void {
    const touched = this.touched;
    const keys4 = this.keys4;
    const rowLoc = this.loc;
    const rowExp = this.exp;
    for (let i = 0; i < n; i++) {
      const row = touched[from + i];
      key[i] = keys4[row];
      loc[i] = rowLoc[row];
      exp[i] = rowExp[row];
    }
  }

  /** Did the engine offer a best for the row touched at `at`? */
  hasOfferAt(at: number): boolean {
    return this.offerMark[at] === 1;
  }

  /** The offer (after setLocAt: the best reported) for the row touched at `at`, or null. */
  offeredAt(at: number): LocBest | null {
    return this.offerMark[at] === 1 ? this.offerAt(at) : null;
  }

  offeredCandidatesAt(at: number): number {
    return this.offerCandidates[at];
  }

  startLocAt(at: number): number {
    return this.loc0[at];
  }

  startExpAt(at: number): number {
    return this.exp0[at];
  }

  setResultIndexAt(at: number, i: number): void {
    this.resultAt[at] = i;
  }

  /** setLoc for the row touched at `at`. */
  setLocAt(at: number, best: LocBest | null, digest: number, fromEngine: boolean): void {
    this.recordLoc(this.touched[at], best, digest, fromEngine);
    if (this.offerMark[at] === 1) this.putOffer(at, best);
  }

  keyOf(row: number): PrefixKey {
    const k = this.keys4[row];
    return k === k ? k : this.keys6.get(row)!;
  }

  locOf(row: number): number {
    return this.loc[row];
  }

  expOf(row: number): number {
    return this.exp[row];
  }

  /** Round-start values of a row touched this round. */
  startLoc(row: number): number {
    return this.loc0[this.pos[row]];
  }

  startExp(row: number): number {
    return this.exp0[this.pos[row]];
  }

  hasBest(row: number): boolean {
    return this.hasBestRow[row] === 1;
  }

  /** The reported best of a row (restate, API, tree), or null. */
  bestOf(row: number): Route | null {
    if (this.hasBestRow[row] === 0) return null;
    const d = this.differing.get(row);
    return d !== undefined ? d : this.engineBest(this.keyOf(row));
  }

  /** The reported best of a prefix (API, restate), or null. */
  best(p: PrefixKey): Route | null {
    const row = this.rowOf.get(p);
    return row < 0 ? null : this.bestOf(row);
  }

  /**
   * Sets the row's reported best and its Loc-RIB digest. `fromEngine`: `best` is the engine's current best
   * (else it is remembered: a fault or a rescan disagreement). During a round, also the row's offer.
   */
  setLoc(row: number, best: LocBest | null, digest: number, fromEngine: boolean): void {
    this.recordLoc(row, best, digest, fromEngine);
    if (this.hasOffer(row)) this.putOffer(this.pos[row], best);
  }

  /** setLoc without the offer: best count, remembered non-engine best, digest. */
  private recordLoc(row: number, best: LocBest | null, digest: number, fromEngine: boolean): void {
    const has = best === null ? 0 : 1;
    if (this.hasBestRow[row] !== has) this.bestCount += has === 1 ? 1 : -1;
    this.hasBestRow[row] = has;
    if (fromEngine) {
      if (this.differing.size > 0) this.differing.delete(row);
    } else this.differing.set(row, best === null ? null : routeOf(this.keyOf(row), best));
    this.loc[row] = digest;
  }

  /** Sets peer's export of the row's prefix (null = withdrawn); returns the previous attributes' digest (0 = none). */
  setExport(peerId: number, row: number, attrs: PathAttributes | null): number {
    const p = this.keyOf(row);
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

  /**
   * Frees the touched rows that no longer hold anything. Many at once (a peer's table withdrawn): their
   * index entries go in one pass over the index (PrefixIndex.retain), not one hash deletion each.
   */
  endRound(): void {
    const touched = this.touched;
    const n = this.touchedCount;
    const loc = this.loc;
    const exp = this.exp;
    const free = this.freeRows;
    const base = free.size;
    free.reserve(n);
    for (let j = 0; j < n; j++) {
      const row = touched[j];
      if (loc[row] !== 0 || exp[row] !== 0) continue;
      this.hasBestRow[row] = 0;
      if (this.differing.size > 0) this.differing.delete(row);
      free.push(row);
    }
    const freed = free.size - base;
    if (freed === 0) return;
    const bulk = freed * 16 > this.rowOf.size;
    const keys4 = this.keys4;
    for (let i = base; i < base + freed; i++) {
      const row = free.at(i);
      const k = keys4[row];
      if (!bulk) this.rowOf.delete(k === k ? k : this.keys6.get(row)!);
      if (k !== k) this.keys6.delete(row);
      keys4[row] = NaN; // a freed row's key no longer matches its index entry (what `retain` keeps)
    }
    if (freed === this.rowOf.size) this.rowOf.clear(); // every row goes (the only peer's table withdrawn)
    else if (bulk) {
      const keys6 = this.keys6;
      this.rowOf.retain((row, p) => (typeof p === 'number' ? keys4[row] === p : keys6.get(row) === p));
    }
  }

  private grow(): void {
    const n = this.loc.length * 2;
    this.keys4 = grown(this.keys4, n);
    this.loc = grown(this.loc, n);
    this.exp = grown(this.exp, n);
    this.stamp = grown(this.stamp, n);
    this.pos = grown(this.pos, n);
    this.hasBestRow = grown(this.hasBestRow, n);
  }

  private growRound(need: number): void {
    let n = this.loc0.length * 2;
    while (n < need) n *= 2;
    this.touched = grown(this.touched, n);
    this.loc0 = grown(this.loc0, n);
    this.exp0 = grown(this.exp0, n);
    this.offerMark = grown(this.offerMark, n);
    this.offerCandidates = grown(this.offerCandidates, n);
    this.resultAt = grown(this.resultAt, n);
  }
}

/** A plain Route of a prefix and a best. */
export function routeOf(prefix: PrefixKey, b: LocBest): Route {
  const r: Route = { peerId: b.peerId, prefix, pathId: b.pathId, attributes: b.attributes, nextHop: b.nextHop };
  if (b.nextHopLinkLocal !== undefined) r.nextHopLinkLocal = b.nextHopLinkLocal;
  return r;
}

/** A copy of a typed array in a new one of length n. */
function grown<A extends Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(a: A, n: number): A {
  const b = new (a.constructor as new (length: number) => A)(n);
  b.set(a);
  return b;
}
