/**
 * Hash-tree diff between a table here and a table in another thread (DESIGN principle 3, steady-state
 * audit; issue 6): the FIB on the main thread against a replica's Loc-RIB tree (lib/replica/rib-tree.ts),
 * without shipping either table.
 *
 * Both sides are canonical Patricia tries with Merkle digests (trie.ts), so the entries inside a range of
 * the prefix space (a prefix P: everything of length ≥ |P| under P) are equal on both sides iff the digests
 * of the two ranges' top nodes are equal. The diff asks the remote side to describe a batch of ranges (one
 * request per trie level, all differing ranges of that level together), compares each with the local
 * description, and descends only into ranges that differ: at the first bit where the two top nodes part
 * (or the shorter one ends) it compares the entries at that prefix and asks for its two halves next. Cost:
 * O(d · depth) digests and `depth` requests (~25 for a real IPv4 table) for d differences, not O(n).
 */
import type { PrefixKey } from '../wire/prefix.js';
import type { FibEntry } from './types.js';
import type { FibView } from './cow-fib.js';
import { ENTRY_HASH, collect, commonLength, computeDigest, coveringNode, hashEntry, type Bits } from './trie.js';

/** What one side holds in a range: its top node's prefix, digest lanes, and that node's own entry hash. */
export interface RangeInfo {
  /** Prefix key of the range's top node (length ≥ the range's). */
  readonly node: PrefixKey;
  readonly d1: number;
  readonly d2: number;
  /** Whether the top node carries an entry, and the entry's hash lanes. */
  readonly has: boolean;
  readonly e1: number;
  readonly e2: number;
}

/** The other side of the diff (a replica thread): describe ranges, list the entries inside ranges. */
export interface RemoteTree {
  describe(ranges: readonly PrefixKey[]): Promise<readonly (RangeInfo | null)[]>;
  within(ranges: readonly PrefixKey[]): Promise<readonly FibEntry[]>;
  /** The entries at exactly these prefixes (null: none). */
  entries(prefixes: readonly PrefixKey[]): Promise<readonly (FibEntry | null)[]>;
}

export interface RemoteDiff {
  /** Prefixes whose entries differ (present on one side only, or different), each once, in no set order. */
  readonly prefixes: PrefixKey[];
  /** Requests sent to the remote side. */
  readonly requests: number;
  /** Ranges described by both sides and compared. */
  readonly digestComparisons: number;
}

function bitsOf(prefix: PrefixKey): Bits {
  if (typeof prefix === 'number') return { w0: Math.floor(prefix / 64) | 0, w1: 0, w2: 0, w3: 0, len: prefix % 64 };
  const w = (i: number): number => parseInt(prefix.slice(i * 8, i * 8 + 8), 16) | 0;
  return { w0: w(0), w1: w(1), w2: w(2), w3: w(3), len: Number(prefix.slice(33)) };
}

function maskWord(w: number, keep: number): number {
  if (keep >= 32) return w;
  if (keep <= 0) return 0;
  return w & (0xffffffff << (32 - keep));
}

function keyOf(b: Bits, len: number, v6: boolean): PrefixKey {
  const w0 = maskWord(b.w0, len);
  if (!v6) return (w0 >>> 0) * 64 + len;
  const h = (w: number): string => (w >>> 0).toString(16).padStart(8, '0');
  return `${h(w0)}${h(maskWord(b.w1, len - 32))}${h(maskWord(b.w2, len - 64))}${h(maskWord(b.w3, len - 96))}/${len}`;
}

/** The range `prefix` extended by one bit. */
function half(prefix: PrefixKey, bit: 0 | 1): PrefixKey {
  const b = bitsOf(prefix);
  const i = b.len;
  if (bit === 1) {
    const word = i >> 5;
    const mask = 1 << (31 - (i & 31));
    if (word === 0) b.w0 |= mask;
    else if (word === 1) b.w1 |= mask;
    else if (word === 2) b.w2 |= mask;
    else b.w3 |= mask;
  }
  return keyOf(b, i + 1, typeof prefix === 'string');
}

/** Describe ranges of a local table (the remote side runs this on its own tree). */
export function describeRanges(view: FibView, ranges: readonly PrefixKey[]): (RangeInfo | null)[] {
  return ranges.map((r) => {
    const v6 = typeof r === 'string';
    const n = coveringNode(v6 ? view.root6 : view.root4, bitsOf(r));
    if (n === null) return null;
    computeDigest(n);
    if (n.entry === null) return { node: keyOf(n, n.len, v6), d1: n.d1, d2: n.d2, has: false, e1: 0, e2: 0 };
    hashEntry(n.entry);
    return { node: keyOf(n, n.len, v6), d1: n.d1, d2: n.d2, has: true, e1: ENTRY_HASH.e1, e2: ENTRY_HASH.e2 };
  });
}

/** Every entry inside the ranges. */
export function entriesWithin(view: FibView, ranges: readonly PrefixKey[]): FibEntry[] {
  const out: FibEntry[] = [];
  for (const r of ranges) collect(coveringNode(typeof r === 'string' ? view.root6 : view.root4, bitsOf(r)), out);
  return out;
}

/** The entries at exactly these prefixes. */
export function entriesAt(view: FibView, prefixes: readonly PrefixKey[]): (FibEntry | null)[] {
  return prefixes.map((p) => view.get(p) ?? null);
}

/** Range roots covering a whole table: 0.0.0.0/0 and ::/0. */
export const WHOLE_TABLE: readonly PrefixKey[] = [0, `${'0'.repeat(32)}/0`];

/**
 * Every prefix inside `roots` (default: the whole table) whose entry differs between `local` and `remote`.
 * The remote table must not change while this runs (the caller holds the replica's task queue).
 */
export async function diffRemote(local: FibView, remote: RemoteTree, roots: readonly PrefixKey[] = WHOLE_TABLE): Promise<RemoteDiff> {
  const differing = new Set<PrefixKey>();
  const remoteOnly: PrefixKey[] = [];
  let requests = 0;
  let digestComparisons = 0;
  let level: PrefixKey[] = [...roots];
  while (level.length > 0) {
    const theirs = await remote.describe(level);
    requests++;
    const ours = describeRanges(local, level);
    const next: PrefixKey[] = [];
    for (let i = 0; i < level.length; i++) {
      const a = ours[i];
      const b = theirs[i];
      if (a === null && b === null) continue;
      if (a === null) {
        remoteOnly.push(level[i]);
        continue;
      }
      if (b === null) {
        for (const e of entriesWithin(local, [level[i]])) differing.add(e.prefix);
        continue;
      }
      digestComparisons++;
      if (a.node === b.node && a.d1 === b.d1 && a.d2 === b.d2) continue;
      const v6 = typeof level[i] === 'string';
      const ab = bitsOf(a.node);
      const bb = bitsOf(b.node);
      const m = commonLength(ab, bb, Math.min(ab.len, bb.len));
      const at = keyOf(ab, m, v6);
      // The entries at prefix `at`: a side has one only when its top node is exactly there.
      const ea = ab.len === m && a.has;
      const eb = bb.len === m && b.has;
      if (ea !== eb || (ea && (a.e1 !== b.e1 || a.e2 !== b.e2))) differing.add(at);
      if (m < (v6 ? 128 : 32)) next.push(half(at, 0), half(at, 1));
    }
    level = next;
  }
  if (remoteOnly.length > 0) {
    for (const e of await remote.within(remoteOnly)) differing.add(e.prefix);
    requests++;
  }
  return { prefixes: [...differing], requests, digestComparisons };
}
