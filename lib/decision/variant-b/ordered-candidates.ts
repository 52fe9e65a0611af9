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
 * Storage (DESIGN principle 6): there is no per-prefix candidate object. A prefix's candidates are ONE
 * value, `Candidates<T>`, kept in a pointer column of the prefix table (slot-table.ts): null for none,
 * the path itself for exactly one — the common case, a prefix heard from one peer — and a sorted array of
 * two or more otherwise. The functions below return the new value (an array with room is changed in place,
 * so an old value must not be kept to compare with: the engine keeps the best entry). The best path is not stored either:
 * reading it off the front run costs O(groups in the best tier), one comparison for a single candidate.
 */
import { compareOrdered, compareTail, tierReachable, type OrderedPath } from './compare.js';

/** A prefix's candidates: null, the only one, or two or more ascending by compareOrdered. */
export type Candidates<T extends OrderedPath> = T | readonly T[] | null;

export function isMany<T extends OrderedPath>(c: Candidates<T>): c is readonly T[] {
  return Array.isArray(c);
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
 * The candidates with `p` inserted at its order position. An array with room is changed IN PLACE (the
 * returned value is the same array); callers must not keep an old value to compare with.
 */
export function withCandidate<T extends OrderedPath>(c: Candidates<T>, p: T): Candidates<T> {
  if (c === null) return p;
  if (!isMany(c)) return compareOrdered(p, c) < 0 ? arrayOf(p, c) : arrayOf(c, p);
  const i = searchOrdered(c, p);
  return inserted(c as T[], i >= 0 ? i : -i - 1, p);
}

/**
 * Arrays are allocated with a capacity of 4, 8, 16, … elements and then grown and shrunk in place, so that a
 * prefix whose paths arrive from several peers one after another gets ONE array: a fresh exact-size array per
 * change was a young object per candidate per prefix, each of which survived long enough to be copied by the
 * scavenger (with 4 peers, B's scavenges took 3× A's). Plain push/splice would reserve ~1.5× + 16 elements.
 * `capacityOf(n)` is what an array of n elements certainly has (V8 keeps the backing store of a small array
 * when its length shrinks; were it trimmed, push below merely grows it again).
 */
function capacityOf(n: number): number {
  let cap = 4;
  while (cap < n) cap *= 2;
  return cap;
}

function arrayOf<T>(x: T, y: T): T[] {
  const a = new Array<T>(4);
  a[0] = x;
  a[1] = y;
  a.length = 2;
  return a;
}

function inserted<T>(a: T[], at: number, p: T): T[] {
  const n = a.length;
  if (n + 1 <= capacityOf(n)) {
    a.push(p);
    for (let j = n; j > at; j--) a[j] = a[j - 1];
    a[at] = p;
    return a;
  }
  const b = new Array<T>(capacityOf(n + 1));
  for (let j = 0; j < at; j++) b[j] = a[j];
  b[at] = p;
  for (let j = at; j < n; j++) b[j + 1] = a[j];
  b.length = n + 1;
  return b;
}

/** The candidates without `p` (found by order position, then identity); unchanged when absent. In place like withCandidate. */
export function withoutCandidate<T extends OrderedPath>(c: Candidates<T>, p: T): Candidates<T> {
  if (c === null) return null;
  if (!isMany(c)) return c === p ? null : c;
  let i = searchOrdered(c, p);
  if (i < 0 || c[i] !== p) {
    // Same (peer, path id) key but a different object: locate by identity (never expected).
    i = c.indexOf(p);
    if (i < 0) return c;
  }
  if (c.length === 2) return c[1 - i];
  const a = c as T[];
  for (let j = i + 1; j < a.length; j++) a[j - 1] = a[j];
  a.pop();
  return a;
}

export function candidateCount<T extends OrderedPath>(c: Candidates<T>): number {
  return c === null ? 0 : isMany(c) ? c.length : 1;
}

/** The candidates in storage order (a fresh array). */
export function candidateList<T extends OrderedPath>(c: Candidates<T>): T[] {
  return c === null ? [] : isMany(c) ? c.slice() : [c];
}

/** The RFC 4271 §9.1.2 best path (deterministic MED), or null. See the header for why this is exact. */
export function bestCandidate<T extends OrderedPath>(c: Candidates<T>): T | null {
  if (c === null) return null;
  if (!isMany(c)) return tierReachable(c.basis.tierKey) ? c : null;
  const head = c[0];
  const tier = head.basis.tierKey;
  if (!tierReachable(tier)) return null;
  let best = head;
  let group = head.basis.medGroup;
  for (let i = 1; i < c.length; i++) {
    const x = c[i];
    const k = x.basis;
    if (k.tierKey !== tier) break; // end of the front tier
    if (k.medGroup === group) continue; // not a group head: loses to its head on MED or on the tail
    group = k.medGroup;
    if (compareTail(x, best) < 0) best = x;
  }
  return best;
}
