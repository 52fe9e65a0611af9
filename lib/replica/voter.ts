/**
 * The voter (DESIGN principle 3): per prefix, compares the replicas' post-round outcome digests
 * (digest.ts: best route + every export of the prefix) among the live replicas covering the prefix.
 *
 * A replica's value for prefix p in a round: the outcome it reported (its round result lists only prefixes
 * whose outcome changed), else its known divergent value (kept from earlier rounds where it disagreed), else
 * the voted value (it agreed and nothing changed). So the main thread keeps one number per prefix (the
 * voted outcome) plus the sparse divergences — never a replica's full state.
 *
 * Modes — eager decision per prefix as results arrive:
 * - `master`: the master's value decides at once; if the master crashed or was late, the majority does.
 * - `k-of-n`: the first k agreeing replicas decide.
 * - `continuous-majority`: k = a strict majority of the live replicas covering the prefix.
 * - `consensus`: nothing is decided before every live covering replica answered (a late one — deadline —
 *   is faulty and excluded); unanimity decides; without it a strict majority decides at the close and the
 *   dissenters are counted (minority), else no quorum.
 * At the round's close (all results in, or the deadline) every mode audits: where a strict majority of the
 * replicas that answered disagrees with the voted value, the majority wins and a correction is issued (in
 * `master` mode the master is replaced by the replica agreeing with the majority most often). A prefix
 * without quorum keeps its previous voted value and is reported (`noQuorum`).
 * Rounds are voted in order; one round's results are never compared with another's.
 *
 * Cost: a round gives every prefix any answer reports (or any replica diverges on) one slot; each arriving
 * result is indexed once (slot → its index) and every later question is an array read. Results are sorted by
 * prefix, so a result listing exactly the slots so far is mapped by comparing key arrays; a prefix index is
 * built only when a result differs. The per-prefix `Map`s, candidate sets rebuilt on every arrival and
 * per-prefix arrays this replaced were ~60 % of the main thread's CPU on a table load with 3 replicas.
 * Decisions are typed arrays indexed by slot (RoundVote.decided…, in decision order in decidedOrder), not an
 * object per prefix; when every answer lists exactly the slots and none diverged before the round, outcome
 * arrays are compared slot by slot (decideIdentity) and the one lookup per decided prefix is the voted
 * table's exchange (OutcomeTable). Anything else — a differing result, a start divergence, partial coverage
 * — takes the per-prefix path; spec/replica/voter.spec.ts checks that both vote the same.
 */
import type { PrefixKey } from '../wire/prefix.js';
import { PrefixIndex, hashPrefixKey, mayFillHole } from '../rib/prefix-map.js';
import type { RoundResult } from './protocol.js';
import { ribTerm, xor53 } from './digest.js';
import type { PrefixCoverage } from './knobs.js';

export type VotingMode = 'master' | 'k-of-n' | 'continuous-majority' | 'consensus';

export interface Disagreement {
  readonly round: number;
  readonly prefix: PrefixKey;
  /** The voted outcome after the round. */
  readonly voted: number;
  /** Each answering covering replica's outcome. */
  readonly values: readonly { readonly replica: number; readonly outcome: number }[];
}

/**
 * A decided prefix as an object: corrections (close()) and `RoundVote.decision` (tests, logs). Decisions
 * themselves are kept per slot in typed arrays (RoundVote.decided…): a table load decides 10^6 prefixes and
 * one object each was a tenth of the main thread's CPU, plus its garbage collection.
 */
export interface PrefixDecision {
  readonly prefix: PrefixKey;
  readonly value: number;
  /** The voted value before the decision. */
  readonly previous: number;
  /** A replica with this value. */
  readonly from: number;
  /** `from`'s result and the prefix's index in it, when `from` reported the prefix from an agreeing start (a relative delta); else null = restate `from`'s full state. */
  readonly view: ResultView | null;
  readonly index: number;
}

/** A replica's round result with lookup helpers (built lazily). */
export class ResultView {
  private expStart: Uint32Array | null = null;
  private expOrder: Uint32Array | null = null;

  constructor(readonly result: RoundResult) {}

  get size(): number {
    return this.result.outcome.length;
  }

  prefixAt(i: number): PrefixKey {
    const n4 = this.result.prefixes4.length;
    return i < n4 ? this.result.prefixes4[i] : this.result.prefixes6[i - n4];
  }

  /**
   * The export entries (indices into expPrefix/expPeer/expAttrs) without a view object per prefix: prefix
   * index i's are exportOrder()[k] for k in [exportStarts()[i], exportStarts()[i + 1]).
   */
  exportStarts(): Uint32Array {
    this.indexExports();
    return this.expStart!;
  }

  exportOrder(): Uint32Array {
    this.indexExports();
    return this.expOrder!;
  }

  private indexExports(): void {
    if (this.expStart === null) {
      const r = this.result;
      const start = new Uint32Array(this.size + 1);
      for (let j = 0; j < r.expPrefix.length; j++) start[r.expPrefix[j] + 1]++;
      for (let j = 0; j < this.size; j++) start[j + 1] += start[j];
      const fill = start.slice(0, this.size);
      const order = new Uint32Array(r.expPrefix.length);
      for (let j = 0; j < r.expPrefix.length; j++) order[fill[r.expPrefix[j]]++] = j;
      this.expStart = start;
      this.expOrder = order;
    }
  }
}

/** One round's votes. */
export class RoundVote {
  readonly arrived = new Map<number, ResultView>();
  readonly faulty = new Set<number>();
  /** Replicas whose start state for a prefix differed from the voted one (their delta is not relative to it). */
  readonly divergentAtStart: Map<PrefixKey, number>[];

  /**
   * `members`: the replicas the quorum is counted over — every non-retired replica, also those down or
   * re-syncing (controller): a crash of 2 of 3 replicas must not let the survivor decide alone (that is how
   * a poison UPDATE that crashes most replicas would otherwise get through). Default: `expected`.
   */
  readonly members: ReadonlySet<number>;

  /**
   * Round slots: slot → prefix; per replica slot → index in its result (-1: not reported), or null when the
   * replica's result lists exactly the first slots in slot order (index = slot). Replicas sort their result
   * by prefix, so agreeing replicas' results are mapped onto each other by comparing the key arrays, with no
   * prefix hashed; the prefix → slot index is only built when some result differs (or a lookup needs it).
   * The slots' prefixes are the first result's own key arrays (`base4`, `base6`) until a slot is added that
   * it does not list; only then are they copied into `extraKeys`.
   */
  private slotOf: PrefixIndex | null = null;
  private base4: Float64Array = new Float64Array(0);
  private base6: readonly string[] = [];
  private extraKeys: PrefixKey[] | null = null;
  private nSlots = 0;
  private at: (Int32Array | null)[];
  /** Per replica: the size of its result when `at` is null (slots at or above it are not reported). */
  private readonly identitySize: number[];
  /** Replicas whose results (and start divergences) have been indexed into the slots. */
  private readonly indexed = new Set<number>();

  /**
   * Per slot, once decided (`decided[s]` = 1): the new voted value, the voted value before the decision, a
   * replica with the value, and the slot's index in that replica's result when it reported the prefix from
   * an agreeing start (its result is then the delta to emit), else -1 (restate that replica's full state).
   * The arrays come from the voter's spare set (the previous round's, see release()) when it is large enough.
   */
  private arrays: DecisionArrays | null = null;
  private released = false;
  decided: Uint8Array = new Uint8Array(0);
  decidedValue: Float64Array = new Float64Array(0);
  decidedPrevious: Float64Array = new Float64Array(0);
  decidedFrom: Int32Array = new Int32Array(0);
  decidedIndex: Int32Array = new Int32Array(0);
  /**
   * Slots in the order they were decided: decidedOrder[0..decidedCount). What one decide() or close() call
   * decided is a range of it (a delta is built from a range; no array of decisions per call).
   */
  decidedOrder: Int32Array = new Int32Array(0);
  decidedCount = 0;

  constructor(readonly round: number, readonly expected: ReadonlySet<number>, private readonly voter: Voter, members?: ReadonlySet<number>) {
    this.divergentAtStart = voter.divergent.map((m) => new Map(m));
    this.members = members ?? expected;
    this.at = voter.divergent.map(() => new Int32Array(0));
    this.identitySize = voter.divergent.map(() => 0);
  }

  get settled(): boolean {
    for (const r of this.expected) if (!this.arrived.has(r) && !this.faulty.has(r)) return false;
    return true;
  }

  live(): number[] {
    return [...this.expected].filter((r) => !this.faulty.has(r));
  }

  get slots(): number {
    return this.nSlots;
  }

  /** The prefix of slot s. */
  keyAt(s: number): PrefixKey {
    if (this.extraKeys !== null) return this.extraKeys[s];
    const n4 = this.base4.length;
    return s < n4 ? this.base4[s] : this.base6[s - n4];
  }

  /** The IPv4 prefixes of slots 0..n-1 when every slot is the first result's (identity), else null. */
  identityKeys4(): Float64Array | null {
    return this.extraKeys === null ? this.base4 : null;
  }

  /** The slot of a prefix, or -1. */
  slot(p: PrefixKey): number {
    return this.index0().get(p);
  }

  /** Index of slot s in replica r's result, or -1. */
  indexIn(r: number, s: number): number {
    const a = this.at[r];
    if (a === null) return s < this.identitySize[r] ? s : -1;
    return s < a.length ? a[s] : -1;
  }

  /** Replica r's result lists exactly slots 0..size-1 in order (its outcome array is indexed by slot). */
  identity(r: number): boolean {
    return this.at[r] === null;
  }

  /** Does a slot in decidedOrder[from..to) have a new voted value (something to emit)? */
  changedIn(from: number, to: number): boolean {
    for (let k = from; k < to; k++) {
      const s = this.decidedOrder[k];
      if (this.decidedValue[s] !== this.decidedPrevious[s]) return true;
    }
    return false;
  }

  /** Slot s's decision as an object (tests, logs), or undefined while undecided. */
  decision(s: number): PrefixDecision | undefined {
    if (s >= this.nSlots || this.decided[s] === 0) return undefined;
    const from = this.decidedFrom[s];
    const index = this.decidedIndex[s];
    const value = this.decidedValue[s];
    const previous = this.decidedPrevious[s];
    const view = index >= 0 && value !== previous ? (this.arrived.get(from) ?? null) : null;
    return { prefix: this.keyAt(s), value, previous, from, view, index: view === null ? -1 : index };
  }

  /** Record slot s's decision (see `decided`). */
  setDecision(s: number, value: number, previous: number, from: number, index: number): void {
    if (this.decided[s] === 0) this.decidedOrder[this.decidedCount++] = s;
    this.decided[s] = 1;
    this.decidedValue[s] = value;
    this.decidedPrevious[s] = previous;
    this.decidedFrom[s] = from;
    this.decidedIndex[s] = index;
  }

  /** Index every arrived result not indexed yet (its prefixes and its start divergences get slots). */
  index(): void {
    if (this.released) throw new Error(`round ${this.round}: its votes were released`);
    for (const [r, v] of this.arrived) {
      if (this.indexed.has(r)) continue;
      this.indexed.add(r);
      if (this.slotOf === null && this.nSlots === 0 && this.extraKeys === null) {
        // The first result: its prefixes become the slots, in its order.
        this.base4 = v.result.prefixes4;
        this.base6 = v.result.prefixes6;
        this.nSlots = v.size;
        this.at[r] = null;
        this.identitySize[r] = v.size;
      } else if (this.slotOf === null && this.sameAsSlots(v)) {
        this.at[r] = null;
        this.identitySize[r] = v.size;
      } else {
        const idx = this.index0();
        const a = new Int32Array(Math.max(this.nSlots + v.size, 16)).fill(-1);
        for (let i = 0; i < v.size; i++) {
          const s = this.slotFor(idx, v.prefixAt(i));
          a[s] = i;
        }
        this.at[r] = a;
      }
      if (this.divergentAtStart[r].size > 0) {
        const idx = this.index0();
        for (const p of this.divergentAtStart[r].keys()) this.slotFor(idx, p);
      }
    }
    this.reserveDecisions();
  }

  /** Grow the decision arrays to the slots (taken once per round in the common case). */
  private reserveDecisions(): void {
    const n = this.nSlots;
    if (this.decided.length >= n) return;
    const old = this.arrays;
    const a = old === null ? this.voter.takeDecisionArrays(n) : new DecisionArrays(Math.max(n, 2 * old.capacity));
    if (old !== null) a.copy(old);
    this.arrays = a;
    this.decided = a.decided;
    this.decidedValue = a.value;
    this.decidedPrevious = a.previous;
    this.decidedFrom = a.from;
    this.decidedIndex = a.index;
    this.decidedOrder = a.order;
  }

  /**
   * The round is over (its last delta built): its decision arrays go back to the voter for the next round.
   * A table load decides 10^5 slots per round, and fresh memory is expensive to touch on the VMs btrd runs
   * on (page faults); reusing the same arrays costs one memset of `decided`.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.arrays !== null) this.voter.releaseDecisionArrays(this.arrays);
    this.arrays = null;
    this.decided = new Uint8Array(0);
    this.decidedValue = new Float64Array(0);
    this.decidedPrevious = new Float64Array(0);
    this.decidedFrom = new Int32Array(0);
    this.decidedIndex = new Int32Array(0);
    this.decidedOrder = new Int32Array(0);
  }

  /** Does the result list exactly the current slots' prefixes, in order? */
  private sameAsSlots(v: ResultView): boolean {
    if (this.extraKeys !== null || v.size !== this.nSlots) return false;
    const r = v.result;
    const k4 = this.base4;
    const p4 = r.prefixes4;
    if (p4.length !== k4.length) return false;
    for (let i = 0; i < p4.length; i++) if (k4[i] !== p4[i]) return false;
    for (let i = 0; i < r.prefixes6.length; i++) if (this.base6[i] !== r.prefixes6[i]) return false;
    return true;
  }

  /** The prefix → slot index, built on first use from the slots so far. */
  private index0(): PrefixIndex {
    if (this.slotOf === null) {
      const idx = new PrefixIndex(Math.max(1024, this.nSlots * 2));
      for (let s = 0; s < this.nSlots; s++) idx.set(this.keyAt(s), s);
      this.slotOf = idx;
    }
    return this.slotOf;
  }

  /** Arrived replicas not (yet) faulty. */
  answered(): number[] {
    const a: number[] = [];
    for (const r of this.arrived.keys()) if (!this.faulty.has(r)) a.push(r);
    return a;
  }

  /** Is slot s a candidate: reported by one of the `answered` replicas, or divergent in one at start? */
  relevant(s: number, answered: readonly number[]): boolean {
    for (let j = 0; j < answered.length; j++) {
      const r = answered[j];
      if (this.indexIn(r, s) >= 0) return true;
      const d = this.divergentAtStart[r];
      if (d.size > 0 && d.has(this.keyAt(s))) return true;
    }
    return false;
  }

  private slotFor(idx: PrefixIndex, p: PrefixKey): number {
    let s = idx.get(p);
    if (s >= 0) return s;
    if (this.extraKeys === null) {
      const keys: PrefixKey[] = [];
      for (let i = 0; i < this.nSlots; i++) keys.push(this.keyAt(i));
      this.extraKeys = keys;
    }
    s = this.nSlots++;
    idx.set(p, s);
    this.extraKeys.push(p);
    return s;
  }
}

/** What close() found; the slots it decided (consensus without unanimity, master absent) are appended to RoundVote.decidedOrder: emit them like eager ones. */
/** Does every outcome array hold `value` at slot s? */
function allEqual(outs: readonly Float64Array[], s: number, value: number): boolean {
  for (let j = 0; j < outs.length; j++) if (outs[j][s] !== value) return false;
  return true;
}

/** One round's per-slot decision arrays (RoundVote.decided…), reused from round to round. */
class DecisionArrays {
  readonly decided: Uint8Array;
  readonly value: Float64Array;
  readonly previous: Float64Array;
  readonly from: Int32Array;
  readonly index: Int32Array;
  readonly order: Int32Array;

  constructor(readonly capacity: number) {
    this.decided = new Uint8Array(capacity);
    this.value = new Float64Array(capacity);
    this.previous = new Float64Array(capacity);
    this.from = new Int32Array(capacity);
    this.index = new Int32Array(capacity);
    this.order = new Int32Array(capacity);
  }

  copy(o: DecisionArrays): void {
    this.decided.set(o.decided);
    this.value.set(o.value);
    this.previous.set(o.previous);
    this.from.set(o.from);
    this.index.set(o.index);
    this.order.set(o.order);
  }
}

export interface CloseReport {
  /** Prefixes overwritten by the audit (restate from `from`). */
  readonly corrections: PrefixDecision[];
  readonly noQuorum: PrefixKey[];
  /** Answering replicas in the minority on at least one prefix this round (a strict majority disagreed with them). */
  readonly minority: Set<number>;
  /** New master (master mode) when the old one was in the minority or faulty. */
  readonly failover: number | null;
}

const MAX_DISAGREEMENTS = 10_000;

export class Voter {
  /** Voted outcome per prefix (absent = 0: no route, no export). */
  private readonly voted = new OutcomeTable();
  /** Per replica: prefixes where its outcome differs from the voted one, with its outcome. */
  readonly divergent: Map<PrefixKey, number>[];
  readonly disagreementsPerReplica: number[];
  readonly disagreements: Disagreement[] = [];
  noQuorumTotal = 0;
  master = 0;
  /** XOR of ribTerm(prefix, voted) — what a fully agreeing, full-coverage replica's ribDigest equals. */
  ribDigest = 0;
  /** Every replica covers every prefix (no `prefixes` knob): covering sets need no per-prefix test. */
  private readonly fullCoverage: boolean;
  /** Scratch for one prefix's answers (replica, value). */
  private readonly ansR: number[] = [];
  private readonly ansV: number[] = [];
  /** The decision arrays of the last released round (RoundVote.release). */
  private spareDecisions: DecisionArrays | null = null;

  constructor(readonly mode: VotingMode, readonly k: number, readonly coverage: readonly PrefixCoverage[]) {
    this.divergent = coverage.map(() => new Map());
    this.disagreementsPerReplica = coverage.map(() => 0);
    this.fullCoverage = coverage.every((c) => c.all);
  }

  valueOf(rv: RoundVote, replica: number, p: PrefixKey): number {
    const s = rv.slot(p);
    if (s >= 0) return this.slotValue(rv, replica, s);
    return rv.divergentAtStart[replica].get(p) ?? this.voted.get(p);
  }

  /** Decision arrays for a round of at least n slots: the spare set if large enough (every slot undecided), else new ones. */
  takeDecisionArrays(n: number): DecisionArrays {
    const a = this.spareDecisions;
    if (a === null || a.capacity < n) return new DecisionArrays(n);
    this.spareDecisions = null;
    a.decided.fill(0);
    return a;
  }

  releaseDecisionArrays(a: DecisionArrays): void {
    if (this.spareDecisions === null || this.spareDecisions.capacity < a.capacity) this.spareDecisions = a;
  }

  /** The voted outcome of a prefix now (0: no route, no export). */
  votedOf(p: PrefixKey): number {
    return this.voted.get(p);
  }

  private slotValue(rv: RoundVote, replica: number, s: number): number {
    if (rv.arrived.has(replica)) {
      const i = rv.indexIn(replica, s);
      if (i >= 0) return rv.arrived.get(replica)!.result.outcome[i];
    }
    const d = rv.divergentAtStart[replica];
    if (d.size > 0) {
      const v = d.get(rv.keyAt(s));
      if (v !== undefined) return v;
    }
    return this.previous(rv, s);
  }

  private previous(rv: RoundVote, s: number): number {
    return rv.decided[s] !== 0 ? rv.decidedPrevious[s] : this.voted.get(rv.keyAt(s));
  }

  private covers(r: number, p: PrefixKey): boolean {
    return this.fullCoverage || this.coverage[r].covers(p);
  }

  private coveringMembers(rv: RoundVote, p: PrefixKey | null): number {
    if (this.fullCoverage || p === null) return rv.members.size;
    let n = 0;
    for (const r of rv.members) if (this.coverage[r].covers(p)) n++;
    return n;
  }

  /** Agreeing answers needed, given the live and the member (non-retired) replicas covering a prefix. */
  private quorum(coveringLive: number, coveringMembers: number): number {
    switch (this.mode) {
      case 'k-of-n':
        return Math.min(this.k, coveringMembers);
      case 'consensus':
        // Unanimity of the live ones, and never a single replica while two exist.
        return Math.max(coveringLive, Math.min(2, coveringMembers));
      default:
        return Math.floor(coveringMembers / 2) + 1;
    }
  }

  /**
   * Decide undecided slot s for `value`; `reps`/`vals` are the answers seen (the deciding replicas are those
   * with `value`). Prefer a replica that reported the prefix from an agreeing start: its result is the delta
   * to emit.
   */
  private decideOne(rv: RoundVote, s: number, value: number, reps: readonly number[], vals: readonly number[], n: number): void {
    const p = rv.keyAt(s);
    let pick = -1;
    let index = -1;
    for (let j = 0; j < n; j++) {
      if (vals[j] !== value) continue;
      const r = reps[j];
      if (pick < 0) pick = r;
      const i = rv.arrived.has(r) ? rv.indexIn(r, s) : -1;
      if (i >= 0 && !(rv.divergentAtStart[r].size > 0 && rv.divergentAtStart[r].has(p))) {
        pick = r;
        index = i;
        break;
      }
    }
    // Undecided: the previous value is the voted one, swapped for the decided one in a single lookup.
    const previous = this.voted.exchange(p, value);
    if (previous !== value) this.ribDigest = xor53(xor53(this.ribDigest, ribTerm(p, previous)), ribTerm(p, value));
    rv.setDecision(s, value, previous, pick, index);
  }

  /** `old`: the prefix's voted value now (the caller has it at hand). */
  private setVoted(p: PrefixKey, value: number, old: number): void {
    if (old === value) return;
    this.ribDigest = xor53(xor53(this.ribDigest, ribTerm(p, old)), ribTerm(p, value));
    this.voted.set(p, value);
  }

  /** Eager decisions with what has arrived; returns how many slots it decided (the last ones of RoundVote.decidedOrder). */
  decide(rv: RoundVote): number {
    rv.index();
    const before = rv.decidedCount;
    const masterHere = this.mode === 'master' && rv.arrived.has(this.master) && !rv.faulty.has(this.master);
    const masterUp = this.mode === 'master' && !rv.faulty.has(this.master);
    const live = rv.live();
    const reps = this.ansR;
    const vals = this.ansV;
    const answered = rv.answered();
    if (this.mode !== 'master') {
      const outs = this.identityOutcomes(rv, answered);
      if (outs !== null) {
        this.decideIdentity(rv, outs, answered, this.quorum(live.length, rv.members.size));
        return rv.decidedCount - before;
      }
    } else if (masterHere && this.masterIdentity(rv)) {
      this.decideFromMaster(rv);
      return rv.decidedCount - before;
    }
    for (let s = 0; s < rv.slots; s++) {
      if (rv.decided[s] !== 0 || !rv.relevant(s, answered)) continue;
      const p = rv.keyAt(s);
      if (masterHere && this.covers(this.master, p)) {
        reps[0] = this.master;
        vals[0] = this.slotValue(rv, this.master, s);
        this.decideOne(rv, s, vals[0], reps, vals, 1);
        continue;
      }
      if (masterUp && this.covers(this.master, p)) continue; // wait for the master
      let nCov = 0;
      let n = 0;
      for (const r of live) {
        if (!this.covers(r, p)) continue;
        nCov++;
        if (!rv.arrived.has(r)) continue;
        reps[n] = r;
        vals[n] = this.slotValue(rv, r, s);
        n++;
      }
      const q = this.quorum(nCov, this.coveringMembers(rv, p));
      if (q <= 0) continue;
      for (let j = 0; j < n; j++) {
        let c = 0;
        for (let m = 0; m < n; m++) if (vals[m] === vals[j]) c++;
        if (c >= q) {
          this.decideOne(rv, s, vals[j], reps, vals, n);
          break;
        }
      }
    }
    return rv.decidedCount - before;
  }

  /**
   * The common case, voted without per-prefix lookups: every replica covers every prefix, no answering
   * replica diverged before the round, and every answer lists exactly the slots in slot order (results are
   * sorted by prefix, so agreeing replicas' are). Then a replica's value for slot s is outcome[s] of its
   * result. Returns the answers' outcome arrays, or null when the general path is needed.
   */
  private identityOutcomes(rv: RoundVote, answered: readonly number[]): Float64Array[] | null {
    if (!this.fullCoverage || answered.length === 0) return null;
    const outs: Float64Array[] = [];
    for (const r of answered) {
      if (!rv.identity(r) || rv.divergentAtStart[r].size > 0) return null;
      const o = rv.arrived.get(r)!.result.outcome;
      if (o.length !== rv.slots) return null;
      outs.push(o);
    }
    return outs;
  }

  /**
   * decide() on identity outcomes: a slot is decided once q answers agree (the quorum is the same for every
   * slot). What decideOne would pick, without its per-prefix scans: the first answer with the winning value
   * (every answer reported every slot from an agreeing start: the delta is its result at index s).
   */
  private decideIdentity(rv: RoundVote, outs: readonly Float64Array[], answered: readonly number[], q: number): void {
    const n = outs.length;
    if (q <= 0 || n < q) return;
    const slots = rv.slots;
    const decided = rv.decided;
    const keys4 = rv.identityKeys4();
    const n4 = keys4 === null ? 0 : keys4.length;
    const voted = this.voted;
    let digest = this.ribDigest;
    for (let s = 0; s < slots; s++) {
      if (decided[s] !== 0) continue;
      for (let j = 0; j + q <= n; j++) {
        const value = outs[j][s];
        let c = 1;
        for (let m = j + 1; m < n; m++) if (outs[m][s] === value) c++;
        if (c < q) continue;
        // The first answer with `value` reaches the count first: j is decideOne's pick.
        const p = s < n4 ? keys4![s] : rv.keyAt(s);
        const previous = voted.exchange(p, value);
        if (previous !== value) digest = xor53(xor53(digest, ribTerm(p, previous)), ribTerm(p, value));
        rv.setDecision(s, value, previous, answered[j], s);
        break;
      }
    }
    this.ribDigest = digest;
  }

  /** master mode, the master answered: it covers every prefix, lists exactly the slots and did not diverge at the start. */
  private masterIdentity(rv: RoundVote): boolean {
    const m = this.master;
    return this.fullCoverage && rv.identity(m) && rv.divergentAtStart[m].size === 0 && rv.arrived.get(m)!.size === rv.slots;
  }

  /** decide() in master mode on masterIdentity(): every undecided slot takes the master's value (decideOne with the master alone). */
  private decideFromMaster(rv: RoundVote): void {
    const m = this.master;
    const o = rv.arrived.get(m)!.result.outcome;
    const decided = rv.decided;
    let digest = this.ribDigest;
    for (let s = 0; s < o.length; s++) {
      if (decided[s] !== 0) continue;
      const value = o[s];
      const p = rv.keyAt(s);
      const previous = this.voted.exchange(p, value);
      if (previous !== value) digest = xor53(xor53(digest, ribTerm(p, previous)), ribTerm(p, value));
      rv.setDecision(s, value, previous, m, s);
    }
    this.ribDigest = digest;
  }

  /** close() shortcut: identity outcomes, all answers equal, and every slot already decided for that value. */
  private unanimousAndDecided(rv: RoundVote, answered: readonly number[]): boolean {
    const outs = this.identityOutcomes(rv, answered);
    if (outs === null || rv.decidedCount !== rv.slots) return false;
    const o0 = outs[0];
    for (let j = 1; j < outs.length; j++) {
      const o = outs[j];
      for (let s = 0; s < o0.length; s++) if (o[s] !== o0[s]) return false;
    }
    const value = rv.decidedValue;
    for (let s = 0; s < o0.length; s++) if (value[s] !== o0[s]) return false;
    return true;
  }

  /** Can the round's result be handed out before every replica answered? */
  resolvable(rv: RoundVote): boolean {
    if (rv.settled) return true;
    if (this.mode === 'consensus') return false;
    const answered = rv.answered();
    if (this.mode === 'master') {
      if (!rv.arrived.has(this.master) || rv.faulty.has(this.master)) return false;
    } else if (answered.length < this.quorum(rv.live().length, this.coveringMembers(rv, null))) return false;
    rv.index();
    if (rv.decidedCount === rv.slots) return true;
    for (let s = 0; s < rv.slots; s++) if (rv.decided[s] === 0 && rv.relevant(s, answered)) return false;
    return true;
  }

  /** All results in (or the deadline passed): audit, fail over, book divergences and disagreements. */
  close(rv: RoundVote): CloseReport {
    rv.index();
    const corrections: PrefixDecision[] = [];
    const noQuorum: PrefixKey[] = [];
    const answered = rv.answered();
    const agreeWithMajority = new Map<number, number>();
    const minority = new Set<number>();
    let masterWrong = this.mode === 'master' && rv.faulty.has(this.master);
    const anyDivergent = this.divergent.some((m) => m.size > 0);
    const reps = this.ansR;
    const vals = this.ansV;
    if (this.unanimousAndDecided(rv, answered)) {
      // Every answer equals every decision: nothing to correct, book or count against anyone.
      for (const r of answered) agreeWithMajority.set(r, rv.slots);
    } else {
      // Identity answers (identityOutcomes): a slot where every answer equals its decision has nothing to
      // correct, book or count against anyone — only the others (one replica off on one prefix, say) are
      // voted prefix by prefix below. Such slots count as agreeing with the majority for every answer.
      const outs = this.identityOutcomes(rv, answered);
      let agreedSlots = 0;
      for (let s = 0; s < rv.slots; s++) {
        if (outs !== null && rv.decided[s] !== 0 && allEqual(outs, s, rv.decidedValue[s])) {
          agreedSlots++;
          continue;
        }
        if (!rv.relevant(s, answered)) continue;
        const p = rv.keyAt(s);
        let n = 0;
        for (const r of answered) {
          if (!this.covers(r, p)) continue;
          reps[n] = r;
          vals[n] = this.slotValue(rv, r, s);
          n++;
        }
        // The strict majority of the answering covering replicas, if any.
        let majority: number | null = null;
        let majorityCount = 0;
        let unanimous = true;
        for (let j = 0; j < n; j++) {
          if (vals[j] !== vals[0]) unanimous = false;
          if (majority !== null) continue;
          let c = 0;
          for (let m = 0; m < n; m++) if (vals[m] === vals[j]) c++;
          if (c * 2 > n) {
            majority = vals[j];
            majorityCount = c;
          }
        }
        if (majority !== null && n >= 2 && !unanimous) for (let j = 0; j < n; j++) if (vals[j] !== majority) minority.add(reps[j]);
        if (rv.decided[s] === 0) {
          // Not decided eagerly. consensus (not unanimous) and master (master absent or not covering): the
          // strict majority of the answering replicas decides — if it is also one of the members — and the
          // dissenters are counted; k-of-n without k agreeing: keep the previous value (no quorum).
          const memberMajority = majority !== null && majorityCount * 2 > this.coveringMembers(rv, p);
          if (majority !== null && memberMajority && this.mode !== 'k-of-n') this.decideOne(rv, s, majority, reps, vals, n);
          else if (n > 0) noQuorum.push(p);
        } else if (majority !== null && majority !== rv.decidedValue[s]) {
          const decidedValue = rv.decidedValue[s];
          const decidedFrom = rv.decidedFrom[s];
          let from = -1;
          for (let j = 0; j < n && from < 0; j++) if (vals[j] === majority) from = reps[j];
          this.setVoted(p, majority, decidedValue);
          corrections.push({ prefix: p, value: majority, previous: decidedValue, from, view: null, index: -1 });
          // Restated from `from` (the correction), never relative to the overruled decision's result.
          rv.setDecision(s, majority, rv.decidedPrevious[s], from, -1);
          if (this.mode === 'master' && decidedFrom === this.master) masterWrong = true;
        }
        if (majority !== null) for (let j = 0; j < n; j++) if (vals[j] === majority) agreeWithMajority.set(reps[j], (agreeWithMajority.get(reps[j]) ?? 0) + 1);
        const voted = this.voted.get(p);
        let disagree = false;
        for (let j = 0; j < n; j++) {
          const r = reps[j];
          if (vals[j] !== voted) {
            disagree = true;
            this.divergent[r].set(p, vals[j]);
            this.disagreementsPerReplica[r]++;
          } else if (anyDivergent && this.divergent[r].size > 0) this.divergent[r].delete(p);
        }
        if (disagree && this.disagreements.length < MAX_DISAGREEMENTS) {
          const values: { replica: number; outcome: number }[] = [];
          for (let j = 0; j < n; j++) values.push({ replica: reps[j], outcome: vals[j] });
          this.disagreements.push({ round: rv.round, prefix: p, voted, values });
        }
      }
      if (agreedSlots > 0) for (const r of answered) agreeWithMajority.set(r, (agreeWithMajority.get(r) ?? 0) + agreedSlots);
    }
    this.noQuorumTotal += noQuorum.length;
    let failover: number | null = null;
    if (masterWrong) {
      const live = answered.filter((r) => r !== this.master);
      live.sort((a, b) => (agreeWithMajority.get(b) ?? 0) - (agreeWithMajority.get(a) ?? 0) || this.divergent[a].size - this.divergent[b].size || a - b);
      if (live.length > 0) {
        failover = live[0];
        this.master = failover;
      }
    }
    return { corrections, noQuorum, minority, failover };
  }
}

/**
 * Voted outcome per prefix (0 = absent). IPv4 keys (numbers) live in SHARDS open-addressing tables of their
 * own, chosen by the top bits of the key's hash, key and value side by side in one Float64Array; IPv6 keys
 * (strings) in a Map. Why not PrefixIndex plus a row array: a table load writes 10^6 entries in hash order,
 * and that took three cache lines per lookup where this takes one, and a rehash shared with PrefixMap's
 * object arrays (polymorphic). Why shards: each grows on its own in small steps (at 10^6 prefixes a
 * shard holds ~4000), so a load never stops the main thread for one rehash of a 32 MB table; 10^6 random
 * inserts measured 0.30 s against 0.40 s for one table. (Growing in place in a resizable ArrayBuffer
 * touched a quarter fewer fresh pages but was slower still: V8 11 accesses such arrays more slowly.)
 */
export class OutcomeTable {
  private readonly shards: OutcomeShard[] = [];
  private readonly v6 = new Map<string, number>();

  constructor() {
    for (let i = 0; i < SHARDS; i++) this.shards.push(new OutcomeShard());
  }

  get size(): number {
    let n = this.v6.size;
    for (const s of this.shards) n += s.count;
    return n;
  }

  get(p: PrefixKey): number {
    if (typeof p !== 'number') return this.v6.get(p) ?? 0;
    const h = hashPrefixKey(p);
    return this.shards[h >>> SHARD_SHIFT].get(p + 1, h);
  }

  set(p: PrefixKey, value: number): void {
    this.exchange(p, value);
  }

  /** Sets p's value (0 removes it) and returns the one it had (0 = absent), in one probe sequence. */
  exchange(p: PrefixKey, value: number): number {
    if (typeof p !== 'number') {
      const old = this.v6.get(p) ?? 0;
      if (value === 0) this.v6.delete(p);
      else this.v6.set(p, value);
      return old;
    }
    const h = hashPrefixKey(p);
    return this.shards[h >>> SHARD_SHIFT].exchange(p + 1, h, value);
  }
}

const SHARD_BITS = 8;
const SHARDS = 1 << SHARD_BITS;
const SHARD_SHIFT = 32 - SHARD_BITS;

/**
 * One shard: slot i holds key + 1 at 2i (0 = free: a fresh array needs no fill; key 0 is 0.0.0.0/0) and the
 * value at 2i + 1; linear probing on the hash's low bits, at most half full.
 */
class OutcomeShard {
  t = new Float64Array(2 * 16);
  mask = 15;
  count = 0;

  get(k1: number, h: number): number {
    const t = this.t;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const k = t[2 * i];
      if (k === k1) return t[2 * i + 1];
      if (k === 0) return 0;
    }
  }

  exchange(k1: number, h: number, value: number): number {
    const t = this.t;
    const mask = this.mask;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const k = t[2 * i];
      if (k === k1) break;
      if (k === 0) {
        if (value === 0) return 0;
        t[2 * i] = k1;
        t[2 * i + 1] = value;
        if (++this.count * 2 > mask + 1) this.grow();
        return 0;
      }
    }
    const old = t[2 * i + 1];
    if (value !== 0) t[2 * i + 1] = value;
    else this.remove(i);
    return old;
  }

  /** Backward-shift deletion of slot i: later members of its probe run move into the hole when their home allows. */
  private remove(i: number): void {
    const t = this.t;
    const mask = this.mask;
    let hole = i;
    for (let j = (i + 1) & mask; t[2 * j] !== 0; j = (j + 1) & mask) {
      if (mayFillHole(hashPrefixKey(t[2 * j] - 1) & mask, hole, j)) {
        t[2 * hole] = t[2 * j];
        t[2 * hole + 1] = t[2 * j + 1];
        hole = j;
      }
    }
    t[2 * hole] = 0;
    t[2 * hole + 1] = 0;
    this.count--;
  }

  private grow(): void {
    const old = this.t;
    const mask = 2 * (this.mask + 1) - 1;
    const t = new Float64Array(2 * (mask + 1));
    for (let j = 0; j < old.length; j += 2) {
      const k = old[j];
      if (k === 0) continue;
      let i = hashPrefixKey(k - 1) & mask;
      while (t[2 * i] !== 0) i = (i + 1) & mask;
      t[2 * i] = k;
      t[2 * i + 1] = old[j + 1];
    }
    this.t = t;
    this.mask = mask;
  }
}

