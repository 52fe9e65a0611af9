/**
 * Loc-RIB storage as typed arrays (DESIGN principle 6): one row per prefix with at least one path,
 * holding the prefix, its candidates (post-import-policy paths, as path ids — see RoutingEngine's path
 * table — in any order: selection is order independent), the selected best and the batch bookkeeping.
 * Candidates are a singly linked list of slots (path id, next slot) so that a row owns no JS object:
 * the whole Loc-RIB is a handful of typed arrays, which the garbage collector never has to trace.
 *
 * The Adj-RIBs-In of the peers without ADD-PATH are columns of the same table (one Int32Array of path
 * ids per peer, indexed by row): one hash lookup per received route finds both its Adj-RIB-In entry and
 * its Loc-RIB row. A row lives while it has a candidate, a best or an Adj-RIB-In entry (`holds`).
 *
 * Rows and slots are small integers recycled through free lists; a PrefixIndex maps a prefix to its row.
 * The engine reads and writes the columns directly (hot path).
 */
import type { PrefixKey } from '../wire/prefix.js';
import { IntStack, PrefixIndex } from './prefix-map.js';
import type { RibPath } from './route.js';

const NONE = -1;

export class LocRibTable {
  private readonly index = new PrefixIndex();
  /** IPv4 prefix keys; NaN when the row's key is a string (IPv6), then in `keyStr`. */
  private keyNum = new Float64Array(1024);
  private readonly keyStr = new Map<number, string>();
  /** First candidate slot of the row, -1 for none. */
  private head = new Int32Array(1024).fill(NONE);
  /** Best path id of the row, -1 for none. */
  best = new Int32Array(1024).fill(NONE);
  /** Batch bookkeeping: the batch that last touched the row (see RoutingEngine.mark). */
  epoch = new Uint32Array(1024);
  /** Something in this batch may change the best path (else only paths the best beats before MED came or went). */
  dirty = new Uint8Array(1024);
  /** Adj-RIB-In entries (over all peer columns) in the row. */
  private holds = new Uint16Array(1024);
  /** Per-peer Adj-RIB-In columns (path id per row, -1 = none); null = unused column number. */
  private readonly adjIn: (Int32Array | null)[] = [];
  private rows = 0;
  private readonly freeRows = new IntStack(1024);
  /** Candidate slots: path id and next slot of the same row (-1 ends the list; free slots chain through it). */
  private slotPath = new Int32Array(1024);
  private slotNext = new Int32Array(1024);
  private slots = 0;
  private freeSlot = NONE;

  get size(): number {
    return this.index.size;
  }

  /** The prefix's row, or -1. */
  row(prefix: PrefixKey): number {
    return this.index.get(prefix);
  }

  /** The prefix's row, created (no candidate, no best) if absent. */
  rowFor(prefix: PrefixKey): number {
    // One probe: offer the row a new prefix would get (the next free one), take it only if inserted.
    const free = this.freeRows;
    const next = free.size > 0 ? free.peek() : this.rows;
    const known = this.index.getOrSet(prefix, next);
    if (known >= 0) return known;
    const r = free.size > 0 ? free.pop() : this.newRow();
    if (typeof prefix === 'number') this.keyNum[r] = prefix;
    else {
      this.keyNum[r] = NaN;
      this.keyStr.set(r, prefix);
    }
    return r;
  }

  prefixOf(r: number): PrefixKey {
    const k = this.keyNum[r];
    return k === k ? k : this.keyStr.get(r)!;
  }

  /** Nothing refers to the row any more: no candidate, no best, no Adj-RIB-In entry. */
  unused(r: number): boolean {
    return this.head[r] === NONE && this.best[r] === NONE && this.holds[r] === 0;
  }

  /** Drop an unused row. */
  release(r: number): void {
    this.index.delete(this.prefixOf(r));
    this.keyStr.delete(r);
    this.forget(r);
  }

  /**
   * Drop the unused rows `rows[0 … n-1]`. Many at once (a peer's full table withdrawn): their index entries
   * go in one pass over the index (PrefixIndex.retain) instead of one hash deletion per row.
   */
  releaseMany(rows: Int32Array, n: number): void {
    if (n * 16 <= this.index.size) {
      for (let i = 0; i < n; i++) this.release(rows[i]);
      return;
    }
    this.freeRows.reserve(n);
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      // A released row's key no longer matches its index entry: `retain` below drops exactly those.
      this.keyNum[r] = NaN;
      if (this.keyStr.size > 0) this.keyStr.delete(r);
      this.forget(r);
    }
    if (n === this.index.size) {
      this.index.clear(); // every row goes (the only peer's table withdrawn)
      return;
    }
    const keyNum = this.keyNum;
    const keyStr = this.keyStr;
    this.index.retain((r, prefix) => (typeof prefix === 'number' ? keyNum[r] === prefix : keyStr.get(r) === prefix));
  }

  private forget(r: number): void {
    this.best[r] = NONE;
    this.epoch[r] = 0;
    this.dirty[r] = 0;
    this.freeRows.push(r);
  }

  /** A new (empty) Adj-RIB-In column; returns its number. */
  addColumn(): number {
    const col = new Int32Array(this.keyNum.length).fill(NONE);
    const c = this.adjIn.indexOf(null);
    if (c >= 0) {
      this.adjIn[c] = col;
      return c;
    }
    this.adjIn.push(col);
    return this.adjIn.length - 1;
  }

  /** Forget column c (its entries must have been cleared with setAdjIn). */
  dropColumn(c: number): void {
    this.adjIn[c] = null;
  }

  adjInOf(c: number, r: number): number {
    return this.adjIn[c]![r];
  }

  /** Sets column c's entry of row r to a path id (or -1 to clear it); returns the previous one or -1. */
  setAdjIn(c: number, r: number, id: number): number {
    const col = this.adjIn[c]!;
    const old = col[r];
    col[r] = id;
    if (old < 0) {
      if (id >= 0) this.holds[r]++;
    } else if (id < 0) this.holds[r]--;
    return old;
  }

  count(r: number): number {
    let n = 0;
    for (let s = this.head[r]; s !== NONE; s = this.slotNext[s]) n++;
    return n;
  }

  /** The only (or some) candidate's path id, -1 when there is none. */
  firstCandidate(r: number): number {
    const s = this.head[r];
    return s === NONE ? NONE : this.slotPath[s];
  }

  add(r: number, pathId: number): void {
    let s = this.freeSlot;
    if (s !== NONE) this.freeSlot = this.slotNext[s];
    else s = this.newSlot();
    this.slotPath[s] = pathId;
    this.slotNext[s] = this.head[r];
    this.head[r] = s;
  }

  /** Remove one occurrence of `pathId` from the row's candidates. */
  remove(r: number, pathId: number): void {
    let prev = NONE;
    for (let s = this.head[r]; s !== NONE; prev = s, s = this.slotNext[s]) {
      if (this.slotPath[s] !== pathId) continue;
      if (prev === NONE) this.head[r] = this.slotNext[s];
      else this.slotNext[prev] = this.slotNext[s];
      this.slotNext[s] = this.freeSlot;
      this.freeSlot = s;
      return;
    }
  }

  /** The row's candidates as paths (from `byId`) into `out`, cleared first; returns `out`. */
  candidates(r: number, byId: readonly (RibPath | null)[], out: RibPath[]): RibPath[] {
    out.length = 0;
    for (let s = this.head[r]; s !== NONE; s = this.slotNext[s]) out.push(byId[this.slotPath[s]]!);
    return out;
  }

  /**
   * Calls f for every entry of Adj-RIB-In column c, in row order: a sequential scan of the column and of
   * the rows' arrays, where the index's hash order visits the rows at random (do not add or release rows
   * inside f; f may change the entry it is given).
   */
  forEachInColumn(c: number, f: (r: number, id: number) => void): void {
    const col = this.adjIn[c]!;
    const n = this.rows;
    for (let r = 0; r < n; r++) {
      const id = col[r];
      if (id >= 0) f(r, id);
    }
  }

  /** Calls f for every row (do not add or release rows inside f). */
  forEachRow(f: (r: number, prefix: PrefixKey) => void): void {
    this.index.forEach(f);
  }

  private newRow(): number {
    const r = this.rows++;
    if (r === this.keyNum.length) {
      const n = r * 2;
      this.keyNum = grown(this.keyNum, new Float64Array(n));
      this.head = grown(this.head, new Int32Array(n).fill(NONE));
      this.best = grown(this.best, new Int32Array(n).fill(NONE));
      this.epoch = grown(this.epoch, new Uint32Array(n));
      this.dirty = grown(this.dirty, new Uint8Array(n));
      this.holds = grown(this.holds, new Uint16Array(n));
      for (let c = 0; c < this.adjIn.length; c++) {
        const col = this.adjIn[c];
        if (col !== null) this.adjIn[c] = grown(col, new Int32Array(n).fill(NONE));
      }
    }
    return r;
  }

  private newSlot(): number {
    const s = this.slots++;
    if (s === this.slotPath.length) {
      this.slotPath = grown(this.slotPath, new Int32Array(s * 2));
      this.slotNext = grown(this.slotNext, new Int32Array(s * 2));
    }
    return s;
  }
}

function grown<T extends Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array>(old: T, bigger: T): T {
  bigger.set(old as never);
  return bigger;
}

/** Same Loc-RIB content (peer, path id, post-policy attributes, next hop)? Distinct objects for an identical path are not a change. */
export function sameBest(a: RibPath | null, b: RibPath | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return a.peerId === b.peerId && a.pathId === b.pathId && a.attributes === b.attributes && a.nextHop === b.nextHop && a.nextHopLinkLocal === b.nextHopLinkLocal;
}
