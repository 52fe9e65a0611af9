/**
 * The EngineDelta variant B returns: its Loc-RIB changes as (prefix, stored entry) pairs — the entry is B's
 * own immutable PathBasis / AddPathEntry, which already has the LocBest fields — so a change costs two array
 * slots, no object. `locRib` (route objects) is built only if someone reads it; a replica reads the changes
 * through `forEachLocChange` instead. Per-peer Adj-RIB-Out changes go to a Map created on first use.
 */
import type { PrefixKey } from '../../wire/prefix.js';
import type { EngineDelta, LocBest, PeerOut } from '../../rib/types.js';
import { Path, type PathEntry } from './path.js';

export class ChangeList implements EngineDelta {
  /**
   * Three parallel lists, the first `size` slots used. Made at the length the engine announces (every
   * position it touched may change): a million withdrawals grew pushed lists step by step, each step a new
   * backing store and a copy.
   */
  private readonly prefixes: PrefixKey[];
  private readonly entries: (PathEntry | null)[];
  /** Candidates the prefix had when the best was read (the replica's tie-break rescan skips prefixes with one). */
  private readonly counts: number[];
  private used = 0;
  private routes: { prefix: PrefixKey; best: Path | null }[] | null = null;
  private outs: Map<number, PeerOut> | null = null;

  /** `room`: how many changes the engine may record (more are still accepted). */
  constructor(room = 0) {
    this.prefixes = new Array<PrefixKey>(room);
    this.entries = new Array<PathEntry | null>(room);
    this.counts = new Array<number>(room);
  }

  /** The prefix's best is now `best` (null: none), chosen among `candidates` paths. */
  record(prefix: PrefixKey, best: PathEntry | null, candidates: number): void {
    const at = this.used;
    this.prefixes[at] = prefix;
    this.entries[at] = best;
    this.counts[at] = candidates;
    this.used = at + 1;
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
        const e = this.entries[i];
        r[i] = { prefix, best: e === null ? null : new Path(e.basis, prefix, e.pathId) };
      }
      this.routes = r;
    }
    return this.routes;
  }

  forEachLocChange(f: (prefix: PrefixKey, best: LocBest | null, candidates?: number) => void): void {
    const n = this.used;
    for (let i = 0; i < n; i++) f(this.prefixes[i], this.entries[i], this.counts[i]);
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
