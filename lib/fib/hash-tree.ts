/**
 * Hash-tree diff of two FIB states (DESIGN principle 3, steady-state audit; issue 6).
 *
 * Both tables are canonical Patricia tries (trie.ts), so equal content means equal shape, and each node
 * carries a Merkle digest of its subtree. The diff walks the two tries together and descends only where
 * the digests of the same prefix differ: comparing two full tables costs O(d · log n) digest comparisons
 * for d differences, not O(n). Subtrees shared by reference (a snapshot and the table it came from) are
 * skipped without even looking at their digests.
 *
 * The first diff after a bulk load computes the digests of the whole table once (O(n)); after that a write
 * re-hashes only its path (lazily, at the next diff or `digest()`).
 */
import { sameFibEntry, type FibDiff, type FibEntry } from './types.js';
import { commonLength, bitAt, collect, computeDigest, type Node } from './trie.js';
import type { FibView } from './cow-fib.js';

export interface DiffStats {
  /** Pairs of nodes whose digests were compared. */
  digestComparisons: number;
}

function emitAll(n: Node | null, side: 'a' | 'b', out: FibDiff[]): void {
  if (n === null) return;
  const tmp: FibEntry[] = [];
  collect(n, tmp);
  for (const e of tmp) out.push(side === 'a' ? { prefix: e.prefix, a: e } : { prefix: e.prefix, b: e });
}

function emitPair(a: FibEntry | null, b: FibEntry | null, out: FibDiff[]): void {
  if (a === null && b === null) return;
  if (sameFibEntry(a, b)) return;
  if (a !== null && b !== null) out.push({ prefix: a.prefix, a, b });
  else if (a !== null) out.push({ prefix: a.prefix, a });
  else out.push({ prefix: b!.prefix, b: b! });
}

function diffNodes(a: Node | null, b: Node | null, out: FibDiff[], stats: DiffStats): void {
  if (a === b) return; // shared subtree (or both empty)
  if (a === null) return emitAll(b, 'b', out);
  if (b === null) return emitAll(a, 'a', out);
  const m = Math.min(a.len, b.len);
  const c = commonLength(a, b, m);
  if (c === m && a.len === b.len) {
    // Same prefix: the digests decide.
    computeDigest(a);
    computeDigest(b);
    stats.digestComparisons++;
    if (a.d1 === b.d1 && a.d2 === b.d2) return;
    emitPair(a.entry, b.entry, out);
    diffNodes(a.left, b.left, out, stats);
    diffNodes(a.right, b.right, out, stats);
    return;
  }
  if (c === m) {
    // One contains the other: the shorter's entry and its other side are one-sided; recurse on the side
    // the longer one lies in. Emit in key order (left before right).
    if (a.len < b.len) {
      if (a.entry !== null) out.push({ prefix: a.entry.prefix, a: a.entry });
      if (bitAt(b, a.len) === 0) {
        diffNodes(a.left, b, out, stats);
        emitAll(a.right, 'a', out);
      } else {
        emitAll(a.left, 'a', out);
        diffNodes(a.right, b, out, stats);
      }
    } else {
      if (b.entry !== null) out.push({ prefix: b.entry.prefix, b: b.entry });
      if (bitAt(a, b.len) === 0) {
        diffNodes(a, b.left, out, stats);
        emitAll(b.right, 'b', out);
      } else {
        emitAll(b.left, 'b', out);
        diffNodes(a, b.right, out, stats);
      }
    }
    return;
  }
  // Disjoint: everything differs; the one with the 0 bit at the divergence comes first in key order.
  if (bitAt(a, c) === 0) {
    emitAll(a, 'a', out);
    emitAll(b, 'b', out);
  } else {
    emitAll(b, 'b', out);
    emitAll(a, 'a', out);
  }
}

/**
 * Every prefix whose entry differs between `a` and `b` (next hops, route id, or present on one side only),
 * IPv4 then IPv6, each in prefix-key order. Pass `stats` to count digest comparisons.
 */
export function diffFibs(a: FibView, b: FibView, stats: DiffStats = { digestComparisons: 0 }): FibDiff[] {
  const out: FibDiff[] = [];
  diffNodes(a.root4, b.root4, out, stats);
  diffNodes(a.root6, b.root6, out, stats);
  return out;
}

/** Do two states hold the same entries? O(1) after the digests are computed. */
export function sameFib(a: FibView, b: FibView): boolean {
  return a.size === b.size && a.digest() === b.digest();
}
