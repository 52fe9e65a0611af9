/**
 * Variant B's IPv4 prefix → slot table: open addressing with linear probing over a Float64Array of keys
 * and a parallel array of values, deletion by backward shift (no tombstones).
 *
 * Why not a Map<number, V>: IPv4 prefix keys (address·64 + length, lib/wire/prefix.ts) exceed the
 * small-integer range, so a Map holds a heap number per key and hashes it through the generic path; at a
 * full table (~1M prefixes) that was a large share of variant B's time and garbage. Here a key is 8 bytes
 * in a typed array, compared as a double, and hashed with two integer multiplies.
 *
 * Keys: integers in [0, 2^53). Iteration order is table order (not insertion order); the table must not
 * be changed while it is being iterated.
 */

const EMPTY = -1;
const MIN_BITS = 10;

export class NumericKeyTable<V> {
  private bits = MIN_BITS;
  private mask = (1 << MIN_BITS) - 1;
  private keys = new Float64Array(1 << MIN_BITS).fill(EMPTY);
  private vals: (V | null)[] = new Array<V | null>(1 << MIN_BITS).fill(null);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Home position: Fibonacci hashing of the low word mixed with the high word (top `bits` bits of the product). */
  private home(key: number): number {
    const lo = key >>> 0; // key mod 2^32 (exact for integers)
    const hi = (key / 4294967296) >>> 0;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> (32 - this.bits);
  }

  private indexOf(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(key);
    for (;;) {
      const k = keys[i];
      if (k === key) return i;
      if (k === EMPTY) return -1;
      i = (i + 1) & mask;
    }
  }

  get(key: number): V | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : (this.vals[i] as V);
  }

  has(key: number): boolean {
    return this.indexOf(key) >= 0;
  }

  /** Insert or replace. */
  set(key: number, value: V): void {
    if (!(key >= 0 && key <= Number.MAX_SAFE_INTEGER && Math.floor(key) === key)) throw new RangeError(`NumericKeyTable: key ${key} is not an integer in [0, 2^53)`);
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(key);
    for (;;) {
      const k = keys[i];
      if (k === key) {
        this.vals[i] = value;
        return;
      }
      if (k === EMPTY) break;
      i = (i + 1) & mask;
    }
    keys[i] = key;
    this.vals[i] = value;
    // Load factor ≤ 1/2 keeps linear-probing runs short.
    if (++this.count * 2 > keys.length) this.resize(this.bits + 1);
  }

  delete(key: number): boolean {
    let i = this.indexOf(key);
    if (i < 0) return false;
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    // Backward shift: pull later entries of the run into the hole when their home position does not lie
    // cyclically in (hole, their position] — otherwise a lookup starting at their home would stop at the hole.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j];
      if (k === EMPTY) break;
      const h = this.home(k);
      const stays = i <= j ? i < h && h <= j : i < h || h <= j;
      if (stays) continue;
      keys[i] = k;
      vals[i] = vals[j];
      i = j;
    }
    keys[i] = EMPTY;
    vals[i] = null;
    this.count--;
    if (this.bits > MIN_BITS && this.count * 8 < keys.length) this.resize(this.bits - 1);
    return true;
  }

  /** Values in table order. */
  *values(): IterableIterator<V> {
    const keys = this.keys;
    const vals = this.vals;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) yield vals[i] as V;
  }

  /** [key, value] pairs in table order. */
  *entries(): IterableIterator<[number, V]> {
    const keys = this.keys;
    const vals = this.vals;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) yield [keys[i], vals[i] as V];
  }

  private resize(bits: number): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    this.bits = bits;
    this.mask = (1 << bits) - 1;
    this.keys = new Float64Array(1 << bits).fill(EMPTY);
    this.vals = new Array<V | null>(1 << bits).fill(null);
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j];
      if (k === EMPTY) continue;
      let i = this.home(k);
      while (keys[i] !== EMPTY) i = (i + 1) & mask;
      keys[i] = k;
      vals[i] = oldVals[j];
    }
  }
}
