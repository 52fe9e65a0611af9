/**
 * A voted round's delta whose Loc-RIB changes stay references into the deciding replicas' result columns
 * until someone reads `locRib` (the FIB writer). Building `{ prefix, best: Route }` eagerly made two objects
 * per changed prefix on the main thread — 2·10^6 for a full table — that nobody reads when the daemon has no
 * FIB (`fib: null`): about a third of the vote's CPU plus the main thread's GC. Same idea as the engine's
 * RibDelta (lib/rib/delta.ts); the objects built are the same as before, in the same order.
 */
import type { PeerOut, Route } from '../rib/types.js';
import type { PrefixKey } from '../wire/prefix.js';
import type { PathAttributes } from '../wire/types.js';
import type { InputError, RoundResult } from './protocol.js';
import type { VotedDelta } from './replica-set.js';

type LocChange = { prefix: PrefixKey; best: Route | null };

/** Loc-RIB changes of one delta, in decision order: prefix, deciding result and index in it, attribute set. */
export class VotedLocChanges {
  private readonly keys: PrefixKey[];
  private readonly from: RoundResult[];
  private readonly at: Int32Array;
  private readonly attrs: (PathAttributes | null)[];
  private n = 0;

  /** `capacity`: the most changes that will be added. */
  constructor(capacity: number) {
    this.keys = new Array<PrefixKey>(capacity);
    this.from = new Array<RoundResult>(capacity);
    this.at = new Int32Array(capacity);
    this.attrs = new Array<PathAttributes | null>(capacity);
  }

  get length(): number {
    return this.n;
  }

  /** The change result.*[i] reports for `prefix` (`attrs`: its best's attribute set, null when it has no best). */
  add(prefix: PrefixKey, result: RoundResult, i: number, attrs: PathAttributes | null): void {
    const k = this.n++;
    this.keys[k] = prefix;
    this.from[k] = result;
    this.at[k] = i;
    this.attrs[k] = attrs;
  }

  build(): LocChange[] {
    const out: LocChange[] = new Array<LocChange>(this.n);
    for (let k = 0; k < this.n; k++) {
      const res = this.from[k];
      const i = this.at[k];
      const prefix = this.keys[k];
      let best: Route | null = null;
      if (res.bestPeer[i] >= 0) {
        best = { peerId: res.bestPeer[i], prefix, pathId: res.bestPathId[i], attributes: this.attrs[k]!, nextHop: res.strings[res.bestNextHop[i]] };
        if (res.bestLinkLocal[i] >= 0) best.nextHopLinkLocal = res.strings[res.bestLinkLocal[i]];
      }
      out[k] = { prefix, best };
    }
    return out;
  }
}

export class LazyVotedDelta implements VotedDelta {
  private built: LocChange[] | null = null;
  readonly out = new Map<number, PeerOut>();
  readonly inputErrors: InputError[] = [];

  constructor(
    private changes: VotedLocChanges | null,
    readonly round: number,
    readonly noQuorum: PrefixKey[],
  ) {}

  /** Built on first read; the same array afterwards (callers may edit it). */
  get locRib(): LocChange[] {
    if (this.built === null) {
      this.built = this.changes === null ? [] : this.changes.build();
      this.changes = null; // the results it referenced can go
    }
    return this.built;
  }

  set locRib(v: LocChange[]) {
    this.built = v;
    this.changes = null;
  }

  /** Number of Loc-RIB changes, without building them. */
  get locRibChanges(): number {
    return this.built !== null ? this.built.length : (this.changes?.length ?? 0);
  }
}
