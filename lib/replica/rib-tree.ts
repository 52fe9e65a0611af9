/**
 * A replica's Loc-RIB as a hash tree (DESIGN principle 3, steady-state audit; issue 6). Each replica keeps,
 * next to its engine, a copy-on-write Patricia trie with Merkle digests (lib/fib's `Fib`) of prefix → the
 * FIB entry of its reported best route (lib/fib/route-entry.ts: next hop + route digest — the same entry
 * the main thread's FIB stores for the voted route). The main thread's audit compares it with the FIB
 * through `rib-tree` tasks (describe ranges level by level, list entries; lib/fib/remote-tree.ts), so a
 * divergence costs O(differences · depth) digests and a couple of dozen worker requests, not the table.
 *
 * Updated in the replica's round (workers/decision.ts `finishRound`) wherever the reported Loc-RIB digest
 * changes; memory: one trie node + one entry per Loc-RIB prefix (next-hop arrays are shared).
 */
import { Fib } from '../fib/cow-fib.js';
import { describeRanges, entriesAt, entriesWithin, type RangeInfo } from '../fib/remote-tree.js';
import { locRibEntry } from '../fib/route-entry.js';
import type { FibEntry } from '../fib/types.js';
import type { Route } from '../rib/types.js';
import type { PrefixKey } from '../wire/prefix.js';
import type { ReportedRib } from './reported-rib.js';
import { digestAttributes, digestOutcome, digestRoute, ribTerm, xor53 } from './digest.js';

/** main → replica: one question about the replica's Loc-RIB tree. */
export interface RibTreeTask {
  readonly kind: 'rib-tree';
  readonly op: 'describe' | 'within' | 'entries';
  /** Ranges (describe, within) or exact prefixes (entries). */
  readonly keys: readonly PrefixKey[];
}

/**
 * TEST ONLY: make the replica's Loc-RIB entry for `prefix` wrong — its reported best gets `nextHop` — in
 * its state (reported best, Loc-RIB digest, running whole-RIB digest, tree), not in a round's output, so
 * only an audit of the state can find it (the "wrong replica state" fault of DESIGN principle 4).
 */
export interface CorruptLocTask {
  readonly kind: 'test-corrupt-loc';
  readonly prefix: PrefixKey;
  readonly nextHop: string;
}

export type RibTreeResult = readonly (RangeInfo | null)[] | readonly FibEntry[] | readonly (FibEntry | null)[];

export class RibTree {
  private readonly fib = new Fib();

  /** The replica reports `best` (whose Loc-RIB digest is `digest`) for `prefix`. */
  set(prefix: PrefixKey, best: { readonly nextHop: string }, digest: number): void {
    this.fib.put(locRibEntry(prefix, best.nextHop, digest));
  }

  delete(prefix: PrefixKey): void {
    this.fib.delete(prefix);
  }

  get size(): number {
    return this.fib.size;
  }

  handle(t: RibTreeTask): RibTreeResult {
    switch (t.op) {
      case 'describe':
        return describeRanges(this.fib, t.keys);
      case 'within':
        return entriesWithin(this.fib, t.keys).map(plain);
      case 'entries':
        return entriesAt(this.fib, t.keys).map((e) => (e === null ? null : plain(e)));
    }
  }
}

/** Frozen entries clone fine, but a plain copy keeps the message free of the trie's shared arrays. */
function plain(e: FibEntry): FibEntry {
  return { prefix: e.prefix, nextHops: [...e.nextHops], routeId: e.routeId };
}

/** The replica state the test-only corruption touches (workers/decision.ts ReplicaState fits). */
export interface CorruptibleState {
  readonly rib: ReportedRib;
  readonly ribTree: RibTree | null;
  ribDigest: number;
}

/** TEST ONLY (CorruptLocTask). Returns false when the replica has no best route for the prefix. */
export function corruptLocEntry(s: CorruptibleState, t: CorruptLocTask): boolean {
  const old = s.rib.best(t.prefix);
  if (old === null) return false;
  const wrong: Route = { ...old, nextHop: t.nextHop };
  const row = s.rib.find(t.prefix);
  const before = s.rib.locOf(row);
  const d = digestRoute(wrong.peerId, wrong.pathId, wrong.nextHop, wrong.nextHopLinkLocal, digestAttributes(wrong.attributes));
  const exp = s.rib.expOf(row);
  s.ribDigest = xor53(xor53(s.ribDigest, ribTerm(t.prefix, digestOutcome(before, exp))), ribTerm(t.prefix, digestOutcome(d, exp)));
  s.rib.setLoc(row, wrong, d, false);
  s.ribTree?.set(t.prefix, wrong, d);
  return true;
}
