/**
 * A Map<PrefixKey, V> for the RIB's per-prefix tables. IPv4 prefix keys (numbers up to 2^38, so V8 keeps
 * them as heap numbers and a `Map` hashes and stores a boxed double per entry) live in an open-addressing
 * table: keys in a Float64Array, values in a plain array, linear probing, backward-shift deletion (no
 * tombstones), load factor ≤ 1/2. Everything else (IPv6 keys, "prefix#pathId" ADD-PATH keys) goes to an
 * ordinary Map. DESIGN principle 6: typed-array tables over numeric prefix keys.
 *
 * Measured on the peer-bench 1M-prefix table: a `Map` with these keys costs ~0.3–0.6 µs per get/set and
 * ~60 bytes per entry plus the boxed key; this table ~16 bytes per slot.
 *
 * Iteration order: IPv4 keys in table-slot order (hash order, deterministic for a given set of
 * operations), then the other keys in insertion order. Do not insert or delete while iterating.
 */
import type { PrefixKey } from '../wire/prefix.js';

const EMPTY = -1; // prefix keys are ≥ 0

/** A 32-bit (unsigned) hash of an IPv4 prefix key (an integer below 2^38); also the voter's OutcomeTable's. */
export function hashPrefixKey(k: number): number {
  const lo = k >>> 0; // k mod 2^32 (exact for integers below 2^53)
  const hi = (k / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Backward-shift deletion's test in a linear-probing table: may the entry at slot j, whose home slot is
 * `home`, move into the hole at `hole`? Not when its home lies cyclically in (hole, j].
 */
export function mayFillHole(home: number, hole: number, j: number): boolean {
  return (j > hole && (home <= hole || home > j)) || (j < hole && home <= hole && home > j);
}

export class PrefixMap<V> {
  private ks: Float64Array;
  private vs: (V | undefined)[];
  private mask: number;
  private count = 0;
  private readonly other = new Map<PrefixKey, V>();

  constructor(capacity = 16) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.ks = new Float64Array(cap).fill(EMPTY);
    this.vs = new Array<V | undefined>(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count + this.other.size;
  }

  get(k: PrefixKey): V | undefined {
    if (typeof k !== 'number') return this.other.get(k);
    const keys = this.ks;
    const mask = this.mask;
    for (let i = hashPrefixKey(k) & mask; ; i = (i + 1) & mask) {
      const s = keys[i];
      if (s === k) return this.vs[i];
      if (s === EMPTY) return undefined;
    }
  }

  has(k: PrefixKey): boolean {
    return this.get(k) !== undefined || (typeof k !== 'number' && this.other.has(k));
  }

  set(k: PrefixKey, v: V): this {
    if (typeof k !== 'number') {
      this.other.set(k, v);
      return this;
    }
    const keys = this.ks;
    const mask = this.mask;
    for (let i = hashPrefixKey(k) & mask; ; i = (i + 1) & mask) {
      const s = keys[i];
      if (s === k) {
        this.vs[i] = v;
        return this;
      }
      if (s === EMPTY) {
        keys[i] = k;
        this.vs[i] = v;
        if (++this.count * 2 > mask) this.grow();
        return this;
      }
    }
  }

  delete(k: PrefixKey): boolean {
    if (typeof k !== 'number') return this.other.delete(k);
    const keys = this.ks;
    const vals = this.vs;
    const mask = this.mask;
    let i = hashPrefixKey(k) & mask;
    for (; ; i = (i + 1) & mask) {
      const s = keys[i];
      if (s === k) break;
      if (s === EMPTY) return false;
    }
    vals[backshiftDelete(keys, vals, i, mask)] = undefined;
    this.count--;
    return true;
  }

  clear(): void {
    this.ks.fill(EMPTY);
    this.vs.fill(undefined);
    this.count = 0;
    this.other.clear();
  }

  *keys(): IterableIterator<PrefixKey> {
    const keys = this.ks;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) yield keys[i];
    yield* this.other.keys();
  }

  *values(): IterableIterator<V> {
    const keys = this.ks;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) yield this.vs[i] as V;
    yield* this.other.values();
  }

  *entries(): IterableIterator<[PrefixKey, V]> {
    const keys = this.ks;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) yield [keys[i], this.vs[i] as V];
    yield* this.other.entries();
  }

  [Symbol.iterator](): IterableIterator<[PrefixKey, V]> {
    return this.entries();
  }

  /** Calls f for every entry (faster than the iterators). Do not modify the map inside f. */
  forEach(f: (v: V, k: PrefixKey) => void): void {
    const keys = this.ks;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) f(this.vs[i] as V, keys[i]);
    this.other.forEach(f);
  }

  private grow(): void {
    const oldKeys = this.ks;
    const oldVals = this.vs;
    const cap = oldKeys.length * 2;
    const keys = new Float64Array(cap).fill(EMPTY);
    const vals = new Array<V | undefined>(cap);
    this.mask = rehash(oldKeys, oldVals, keys, vals);
    this.ks = keys;
    this.vs = vals;
  }
}

/**
 * PrefixMap's table with small non-negative integer values (row numbers, path ids) in an Int32Array:
 * no JS array of values at all, so growing and scanning it costs the garbage collector nothing (a
 * 2M-slot JS value array made each doubling ~10× slower than this). `get` answers -1 for an absent key.
 */
export class PrefixIndex {
  private ks: Float64Array;
  private vs: Int32Array;
  private mask: number;
  private count = 0;
  private readonly other = new Map<PrefixKey, number>();

  constructor(capacity = 16) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.ks = new Float64Array(cap).fill(EMPTY);
    this.vs = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count + this.other.size;
  }

  get(k: PrefixKey): number {
    if (typeof k !== 'number') return this.other.get(k) ?? -1;
    const keys = this.ks;
    const mask = this.mask;
    for (let i = hashPrefixKey(k) & mask; ; i = (i + 1) & mask) {
      const s = keys[i];
      if (s === k) return this.vs[i];
      if (s === EMPTY) return -1;
    }
  }

  /** Sets k to v (v ≥ 0); returns the previous value or -1. */
  set(k: PrefixKey, v: number): number {
    if (typeof k !== 'number') {
      const old = this.other.get(k) ?? -1;
      this.other.set(k, v);
      return old;
    }
    const keys = this.ks;
    const mask = this.mask;
    for (let i = hashPrefixKey(k) & mask; ; i = (i + 1) & mask) {
      const s = keys[i];
      if (s === k) {
        const old = this.vs[i];
        this.vs[i] = v;
        return old;
      }
      if (s === EMPTY) {
        keys[i] = k;
        this.vs[i] = v;
        if (++this.count * 2 > mask) this.grow();
        return -1;
      }
    }
  }

  /** k's value if present; else sets k to v (v ≥ 0) and returns -1 — one probe where get + set take two. */
  getOrSet(k: PrefixKey, v: number): number {
    if (typeof k !== 'number') {
      const old = this.other.get(k);
      if (old !== undefined) return old;
      this.other.set(k, v);
      return -1;
    }
    const keys = this.ks;
    const mask = this.mask;
    for (let i = hashPrefixKey(k) & mask; ; i = (i + 1) & mask) {
      const s = keys[i];
      if (s === k) return this.vs[i];
      if (s === EMPTY) {
        keys[i] = k;
        this.vs[i] = v;
        if (++this.count * 2 > mask) this.grow();
        return -1;
      }
    }
  }

  /** Removes k; returns its value or -1. */
  delete(k: PrefixKey): number {
    if (typeof k !== 'number') {
      const old = this.other.get(k) ?? -1;
      this.other.delete(k);
      return old;
    }
    const keys = this.ks;
    const vals = this.vs;
    const mask = this.mask;
    let i = hashPrefixKey(k) & mask;
    for (; ; i = (i + 1) & mask) {
      const s = keys[i];
      if (s === k) break;
      if (s === EMPTY) return -1;
    }
    const old = vals[i];
    backshiftDelete(keys, vals, i, mask);
    this.count--;
    return old;
  }

  /** Calls f for every entry. f may overwrite values (set on a present key) but not insert or delete. */
  forEach(f: (v: number, k: PrefixKey) => void): void {
    const keys = this.ks;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) f(this.vs[i], keys[i]);
    this.other.forEach(f);
  }

  /** Removes every entry (the table keeps its size). */
  clear(): void {
    this.ks.fill(EMPTY);
    this.count = 0;
    this.other.clear();
  }

  /**
   * Keeps only the entries for which `keep` answers true; returns how many were removed. For removing a
   * large part of the table at once (a peer's full table withdrawn): one pass over the slots, then the
   * survivors are laid out again from scratch, instead of one backward-shift deletion per key — a probe
   * and a shift at a random place of a table far larger than the caches. `keep` must not modify the map.
   */
  retain(keep: (v: number, k: PrefixKey) => boolean): number {
    const keys = this.ks;
    const vals = this.vs;
    let removed = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k !== EMPTY && !keep(vals[i], k)) {
        keys[i] = EMPTY; // the probe runs are mended below
        removed++;
      }
    }
    if (removed > 0) {
      // The survivors, compacted, then re-inserted into the emptied table (no single in-place pass is safe:
      // moving one key back into a hole may break the probe run of a key placed before it).
      const kept = this.count - removed;
      const sk = new Float64Array(kept);
      const sv = new Int32Array(kept);
      for (let i = 0, n = 0; n < kept; i++) {
        if (keys[i] === EMPTY) continue;
        sk[n] = keys[i];
        sv[n++] = vals[i];
      }
      keys.fill(EMPTY);
      const mask = this.mask;
      for (let n = 0; n < kept; n++) {
        let i = hashPrefixKey(sk[n]) & mask;
        while (keys[i] !== EMPTY) i = (i + 1) & mask;
        keys[i] = sk[n];
        vals[i] = sv[n];
      }
      this.count = kept;
    }
    for (const [k, v] of this.other) {
      if (keep(v, k)) continue;
      this.other.delete(k); // deleting the current entry while iterating a Map is well defined
      removed++;
    }
    return removed;
  }

  private grow(): void {
    const oldKeys = this.ks;
    const oldVals = this.vs;
    const cap = oldKeys.length * 2;
    const keys = new Float64Array(cap).fill(EMPTY);
    const vals = new Int32Array(cap);
    this.mask = rehash(oldKeys, oldVals, keys, vals);
    this.ks = keys;
    this.vs = vals;
  }
}

/** Re-insert every entry of an open-addressing table into one twice as large; returns the new mask. */
function rehash<T>(oldKeys: Float64Array, oldVals: { readonly [i: number]: T }, keys: Float64Array, vals: { [i: number]: T }): number {
  const mask = keys.length - 1;
  for (let j = 0; j < oldKeys.length; j++) {
    const k = oldKeys[j];
    if (k === EMPTY) continue;
    let i = hashPrefixKey(k) & mask;
    while (keys[i] !== EMPTY) i = (i + 1) & mask;
    keys[i] = k;
    vals[i] = oldVals[j];
  }
  return mask;
}

/**
 * Backward-shift deletion of slot i: later members of the probe run move into the hole when their home
 * allows (j's entry may fill the hole unless its home lies cyclically in (hole, j]). Returns the slot left
 * empty (its key is set EMPTY; the caller clears a value slot that holds references).
 */
function backshiftDelete<T>(keys: Float64Array, vals: { [i: number]: T }, i: number, mask: number): number {
  let hole = i;
  for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
    if (mayFillHole(hashPrefixKey(keys[j]) & mask, hole, j)) {
      keys[hole] = keys[j];
      vals[hole] = vals[j];
      hole = j;
    }
  }
  keys[hole] = EMPTY;
  return hole;
}

/**
 * `a` itself if it holds `need` entries, else a copy of its first `used` entries in an array of twice its
 * length (doubled again until `need` fits): grown at once, not by repeated doubling.
 */
export function grownInt32(a: Int32Array<ArrayBuffer>, used: number, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  let cap = Math.max(1, a.length) * 2;
  while (cap < need) cap *= 2;
  const bigger = new Int32Array(cap);
  bigger.set(a.subarray(0, used));
  return bigger;
}

/**
 * A stack of non-negative integers (free row numbers) in an Int32Array grown by doubling: pushing a
 * million rows freed at once (a full table withdrawn) costs no JS-array growth and nothing the garbage
 * collector has to trace.
 */
export class IntStack {
  private items: Int32Array<ArrayBuffer>;
  private n = 0;

  constructor(capacity = 64) {
    this.items = new Int32Array(Math.max(1, capacity));
  }

  get size(): number {
    return this.n;
  }

  push(v: number): void {
    if (this.n === this.items.length) this.reserve(1);
    this.items[this.n++] = v;
  }

  /** The top item, or -1 when empty. */
  peek(): number {
    return this.n > 0 ? this.items[this.n - 1] : -1;
  }

  /** The item at depth `i` from the bottom (0 ≤ i < size). */
  at(i: number): number {
    return this.items[i];
  }

  /** Removes and returns the top item, or -1 when empty. */
  pop(): number {
    return this.n > 0 ? this.items[--this.n] : -1;
  }

  /** Room for `extra` more pushes without growing. */
  reserve(extra: number): void {
    this.items = grownInt32(this.items, this.n, this.n + extra);
  }
}
