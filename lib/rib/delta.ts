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

export class RibDelta implements EngineDelta {
  private readonly prefixes: PrefixKey[] = [];
  private readonly bests: (RibPath | null)[] = [];
  private readonly candidates: number[] = [];
  private routes: { prefix: PrefixKey; best: Route | null }[] | null = null;
  private outMap: Map<number, PeerOut> | null = null;

  /** Record that `prefix`'s best path is now `best` (null: no route), chosen among `candidates` paths (-1: not said). */
  change(prefix: PrefixKey, best: RibPath | null, candidates = -1): void {
    this.prefixes.push(prefix);
    this.bests.push(best);
    this.candidates.push(candidates);
  }

  /** Loc-RIB changes in the order they were decided, built on first read (the same array afterwards). */
  get locRib(): { prefix: PrefixKey; best: Route | null }[] {
    if (this.routes !== null) return this.routes;
    const out: { prefix: PrefixKey; best: Route | null }[] = new Array(this.prefixes.length);
    for (let i = 0; i < out.length; i++) {
      const prefix = this.prefixes[i];
      const b = this.bests[i];
      // A plain Route (6 fields), not a RibRoute view: one per change, garbage once consumed.
      out[i] = { prefix, best: b === null ? null : { peerId: b.peerId, prefix, pathId: b.pathId, attributes: b.attributes, nextHop: b.nextHop, nextHopLinkLocal: b.nextHopLinkLocal } };
    }
    this.routes = out;
    return out;
  }

  forEachLocChange(f: (prefix: PrefixKey, best: RibPath | null, candidates: number) => void): void {
    for (let i = 0; i < this.prefixes.length; i++) f(this.prefixes[i], this.bests[i], this.candidates[i]);
  }

  /** Number of Loc-RIB changes, without building them. */
  get locRibChanges(): number {
    return this.prefixes.length;
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
