/**
 * Variant B's prefix tables. A prefix lives at a POSITION (a small integer), and everything the engine keeps
 * per prefix is a column indexed by that position: the candidates (`vals`, one pointer: ordered-candidates.ts)
 * and a touched-this-call flag (`mark`, one byte). No object per prefix (DESIGN principle 6): at a full table
 * (~1M prefixes) an object per prefix was most of B's retained heap, and every one of them was copied by the
 * young-generation collector at least once while the table loaded.
 *
 * IPv4 (`Ipv4SlotTable`): the position is the prefix's place in an open-addressing hash table itself (keys in
 * a Float64Array, linear probing). Deletion leaves a tombstone, so positions never move while the engine
 * works; the table is re-laid (grown, shrunk, tombstones dropped) only in `reserve()`, which the engine calls
 * before a call that may insert, and which reports how positions moved so that the engine can move its own
 * columns. Why not a Map<number, …>: IPv4 prefix keys (address·64 + length, lib/wire/prefix.ts) exceed the
 * small-integer range, so a Map boxes and generically hashes a heap number per key.
 *
 * IPv6 (`Ipv6SlotTable`): string keys in a Map to a row number; rows are recycled and never move.
 *
 * Iteration: positions 0 … end-1 where `live(pos)`; the table must not change meanwhile.
 */

const EMPTY = -1;
/** A deleted key: lookups probe past it, inserts may reuse it. */
const GONE = -2;
const MIN_BITS = 10;

/** What the engine reads and writes per position (both families). */
export interface SlotTable<V> {
  /** Per-position value (the prefix's candidates), null when none. Re-read after `reserve()`: it may be replaced. */
  readonly vals: (V | null)[];
  /** Per-position flag for the engine's call bookkeeping (0 between calls). Re-read after `reserve()`. */
  readonly mark: Uint8Array;
  /** Number of prefixes. */
  readonly size: number;
  /** Positions are below this. */
  readonly end: number;
  live(pos: number): boolean;
  /** Forget the prefix at `pos` (its value must already be null). */
  remove(pos: number): void;
}

/** Fibonacci hashing of the low word mixed with the high word: the top `bits` bits of the product. */
function home(key: number, bits: number): number {
  const lo = key >>> 0; // key mod 2^32 (exact for integers)
  const hi = (key / 4294967296) >>> 0;
  return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> (32 - bits);
}

/** Integer keys in [0, 2^53) (IPv4 prefix keys) at stable positions between `reserve()` calls. */
export class Ipv4SlotTable<V> implements SlotTable<V> {
  private bits = MIN_BITS;
  private mask = (1 << MIN_BITS) - 1;
  private keys = new Float64Array(1 << MIN_BITS).fill(EMPTY);
  vals: (V | null)[] = new Array<V | null>(1 << MIN_BITS).fill(null);
  mark = new Uint8Array(1 << MIN_BITS);
  private count = 0;
  private gone = 0;

  get size(): number {
    return this.count;
  }

  get end(): number {
    return this.keys.length;
  }

  live(pos: number): boolean {
    return this.keys[pos] >= 0;
  }

  keyAt(pos: number): number {
    return this.keys[pos];
  }

  /** The key's position, or -1. */
  find(key: number): number {
    if (key < 0) return -1; // would match the EMPTY / GONE markers
    const keys = this.keys;
    const mask = this.mask;
    let i = home(key, this.bits);
    for (;;) {
      const k = keys[i];
      if (k === key) return i;
      if (k === EMPTY) return -1;
      i = (i + 1) & mask;
    }
  }

  /** The key's position, inserted (value null) if absent. Room must have been made by `reserve()`. */
  slot(key: number): number {
    if (!(key >= 0 && key <= Number.MAX_SAFE_INTEGER && Math.floor(key) === key)) throw new RangeError(`Ipv4SlotTable: key ${key} is not an integer in [0, 2^53)`);
    const keys = this.keys;
    const mask = this.mask;
    let i = home(key, this.bits);
    let free = -1;
    for (;;) {
      const k = keys[i];
      if (k === key) return i;
      if (k === EMPTY) break;
      if (k === GONE && free < 0) free = i;
      i = (i + 1) & mask;
    }
    if (free >= 0) {
      i = free;
      this.gone--;
    } else if ((this.count + this.gone + 1) * 5 > keys.length * 4) {
      // Past 80 % the probe runs grow long; the caller did not reserve (a bug): refuse rather than degrade.
      throw new RangeError('Ipv4SlotTable: insert without reserve()');
    }
    keys[i] = key;
    this.count++;
    return i;
  }

  remove(pos: number): void {
    const keys = this.keys;
    const mask = this.mask;
    this.vals[pos] = null;
    this.mark[pos] = 0;
    this.count--;
    if (keys[(pos + 1) & mask] !== EMPTY) {
      keys[pos] = GONE;
      this.gone++;
      return;
    }
    // The run ends here: this position and the tombstones just before it can become empty again.
    keys[pos] = EMPTY;
    for (let i = (pos - 1) & mask; keys[i] === GONE; i = (i - 1) & mask) {
      keys[i] = EMPTY;
      this.gone--;
    }
  }

  /**
   * Make room for `n` inserts at load ≤ 60 % (shrinking a table ≥ 8× too big). Returns null when positions
   * did not move, else old position → new position (meaningless where there was no key), or, when the
   * caller keeps no columns of its own (`track` false), an empty array.
   */
  reserve(n: number, track = true): Int32Array | null {
    const cap = this.keys.length;
    const grow = (this.count + this.gone + n) * 5 > cap * 3;
    const shrink = this.bits > MIN_BITS && (this.count + n) * 8 < cap;
    if (!grow && !shrink) return null;
    let bits = MIN_BITS;
    while ((1 << bits) < (this.count + n) * 2) bits++;
    return this.relayout(bits, track);
  }

  private relayout(bits: number, track: boolean): Int32Array {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    // Fresh pages cost a fault each (~25 µs here): the move list only when someone reads it.
    const moved = new Int32Array(track ? oldKeys.length : 0);
    const size = 1 << bits;
    const keys = new Float64Array(size).fill(EMPTY);
    const vals = new Array<V | null>(size).fill(null);
    const mask = size - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j];
      if (k < 0) continue;
      let i = home(k, bits);
      while (keys[i] !== EMPTY) i = (i + 1) & mask;
      keys[i] = k;
      vals[i] = oldVals[j];
      if (track) moved[j] = i;
    }
    this.bits = bits;
    this.mask = mask;
    this.keys = keys;
    this.vals = vals;
    this.mark = new Uint8Array(size);
    this.gone = 0;
    return moved;
  }
}

/** String keys (IPv6 prefix keys) at rows that never move; freed rows are reused. */
export class Ipv6SlotTable<V> implements SlotTable<V> {
  private readonly index = new Map<string, number>();
  private readonly keys: (string | undefined)[] = [];
  readonly vals: (V | null)[] = [];
  mark = new Uint8Array(64);
  private readonly free: number[] = [];

  get size(): number {
    return this.index.size;
  }

  get end(): number {
    return this.keys.length;
  }

  live(pos: number): boolean {
    return this.keys[pos] !== undefined;
  }

  keyAt(pos: number): string {
    return this.keys[pos]!;
  }

  find(key: string): number {
    return this.index.get(key) ?? -1;
  }

  slot(key: string): number {
    let r = this.index.get(key);
    if (r !== undefined) return r;
    r = this.free.pop();
    if (r === undefined) {
      r = this.keys.length;
      this.keys.push(key);
      this.vals.push(null);
      if (r >= this.mark.length) {
        const m = new Uint8Array(this.mark.length * 2);
        m.set(this.mark);
        this.mark = m;
      }
    } else this.keys[r] = key;
    this.index.set(key, r);
    return r;
  }

  remove(pos: number): void {
    this.index.delete(this.keys[pos]!);
    this.keys[pos] = undefined;
    this.vals[pos] = null;
    this.mark[pos] = 0;
    this.free.push(pos);
  }
}
