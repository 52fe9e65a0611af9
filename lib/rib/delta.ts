/**
 * The EngineDelta RoutingEngine returns: Loc-RIB changes recorded as (prefix, interned path) pairs and
 * turned into `{ prefix, best: Route }` objects only when someone reads `locRib`, and the per-peer
 * Adj-RIB-Out changes in a Map created on first use.
 *
 * Why lazy: a full table from several peers changes the best path of millions of prefixes, and when no
 * FIB writer reads the Loc-RIB changes (`fib: null`) and no peer is exported to, those objects were
 * ~40 % of everything the engine allocated — young-generation garbage the scavenger had to keep pace
 * with. The recorded RibPaths are immutable, so reading `locRib` later (after further updates) still
 * returns what this call decided.
 */
import type { PrefixKey } from '../wire/prefix.js';
import type { RibPath } from './route.js';
import type { EngineDelta, PeerOut, Route } from './types.js';

/** From this many expected changes on, the keys and counts go to typed arrays (no hole-filled JS array, half the size for counts). */
const TYPED_FROM = 4096;

export class RibDelta implements EngineDelta {
  /**
   * Parallel columns of the first `n` changes, pre-sized by the caller's bound: a peer's full table withdrawn
   * is a million changes, and pushing them one by one re-allocated and copied each column ~30 times (most of
   * that call's time, and page faults for every copy). Large batches keep prefixes in a Float64Array (NaN
   * where the key is a string, found in `strs`) and counts in an Int32Array. `bests` is allocated on the
   * first non-null best: a withdrawal's changes are all null (a hole reads as null).
   */
  private prefixes: PrefixKey[] | Float64Array;
  private strs: Map<number, string> | null = null;
  private bests: (RibPath | null)[] | null = null;
  private candidates: number[] | Int32Array;
  private n = 0;
  private routes: { prefix: PrefixKey; best: Route | null }[] | null = null;
  private outMap: Map<number, PeerOut> | null = null;

  /** `expected`: how many changes there will probably be at most (a hint: more still fit). */
  constructor(private readonly expected = 0) {
    if (expected >= TYPED_FROM) {
      this.prefixes = new Float64Array(expected);
      this.candidates = new Int32Array(expected);
    } else {
      this.prefixes = new Array<PrefixKey>(expected);
      this.candidates = new Array<number>(expected);
    }
  }

  /** Record that `prefix`'s best path is now `best` (null: no route), chosen among `candidates` paths (-1: not said). */
  change(prefix: PrefixKey, best: RibPath | null, candidates = -1): void {
    const i = this.n++;
    const keys = this.prefixes;
    if (keys instanceof Float64Array) {
      if (i === keys.length) this.growTyped();
      if (typeof prefix === 'number') this.prefixes[i] = prefix;
      else {
        this.prefixes[i] = NaN;
        (this.strs ??= new Map()).set(i, prefix);
      }
    } else keys[i] = prefix;
    this.candidates[i] = candidates;
    if (best !== null) (this.bests ??= new Array<RibPath | null>(Math.max(this.expected, i + 1)))[i] = best;
  }

  private growTyped(): void {
    const keys = new Float64Array(this.prefixes.length * 2);
    keys.set(this.prefixes as Float64Array);
    this.prefixes = keys;
    const counts = new Int32Array(keys.length);
    counts.set(this.candidates as Int32Array);
    this.candidates = counts;
  }

  private prefixAt(i: number): PrefixKey {
    const k = this.prefixes[i];
    return k !== k ? this.strs!.get(i)! : k; // NaN only in typed mode, for a string key
  }

  private bestAt(i: number): RibPath | null {
    return this.bests === null ? null : this.bests[i] ?? null;
  }

  /** Loc-RIB changes in the order they were decided, built on first read (the same array afterwards). */
  get locRib(): { prefix: PrefixKey; best: Route | null }[] {
    if (this.routes !== null) return this.routes;
    const out: { prefix: PrefixKey; best: Route | null }[] = new Array(this.n);
    for (let i = 0; i < out.length; i++) {
      const prefix = this.prefixAt(i);
      const b = this.bestAt(i);
      // A plain Route (6 fields), not a RibRoute view: one per change, garbage once consumed.
      out[i] = { prefix, best: b === null ? null : { peerId: b.peerId, prefix, pathId: b.pathId, attributes: b.attributes, nextHop: b.nextHop, nextHopLinkLocal: b.nextHopLinkLocal } };
    }
    this.routes = out;
    return out;
  }

  forEachLocChange(f: (prefix: PrefixKey, best: RibPath | null, candidates: number) => void): void {
    const n = this.n;
    const candidates = this.candidates;
    const bests = this.bests;
    if (bests === null) for (let i = 0; i < n; i++) f(this.prefixAt(i), null, candidates[i]);
    else for (let i = 0; i < n; i++) f(this.prefixAt(i), bests[i] ?? null, candidates[i]);
  }

  /** Number of Loc-RIB changes, without building them. */
  get locRibChanges(): number {
    return this.n;
  }

  /** Adj-RIB-Out changes per peer id (created on first read). */
  get out(): Map<number, PeerOut> {
    return (this.outMap ??= new Map());
  }

  /** Does the delta hold any Adj-RIB-Out change (without creating the Map)? */
  get hasOut(): boolean {
    return this.outMap !== null && this.outMap.size > 0;
  }
}
