/**
 * The EngineDelta variant B returns: its Loc-RIB changes as (prefix, stored entry) pairs — the entry is B's
 * own immutable PathBasis / AddPathEntry, which already has the LocBest fields — so a change costs two array
 * slots, no object. `locRib` (route objects) is built only if someone reads it; a replica reads the changes
 * through `forEachLocChange` instead. Per-peer Adj-RIB-Out changes go to a Map created on first use.
 */
import type { PrefixKey } from '../../wire/prefix.js';
import type { EngineDelta, LocBest, PeerOut } from '../../rib/types.js';
import { Path, type PathEntry } from './path.js';

/** From this many announced changes on, candidate counts go to an Int32Array (smaller; off the GC's heap). */
const TYPED_FROM = 4096;

export class ChangeList implements EngineDelta {
  /**
   * Parallel lists, the first `size` slots used. Made at the length the engine announces (every position it
   * touched may change): a million withdrawals grew pushed lists step by step, each step a new backing store
   * and a copy. `entries` is made on the first non-null best: withdrawals record none (an unset slot is null).
   */
  private readonly prefixes: PrefixKey[];
  private entries: (PathEntry | null)[] | null = null;
  /** Candidates the prefix had when the best was read (the replica's tie-break rescan skips prefixes with one). */
  private counts: number[] | Int32Array;
  private used = 0;
  private routes: { prefix: PrefixKey; best: Path | null }[] | null = null;
  private outs: Map<number, PeerOut> | null = null;

  /** `room`: how many changes the engine may record (more are still accepted). */
  constructor(private readonly room = 0) {
    this.prefixes = new Array<PrefixKey>(room);
    this.counts = room >= TYPED_FROM ? new Int32Array(room) : new Array<number>(room);
  }

  /** The prefix's best is now `best` (null: none), chosen among `candidates` paths. */
  record(prefix: PrefixKey, best: PathEntry | null, candidates: number): void {
    const at = this.used;
    this.prefixes[at] = prefix;
    if (best !== null) (this.entries ??= new Array<PathEntry | null>(Math.max(this.room, at + 1)))[at] = best;
    let counts = this.counts;
    if (at >= counts.length && counts instanceof Int32Array) {
      const more = new Int32Array(counts.length * 2);
      more.set(counts);
      this.counts = counts = more;
    }
    counts[at] = candidates;
    this.used = at + 1;
  }

  private entryAt(i: number): PathEntry | null {
    return this.entries === null ? null : this.entries[i] ?? null;
  }

  get size(): number {
    return this.used;
  }

  /** EngineDelta.locRibChanges. */
  get locRibChanges(): number {
    return this.used;
  }

  get locRib(): { prefix: PrefixKey; best: Path | null }[] {
    if (this.routes === null) {
      const n = this.used;
      const r = new Array<{ prefix: PrefixKey; best: Path | null }>(n);
      for (let i = 0; i < n; i++) {
        const prefix = this.prefixes[i];
        const e = this.entryAt(i);
        r[i] = { prefix, best: e === null ? null : new Path(e.basis, prefix, e.pathId) };
      }
      this.routes = r;
    }
    return this.routes;
  }

  forEachLocChange(f: (prefix: PrefixKey, best: LocBest | null, candidates?: number) => void): void {
    const n = this.used;
    const prefixes = this.prefixes;
    const counts = this.counts;
    for (let i = 0; i < n; i++) f(prefixes[i], this.entryAt(i), counts[i]);
  }

  get out(): Map<number, PeerOut> {
    return (this.outs ??= new Map());
  }

  /** The peer's Adj-RIB-Out changes, created on first use. */
  outFor(peerId: number): PeerOut {
    const m = this.out;
    let o = m.get(peerId);
    if (o === undefined) {
      o = { announce: new Map(), withdraw: new Set() };
      m.set(peerId, o);
    }
    return o;
  }
}
