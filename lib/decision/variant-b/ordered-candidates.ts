/**
 * One prefix's candidates, kept SORTED by `compareOrdered` (tierKey, medGroup, med, tail): insert and
 * remove find their slot by binary search, so the structure is maintained incrementally and the best
 * path is read off the front instead of rescanning every candidate (variant A's approach).
 *
 * Deterministic MED — RFC 4271 §9.1.2.2 (c): "remove from consideration routes with less-preferred
 * MULTI_EXIT_DISC attributes. MULTI_EXIT_DISC is only comparable between routes learned from the same
 * neighboring AS". MED is therefore not a total order and cannot simply be one more sort key of a
 * preference order (A beats B on MED, B beats C on IGP cost, C beats A on IGP cost is possible). The
 * elimination is done explicitly on the sorted array instead:
 *
 *  1. Steps before MED (§9.1.2.1, §9.1.1, §9.1.2.2 (a), (b)) form one total preorder, packed into
 *     `tierKey`. Only the candidates in the best tier survive them: the run at the front of the array.
 *  2. Inside that run the array is sorted by medGroup (neighbouring AS), so each group is a contiguous
 *     sub-run, sorted by MED and then by the tail order. §9.1.2.2 (c) keeps, per group, exactly the
 *     candidates with the group's lowest MED: a prefix of the sub-run.
 *  3. The remaining steps (d)–(g) are a total order (the tail) over the survivors of all groups. The best
 *     survivor of a group is the first element of its sub-run (the survivors are a prefix of it, sorted by
 *     tail). So the best path is the tail-minimum of the group HEADS of the front run: O(groups in the
 *     best tier), independent of the order in which candidates arrived (DESIGN principle 2).
 *
 * With always-compare-med every route is in group -1, the front run has one head, and the best is
 * simply the first candidate. A best whose next hop is unresolvable means none is resolvable (bit 50 of the
 * tier): no best (§9.1.2.1).
 *
 * Storage (DESIGN principle 6): there is no per-prefix candidate object. The candidates live in the
 * prefix's slot (engine.ts) as a `CandidateHolder`: `one` holds the only candidate — the common case, a
 * prefix heard from one peer — and `many` the sorted array once there are two or more. The functions
 * below keep that invariant: exactly one of the two is set when there are candidates, neither otherwise.
 */
import { compareOrdered, compareTail, tierReachable, type OrderedPath } from './compare.js';

/** A prefix's candidates: at most one of `one` (exactly one candidate) and `many` (two or more, ascending by compareOrdered). */
export interface CandidateHolder<T extends OrderedPath> {
  one: T | null;
  many: T[] | null;
}

/** Index of `p` in the sorted array if present, else -(insertion point) - 1. */
export function searchOrdered<T extends OrderedPath>(a: readonly T[], p: T): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareOrdered(a[mid], p);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/**
 * Insert; returns true when the insertion can change the best path (it lands in or before the front
 * tier). A path in a worse tier is eliminated before MED and cannot influence the result.
 */
export function addCandidate<T extends OrderedPath>(h: CandidateHolder<T>, p: T): boolean {
  const one = h.one;
  if (one !== null) {
    h.one = null;
    h.many = compareOrdered(p, one) < 0 ? [p, one] : [one, p];
    return p.basis.tierKey <= one.basis.tierKey;
  }
  const a = h.many;
  if (a === null) {
    h.one = p;
    return true;
  }
  const affects = p.basis.tierKey <= a[0].basis.tierKey;
  const i = searchOrdered(a, p);
  h.many = withInserted(a, i >= 0 ? i : -i - 1, p);
  return affects;
}

/**
 * Arrays are replaced, not grown in place: a pushed or spliced JS array reserves ~1.5× + 16 elements, which
 * for the typical 2–10 candidates would be most of the slot's memory. A fresh array of the exact size costs
 * one short-lived allocation per change instead.
 */
function withInserted<T>(a: readonly T[], at: number, p: T): T[] {
  const n = a.length;
  const b = new Array<T>(n + 1);
  for (let j = 0; j < at; j++) b[j] = a[j];
  b[at] = p;
  for (let j = at; j < n; j++) b[j + 1] = a[j];
  return b;
}

function withRemoved<T>(a: readonly T[], at: number): T[] {
  const n = a.length - 1;
  const b = new Array<T>(n);
  for (let j = 0; j < at; j++) b[j] = a[j];
  for (let j = at; j < n; j++) b[j] = a[j + 1];
  return b;
}

/** Remove (by order position, then identity); returns true when it can change the best path. */
export function removeCandidate<T extends OrderedPath>(h: CandidateHolder<T>, p: T): boolean {
  if (h.one !== null) {
    if (h.one !== p) return false;
    h.one = null;
    return true;
  }
  const a = h.many;
  if (a === null) return false;
  let i = searchOrdered(a, p);
  if (i < 0 || a[i] !== p) {
    // Same (peer, path id) key but a different object: locate by identity (never expected).
    i = a.indexOf(p);
    if (i < 0) return false;
  }
  const affects = p.basis.tierKey <= a[0].basis.tierKey;
  if (a.length === 2) {
    h.one = a[1 - i];
    h.many = null;
  } else h.many = withRemoved(a, i);
  return affects;
}

export function candidateCount<T extends OrderedPath>(h: CandidateHolder<T>): number {
  return h.one !== null ? 1 : h.many !== null ? h.many.length : 0;
}

/** The candidates in storage order (a fresh array). */
export function candidateList<T extends OrderedPath>(h: CandidateHolder<T>): T[] {
  return h.one !== null ? [h.one] : h.many !== null ? h.many.slice() : [];
}

/** The RFC 4271 §9.1.2 best path (deterministic MED), or null. See the header for why this is exact. */
export function bestCandidate<T extends OrderedPath>(h: CandidateHolder<T>): T | null {
  const one = h.one;
  if (one !== null) return tierReachable(one.basis.tierKey) ? one : null;
  const a = h.many;
  if (a === null) return null;
  const head = a[0];
  const tier = head.basis.tierKey;
  if (!tierReachable(tier)) return null;
  let best = head;
  let group = head.basis.medGroup;
  for (let i = 1; i < a.length; i++) {
    const x = a[i];
    const k = x.basis;
    if (k.tierKey !== tier) break; // end of the front tier
    if (k.medGroup === group) continue; // not a group head: loses to its head on MED or on the tail
    group = k.medGroup;
    if (compareTail(x, best) < 0) best = x;
  }
  return best;
}
