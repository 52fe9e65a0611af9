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
 */
import type { PrefixKey } from '../wire/prefix.js';
import { PrefixIndex } from '../rib/prefix-map.js';
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

/** A decided prefix: its new voted value and where to take the emitted delta from. */
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

const NO_EXPORTS = new Uint32Array(0);

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

  /** Export entries (indices into expPrefix/expPeer/expAttrs) of prefix index i. */
  exportsOf(i: number): Uint32Array {
    if (this.result.expPrefix.length === 0) return NO_EXPORTS;
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
    return this.expOrder!.subarray(this.expStart[i], this.expStart[i + 1]);
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
   */
  private slotOf: PrefixIndex | null = null;
  readonly keys: PrefixKey[] = [];
  private at: (Int32Array | null)[];
  /** Per replica: the size of its result when `at` is null (slots at or above it are not reported). */
  private readonly identitySize: number[];
  /** Per slot: the decision, once made. */
  readonly decisions: (PrefixDecision | undefined)[] = [];
  /** Replicas whose results (and start divergences) have been indexed into the slots. */
  private readonly indexed = new Set<number>();

  constructor(readonly round: number, readonly expected: ReadonlySet<number>, voter: Voter, members?: ReadonlySet<number>) {
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
    return this.keys.length;
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

  /** Index every arrived result not indexed yet (its prefixes and its start divergences get slots). */
  index(): void {
    for (const [r, v] of this.arrived) {
      if (this.indexed.has(r)) continue;
      this.indexed.add(r);
      if (this.slotOf === null && this.keys.length === 0) {
        // The first result: its prefixes become the slots, in its order.
        const p4 = v.result.prefixes4;
        for (let i = 0; i < p4.length; i++) this.keys.push(p4[i]);
        for (const p of v.result.prefixes6) this.keys.push(p);
        this.at[r] = null;
        this.identitySize[r] = v.size;
      } else if (this.slotOf === null && this.sameAsSlots(v)) {
        this.at[r] = null;
        this.identitySize[r] = v.size;
      } else {
        const idx = this.index0();
        const a = new Int32Array(Math.max(this.keys.length + v.size, 16)).fill(-1);
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
  }

  /** Does the result list exactly the current slots' prefixes (a prefix of them, in order)? */
  private sameAsSlots(v: ResultView): boolean {
    const r = v.result;
    const n4 = r.prefixes4.length;
    if (v.size > this.keys.length) return false;
    for (let i = 0; i < n4; i++) if (this.keys[i] !== r.prefixes4[i]) return false;
    for (let i = 0; i < r.prefixes6.length; i++) if (this.keys[n4 + i] !== r.prefixes6[i]) return false;
    return v.size === this.keys.length;
  }

  /** The prefix → slot index, built on first use from the slots so far. */
  private index0(): PrefixIndex {
    if (this.slotOf === null) {
      const idx = new PrefixIndex(Math.max(1024, this.keys.length * 2));
      for (let s = 0; s < this.keys.length; s++) idx.set(this.keys[s], s);
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
      if (d.size > 0 && d.has(this.keys[s])) return true;
    }
    return false;
  }

  private slotFor(idx: PrefixIndex, p: PrefixKey): number {
    let s = idx.get(p);
    if (s >= 0) return s;
    s = this.keys.length;
    idx.set(p, s);
    this.keys.push(p);
    return s;
  }
}

export interface CloseReport {
  /** Prefixes decided only at the close (consensus without unanimity, master absent): emit like eager ones. */
  readonly decided: PrefixDecision[];
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

  private slotValue(rv: RoundVote, replica: number, s: number): number {
    if (rv.arrived.has(replica)) {
      const i = rv.indexIn(replica, s);
      if (i >= 0) return rv.arrived.get(replica)!.result.outcome[i];
    }
    const d = rv.divergentAtStart[replica];
    if (d.size > 0) {
      const v = d.get(rv.keys[s]);
      if (v !== undefined) return v;
    }
    return this.previous(rv, s);
  }

  private previous(rv: RoundVote, s: number): number {
    const d = rv.decisions[s];
    return d !== undefined ? d.previous : this.voted.get(rv.keys[s]);
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
   * Decide slot s for `value`; `reps`/`vals` are the answers seen (the deciding replicas are those with
   * `value`). Prefer a replica that reported the prefix from an agreeing start: its result is the delta to emit.
   */
  private decideOne(rv: RoundVote, s: number, value: number, reps: readonly number[], vals: readonly number[], n: number): PrefixDecision {
    const p = rv.keys[s];
    const previous = this.previous(rv, s);
    let pick = -1;
    let view: ResultView | null = null;
    let index = -1;
    for (let j = 0; j < n; j++) {
      if (vals[j] !== value) continue;
      const r = reps[j];
      if (pick < 0) pick = r;
      const v = rv.arrived.get(r);
      const i = v !== undefined ? rv.indexIn(r, s) : -1;
      if (v !== undefined && i >= 0 && !(rv.divergentAtStart[r].size > 0 && rv.divergentAtStart[r].has(p))) {
        pick = r;
        view = v;
        index = i;
        break;
      }
    }
    const d: PrefixDecision = { prefix: p, value, previous, from: pick, view: value === previous ? null : view, index };
    rv.decisions[s] = d;
    this.setVoted(p, value, previous);
    return d;
  }

  /** `old`: the prefix's voted value now (the caller has it at hand). */
  private setVoted(p: PrefixKey, value: number, old: number): void {
    if (old === value) return;
    this.ribDigest = xor53(xor53(this.ribDigest, ribTerm(p, old)), ribTerm(p, value));
    this.voted.set(p, value);
  }

  /** Eager decisions with what has arrived; returns the newly decided prefixes. */
  decide(rv: RoundVote): PrefixDecision[] {
    rv.index();
    const out: PrefixDecision[] = [];
    const masterHere = this.mode === 'master' && rv.arrived.has(this.master) && !rv.faulty.has(this.master);
    const masterUp = this.mode === 'master' && !rv.faulty.has(this.master);
    const live = rv.live();
    const reps = this.ansR;
    const vals = this.ansV;
    const answered = rv.answered();
    if (this.mode !== 'master') {
      const outs = this.identityOutcomes(rv, answered);
      if (outs !== null) {
        this.decideIdentity(rv, outs, answered, this.quorum(live.length, rv.members.size), out);
        return out;
      }
    }
    for (let s = 0; s < rv.slots; s++) {
      if (rv.decisions[s] !== undefined || !rv.relevant(s, answered)) continue;
      const p = rv.keys[s];
      if (masterHere && this.covers(this.master, p)) {
        reps[0] = this.master;
        vals[0] = this.slotValue(rv, this.master, s);
        out.push(this.decideOne(rv, s, vals[0], reps, vals, 1));
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
          out.push(this.decideOne(rv, s, vals[j], reps, vals, n));
          break;
        }
      }
    }
    return out;
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

  /** decide() on identity outcomes: a slot is decided once q answers agree (the quorum is the same for every slot). */
  private decideIdentity(rv: RoundVote, outs: readonly Float64Array[], answered: readonly number[], q: number, out: PrefixDecision[]): void {
    if (q <= 0 || outs.length < q) return;
    const reps = this.ansR;
    const vals = this.ansV;
    const n = outs.length;
    for (let j = 0; j < n; j++) reps[j] = answered[j];
    for (let s = 0; s < rv.slots; s++) {
      if (rv.decisions[s] !== undefined) continue;
      for (let j = 0; j < n; j++) vals[j] = outs[j][s];
      for (let j = 0; j + q <= n; j++) {
        let c = 0;
        for (let m = j; m < n; m++) if (vals[m] === vals[j]) c++;
        if (c >= q) {
          out.push(this.decideOne(rv, s, vals[j], reps, vals, n));
          break;
        }
      }
    }
  }

  /** close() shortcut: identity outcomes, all answers equal, and every slot already decided for that value. */
  private unanimousAndDecided(rv: RoundVote, answered: readonly number[]): boolean {
    const outs = this.identityOutcomes(rv, answered);
    if (outs === null) return false;
    const o0 = outs[0];
    for (let j = 1; j < outs.length; j++) {
      const o = outs[j];
      for (let s = 0; s < o0.length; s++) if (o[s] !== o0[s]) return false;
    }
    for (let s = 0; s < o0.length; s++) {
      const d = rv.decisions[s];
      if (d === undefined || d.value !== o0[s]) return false;
    }
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
    for (let s = 0; s < rv.slots; s++) if (rv.decisions[s] === undefined && rv.relevant(s, answered)) return false;
    return true;
  }

  /** All results in (or the deadline passed): audit, fail over, book divergences and disagreements. */
  close(rv: RoundVote): CloseReport {
    rv.index();
    const corrections: PrefixDecision[] = [];
    const decided: PrefixDecision[] = [];
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
    } else for (let s = 0; s < rv.slots; s++) {
      if (!rv.relevant(s, answered)) continue;
      const p = rv.keys[s];
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
      const dec = rv.decisions[s];
      if (dec === undefined) {
        // Not decided eagerly. consensus (not unanimous) and master (master absent or not covering): the
        // strict majority of the answering replicas decides — if it is also one of the members — and the
        // dissenters are counted; k-of-n without k agreeing: keep the previous value (no quorum).
        const memberMajority = majority !== null && majorityCount * 2 > this.coveringMembers(rv, p);
        if (majority !== null && memberMajority && this.mode !== 'k-of-n') decided.push(this.decideOne(rv, s, majority, reps, vals, n));
        else if (n > 0) noQuorum.push(p);
      } else if (majority !== null && majority !== dec.value) {
        let from = -1;
        for (let j = 0; j < n && from < 0; j++) if (vals[j] === majority) from = reps[j];
        this.setVoted(p, majority, dec.value);
        corrections.push({ prefix: p, value: majority, previous: dec.value, from, view: null, index: -1 });
        rv.decisions[s] = { ...dec, value: majority, from };
        if (this.mode === 'master' && dec.from === this.master) masterWrong = true;
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
    return { decided, corrections, noQuorum, minority, failover };
  }
}

/**
 * Voted outcome per prefix: a prefix index onto a Float64Array (0 = absent). A PrefixMap<number> boxed
 * every 53-bit digest as a heap number and rehashed them as it grew (~20 % of the main thread at table load).
 */
class OutcomeTable {
  private readonly rowOf = new PrefixIndex(1024);
  private values = new Float64Array(1024);
  private readonly free: number[] = [];
  private rows = 0;

  get(p: PrefixKey): number {
    const row = this.rowOf.get(p);
    return row < 0 ? 0 : this.values[row];
  }

  set(p: PrefixKey, value: number): void {
    const row = this.rowOf.get(p);
    if (value === 0) {
      if (row < 0) return;
      this.rowOf.delete(p);
      this.values[row] = 0;
      this.free.push(row);
      return;
    }
    if (row >= 0) {
      this.values[row] = value;
      return;
    }
    const r = this.free.length > 0 ? this.free.pop()! : this.rows++;
    if (r >= this.values.length) {
      const v = new Float64Array(this.values.length * 2);
      v.set(this.values);
      this.values = v;
    }
    this.values[r] = value;
    this.rowOf.set(p, r);
  }
}
