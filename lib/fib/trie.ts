/**
 * The persistent binary radix (Patricia) trie under the FIB, with a Merkle digest per node. Internal to
 * lib/fib: cow-fib.ts wraps it in the public classes, hash-tree.ts diffs two of them.
 *
 * Shape. One trie per address family. A node stands for a prefix (up to 4 × 32-bit words + a length) and
 * either carries an entry or has two children (path compression: a node with no entry and one child is
 * never kept). For a given set of prefixes that shape is unique, whatever the order of the writes — which
 * is what lets two independently built tables be compared node by node (hash-tree.ts).
 *
 * Copy-on-write. Each node records the `owner` epoch of the table that created it. A table writes a node in
 * place only when it owns it; otherwise it copies the node (path copying: the nodes from the root down to
 * the written prefix, ~log n of them for a real table). `snapshot()` just starts a new epoch, so every
 * existing node becomes shared and immutable: O(1), and the first write to each part of the trie after a
 * snapshot copies that part once. Without a held snapshot writes are in place (no garbage per write).
 *
 * Hash tree. A node's digest = mix(entry hash, left digest, right digest), two independent 32-bit lanes
 * (64 bits). Digests are computed lazily: a write only marks the written path dirty, and a digest is
 * (re)computed when a diff or `digest()` asks for it, so a burst of writes costs one rehash per touched
 * node, not one per write per level. Entry hashes too are computed only then (not stored: recomputed with
 * the node's digest), so a write hashes nothing. A write is one descent (`upsert`/`erase`): nodes are marked
 * dirty, or copied when a snapshot shares them, on the way back up and only if something changed below.
 * Digest fields are a pure cache: filling them in on a node shared with a snapshot changes nothing
 * observable.
 */
import { sameFibEntry, type FibEntry } from './types.js';

/** Prefix bits: w0..w3 are the address's 32-bit words (signed int32, host bits zero); IPv4 uses w0 only. */
export interface Bits {
  w0: number;
  w1: number;
  w2: number;
  w3: number;
  len: number;
}

export class Node implements Bits {
  /** Digest lanes (valid when !dirty). */
  d1 = 0;
  d2 = 0;
  dirty = true;
  constructor(
    public w0: number,
    public w1: number,
    public w2: number,
    public w3: number,
    public len: number,
    public entry: FibEntry | null,
    public left: Node | null,
    public right: Node | null,
    public owner: number,
  ) {}
}

let epochCounter = 1;
/** A fresh epoch id: nodes of earlier epochs are never written in place again by the new owner. */
export function newEpoch(): number {
  return epochCounter++;
}

export function wordAt(b: Bits, i: number): number {
  return i === 0 ? b.w0 : i === 1 ? b.w1 : i === 2 ? b.w2 : b.w3;
}

/** Bit `i` (0 = most significant bit of the address). */
export function bitAt(b: Bits, i: number): number {
  return (wordAt(b, i >> 5) >>> (31 - (i & 31))) & 1;
}

/** Length of the common leading bits of a and b, capped at `max`. */
export function commonLength(a: Bits, b: Bits, max: number): number {
  let x = a.w0 ^ b.w0;
  if (x !== 0) return Math.min(Math.clz32(x), max);
  if (max <= 32) return max;
  x = a.w1 ^ b.w1;
  if (x !== 0) return Math.min(32 + Math.clz32(x), max);
  if (max <= 64) return max;
  x = a.w2 ^ b.w2;
  if (x !== 0) return Math.min(64 + Math.clz32(x), max);
  if (max <= 96) return max;
  x = a.w3 ^ b.w3;
  if (x !== 0) return Math.min(96 + Math.clz32(x), max);
  return max;
}

function maskWord(w: number, keep: number): number {
  if (keep >= 32) return w;
  if (keep <= 0) return 0;
  return w & (0xffffffff << (32 - keep));
}

function nodeFor(k: Bits, len: number, entry: FibEntry | null, owner: number): Node {
  return new Node(maskWord(k.w0, len), maskWord(k.w1, len - 32), maskWord(k.w2, len - 64), maskWord(k.w3, len - 96), len, entry, null, null, owner);
}

/** The node to write for this epoch: `n` itself (marked dirty) when this epoch owns it, else a dirty copy. */
function own(n: Node, epoch: number): Node {
  if (n.owner === epoch) {
    if (!n.dirty) n.dirty = true;
    return n;
  }
  return new Node(n.w0, n.w1, n.w2, n.w3, n.len, n.entry, n.left, n.right, epoch);
}

/**
 * What the last `upsert`/`erase` did: the entry it found at the key (null: none) and whether the trie
 * changed. Module state rather than a returned object: one write allocates nothing it does not keep.
 */
export const LAST: { previous: FibEntry | null; changed: boolean } = { previous: null, changed: false };

/**
 * Install `entry` at `k` in one descent; returns the new root of this subtree. When the same entry is
 * already there nothing is written, copied or marked dirty (`LAST.changed` false, `n` returned as is).
 * Nodes are marked dirty (or copied, when a snapshot shares them) on the way back up, only if the write
 * changed something below them. Entry hashes and digests are left for `computeDigest`.
 */
export function upsert(n: Node | null, k: Bits, entry: FibEntry, epoch: number): Node {
  LAST.previous = null;
  LAST.changed = true;
  return up(n, k, entry, epoch);
}

function up(n: Node | null, k: Bits, entry: FibEntry, epoch: number): Node {
  if (n === null) return nodeFor(k, k.len, entry, epoch);
  const c = commonLength(n, k, n.len < k.len ? n.len : k.len);
  if (c === n.len) {
    if (k.len === n.len) {
      const old = n.entry;
      LAST.previous = old;
      if (old !== null && sameFibEntry(old, entry)) {
        LAST.changed = false;
        return n;
      }
      const o = own(n, epoch);
      o.entry = entry;
      return o;
    }
    if (bitAt(k, n.len) === 0) {
      const l = up(n.left, k, entry, epoch);
      if (!LAST.changed) return n;
      const o = own(n, epoch);
      if (o.left !== l) o.left = l; // no store (and no write barrier) when the child was written in place
      return o;
    }
    const r = up(n.right, k, entry, epoch);
    if (!LAST.changed) return n;
    const o = own(n, epoch);
    if (o.right !== r) o.right = r;
    return o;
  }
  const x = nodeFor(k, c, null, epoch);
  if (c === k.len) {
    // k is a proper ancestor of n.
    x.entry = entry;
    if (bitAt(n, c) === 0) x.left = n;
    else x.right = n;
    return x;
  }
  // k and n diverge at bit c: a branch node without an entry.
  const leaf = nodeFor(k, k.len, entry, epoch);
  if (bitAt(k, c) === 0) {
    x.left = leaf;
    x.right = n;
  } else {
    x.left = n;
    x.right = leaf;
  }
  return x;
}

/**
 * Remove the entry at `k` if there is one, in one descent (`LAST.previous`: the removed entry; when there
 * was none, `LAST.changed` is false and `n` is returned as is). Keeps the shape canonical.
 */
export function erase(n: Node | null, k: Bits, epoch: number): Node | null {
  LAST.previous = null;
  LAST.changed = false;
  return n === null ? null : er(n, k, epoch);
}

function er(n: Node, k: Bits, epoch: number): Node | null {
  if (n.len > k.len || commonLength(n, k, n.len) < n.len) return n;
  if (n.len === k.len) {
    if (n.entry === null) return n;
    LAST.previous = n.entry;
    LAST.changed = true;
    if (n.left !== null && n.right !== null) {
      const o = own(n, epoch);
      o.entry = null;
      return o;
    }
    return n.left ?? n.right;
  }
  const bit = bitAt(k, n.len);
  const child = bit === 0 ? n.left : n.right;
  if (child === null) return n;
  const nc = er(child, k, epoch);
  if (!LAST.changed) return n;
  if (n.entry === null && nc === null) return bit === 0 ? n.right : n.left; // a branch node with one child left
  const o = own(n, epoch);
  if (bit === 0) {
    if (o.left !== nc) o.left = nc;
  } else if (o.right !== nc) o.right = nc;
  return o;
}

/** Exact-match lookup. */
export function find(root: Node | null, k: Bits): FibEntry | null {
  let n = root;
  while (n !== null) {
    if (n.len > k.len || commonLength(n, k, n.len) < n.len) return null;
    if (n.len === k.len) return n.entry;
    n = bitAt(k, n.len) === 0 ? n.left : n.right;
  }
  return null;
}

/** Longest-prefix match of a full address (k.len = 32 or 128). */
export function longestMatch(root: Node | null, k: Bits): FibEntry | null {
  let best: FibEntry | null = null;
  let n = root;
  while (n !== null) {
    if (n.len > k.len || commonLength(n, k, n.len) < n.len) break;
    if (n.entry !== null) best = n.entry;
    if (n.len === k.len) break;
    n = bitAt(k, n.len) === 0 ? n.left : n.right;
  }
  return best;
}

/** Entries in pre-order: address, then length — the order of btrd's prefix keys. */
export function* walk(root: Node | null): Generator<FibEntry> {
  if (root === null) return;
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.entry !== null) yield n.entry;
    if (n.right !== null) stack.push(n.right);
    if (n.left !== null) stack.push(n.left);
  }
}

/** Push every entry of a subtree, in order. */
export function collect(n: Node | null, out: FibEntry[]): void {
  if (n === null) return;
  if (n.entry !== null) out.push(n.entry);
  collect(n.left, out);
  collect(n.right, out);
}

export function countNodes(n: Node | null): number {
  return n === null ? 0 : 1 + countNodes(n.left) + countNodes(n.right);
}

// ---- hashing -------------------------------------------------------------------------------------------

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

// Entry hash: two 32-bit lanes fed the same word stream (prefix key, each next hop's characters, route id)
// without building any string. Both sides of a cross-thread diff (remote-tree.ts) run this same code.
let H1 = 0;
let H2 = 0;

function mixWord(x: number): void {
  H1 = Math.imul(H1 ^ x, 0x01000193);
  H1 ^= H1 >>> 15;
  H2 = Math.imul((H2 + x) ^ (H2 >>> 13), 0x5bd1e995);
  H2 ^= H2 >>> 16;
}

function mixString(s: string): void {
  mixWord(s.length | 0x40000000);
  for (let i = 0; i < s.length; i++) mixWord(s.charCodeAt(i));
}

/** A non-negative integer below 2^53 (or any number, exactly) as two words. */
function mixNumber(x: number): void {
  if (Number.isInteger(x) && x >= 0 && x < 9007199254740992) {
    mixWord(x >>> 0);
    mixWord(Math.floor(x / 4294967296) | 0);
  } else mixString(String(x));
}

/**
 * The hash lanes of an entry (prefix key, next hops in order, route id) into `ENTRY_HASH`. Not stored in
 * the node (two fields per node for a value needed only when its digest is recomputed).
 */
export const ENTRY_HASH = { e1: 0, e2: 0 };

export function hashEntry(e: FibEntry): void {
  H1 = 0x2f6b1d05;
  H2 = 0x7a3c9e11;
  if (typeof e.prefix === 'number') {
    mixWord(1);
    mixNumber(e.prefix);
  } else mixString(e.prefix);
  const hops = e.nextHops;
  mixWord(hops.length);
  for (let i = 0; i < hops.length; i++) mixString(hops[i]);
  mixNumber(e.routeId);
  ENTRY_HASH.e1 = fmix(H1);
  ENTRY_HASH.e2 = fmix(H2 ^ 0x5f356495);
}

const NO_ENTRY_1 = 0x5bd1e995 | 0;
const NO_ENTRY_2 = 0x1b873593 | 0;

/** Fill in the digest of every dirty node under `n` (post-order). */
export function computeDigest(n: Node): void {
  if (!n.dirty) return;
  const l = n.left;
  const r = n.right;
  if (l !== null) computeDigest(l);
  if (r !== null) computeDigest(r);
  hashNode(n);
}

/**
 * `computeDigest` in bounded time (the main thread must not hash a freshly loaded full table in one task:
 * ~0.3 s idle, seconds on a loaded machine): fills in dirty digests under `root`, post-order, until
 * `performance.now()` passes `deadline`. Returns true when the whole subtree is clean. Calling it again
 * resumes where it stopped (finished subtrees are clean, so only the dirty spine above them is walked
 * again). The subtree must not be written in between — pass a snapshot's root (digests are a cache, so
 * filling them in on shared nodes is invisible).
 */
export function computeDigestUntil(root: Node, deadline: number): boolean {
  const stack: Node[] = [root];
  let steps = 0;
  while (stack.length > 0) {
    const n = stack[stack.length - 1];
    if (!n.dirty) {
      stack.pop();
      continue;
    }
    const l = n.left;
    if (l !== null && l.dirty) {
      stack.push(l);
      continue;
    }
    const r = n.right;
    if (r !== null && r.dirty) {
      stack.push(r);
      continue;
    }
    hashNode(n);
    stack.pop();
    if ((++steps & 511) === 0 && performance.now() > deadline) return !root.dirty;
  }
  return true;
}

/** A node's digest from its entry and its (clean) children's digests. */
function hashNode(n: Node): void {
  const l = n.left;
  const r = n.right;
  const e = n.entry;
  let e1 = NO_ENTRY_1;
  let e2 = NO_ENTRY_2;
  if (e !== null) {
    hashEntry(e);
    e1 = ENTRY_HASH.e1;
    e2 = ENTRY_HASH.e2;
  }
  const l1 = l === null ? 0 : l.d1;
  const l2 = l === null ? 0 : l.d2;
  const r1 = r === null ? 0 : r.d1;
  const r2 = r === null ? 0 : r.d2;
  // Left and right enter through different multipliers, so swapping children changes the digest.
  n.d1 = fmix(Math.imul(fmix(e1 + Math.imul(l1, 0x27d4eb2d)) ^ r1, 0x165667b1) + n.len);
  n.d2 = fmix(Math.imul(fmix(e2 + Math.imul(l2, 0x61c88647)) ^ r2, 0x2545f491) + n.len);
  n.dirty = false;
}

/**
 * The top node of the part of the trie inside the range `k` (every prefix of length ≥ k.len whose first
 * k.len bits are k's), or null when the range is empty. In a canonical trie that node's subtree holds
 * exactly the range's entries, so two tables agree on a range iff these nodes' digests are equal
 * (remote-tree.ts compares a table with one in another thread this way).
 */
export function coveringNode(root: Node | null, k: Bits): Node | null {
  let n = root;
  while (n !== null) {
    if (n.len >= k.len) return commonLength(n, k, k.len) === k.len ? n : null;
    if (commonLength(n, k, n.len) < n.len) return null;
    n = bitAt(k, n.len) === 0 ? n.left : n.right;
  }
  return null;
}
