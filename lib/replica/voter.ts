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
 */
import type { PrefixKey } from '../wire/prefix.js';
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

/** A replica's round result with lookup helpers (built lazily). */
export class ResultView {
  private index: Map<PrefixKey, number> | null = null;
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

  indexOf(p: PrefixKey): number {
    if (this.index === null) {
      this.index = new Map();
      for (let i = 0; i < this.size; i++) this.index.set(this.prefixAt(i), i);
    }
    return this.index.get(p) ?? -1;
  }

  /** Export entries (indices into expPrefix/expPeer/expAttrs) of prefix index i. */
  exportsOf(i: number): Uint32Array {
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
  readonly decided = new Map<PrefixKey, PrefixDecision>();
  /** Replicas whose start state for a prefix differed from the voted one (their delta is not relative to it). */
  readonly divergentAtStart: Map<PrefixKey, number>[];

  /**
   * `members`: the replicas the quorum is counted over — every non-retired replica, also those down or
   * re-syncing (controller): a crash of 2 of 3 replicas must not let the survivor decide alone (that is how
   * a poison UPDATE that crashes most replicas would otherwise get through). Default: `expected`.
   */
  readonly members: ReadonlySet<number>;

  constructor(readonly round: number, readonly expected: ReadonlySet<number>, voter: Voter, members?: ReadonlySet<number>) {
    this.divergentAtStart = voter.divergent.map((m) => new Map(m));
    this.members = members ?? expected;
  }

  get settled(): boolean {
    for (const r of this.expected) if (!this.arrived.has(r) && !this.faulty.has(r)) return false;
    return true;
  }

  live(): number[] {
    return [...this.expected].filter((r) => !this.faulty.has(r));
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
  readonly voted = new Map<PrefixKey, number>();
  /** Per replica: prefixes where its outcome differs from the voted one, with its outcome. */
  readonly divergent: Map<PrefixKey, number>[];
  readonly disagreementsPerReplica: number[];
  readonly disagreements: Disagreement[] = [];
  noQuorumTotal = 0;
  master = 0;
  /** XOR of ribTerm(prefix, voted) — what a fully agreeing, full-coverage replica's ribDigest equals. */
  ribDigest = 0;

  constructor(readonly mode: VotingMode, readonly k: number, readonly coverage: readonly PrefixCoverage[]) {
    this.divergent = coverage.map(() => new Map());
    this.disagreementsPerReplica = coverage.map(() => 0);
  }

  valueOf(rv: RoundVote, replica: number, p: PrefixKey): number {
    const v = rv.arrived.get(replica);
    if (v !== undefined) {
      const i = v.indexOf(p);
      if (i >= 0) return v.result.outcome[i];
    }
    return rv.divergentAtStart[replica].get(p) ?? this.previous(rv, p);
  }

  private previous(rv: RoundVote, p: PrefixKey): number {
    const d = rv.decided.get(p);
    return d !== undefined ? d.previous : this.voted.get(p) ?? 0;
  }

  private covering(rv: RoundVote, p: PrefixKey): number[] {
    return rv.live().filter((r) => this.coverage[r].covers(p));
  }

  private coveringMembers(rv: RoundVote, p: PrefixKey | null): number {
    let n = 0;
    for (const r of rv.members) if (p === null || this.coverage[r].covers(p)) n++;
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

  /** Prefixes a round may change: reported by an arrived replica, or divergent in one. */
  private candidates(rv: RoundVote): Set<PrefixKey> {
    const s = new Set<PrefixKey>();
    for (const [r, v] of rv.arrived) {
      if (rv.faulty.has(r)) continue;
      for (let i = 0; i < v.size; i++) s.add(v.prefixAt(i));
      for (const p of rv.divergentAtStart[r].keys()) s.add(p);
    }
    return s;
  }

  private decideOne(rv: RoundVote, p: PrefixKey, value: number, from: number[]): void {
    const previous = this.previous(rv, p);
    // Prefer a replica that reported p from an agreeing start: its result is the delta to emit.
    let pick = from[0];
    let view: ResultView | null = null;
    let index = -1;
    for (const r of from) {
      const v = rv.arrived.get(r);
      const i = v ? v.indexOf(p) : -1;
      if (v !== undefined && i >= 0 && !rv.divergentAtStart[r].has(p)) {
        pick = r;
        view = v;
        index = i;
        break;
      }
    }
    const d: PrefixDecision = { prefix: p, value, previous, from: pick, view: value === previous ? null : view, index };
    rv.decided.set(p, d);
    this.setVoted(p, value);
  }

  private setVoted(p: PrefixKey, value: number): void {
    const old = this.voted.get(p) ?? 0;
    if (old === value) return;
    this.ribDigest = xor53(xor53(this.ribDigest, ribTerm(p, old)), ribTerm(p, value));
    if (value === 0) this.voted.delete(p);
    else this.voted.set(p, value);
  }

  /** Eager decisions with what has arrived; returns the newly decided prefixes. */
  decide(rv: RoundVote): PrefixDecision[] {
    const out: PrefixDecision[] = [];
    const masterHere = this.mode === 'master' && rv.arrived.has(this.master) && !rv.faulty.has(this.master);
    for (const p of this.candidates(rv)) {
      if (rv.decided.has(p)) continue;
      if (masterHere && this.coverage[this.master].covers(p)) {
        this.decideOne(rv, p, this.valueOf(rv, this.master, p), [this.master]);
        out.push(rv.decided.get(p)!);
        continue;
      }
      if (this.mode === 'master' && !rv.faulty.has(this.master) && this.coverage[this.master].covers(p)) continue; // wait for the master
      const cov = this.covering(rv, p);
      const q = this.quorum(cov.length, this.coveringMembers(rv, p));
      const groups = new Map<number, number[]>();
      for (const r of cov) {
        if (!rv.arrived.has(r)) continue;
        const v = this.valueOf(rv, r, p);
        let g = groups.get(v);
        if (g === undefined) groups.set(v, (g = []));
        g.push(r);
      }
      for (const [v, g] of groups) {
        if (q > 0 && g.length >= q) {
          this.decideOne(rv, p, v, g);
          out.push(rv.decided.get(p)!);
          break;
        }
      }
    }
    return out;
  }

  /** Can the round's result be handed out before every replica answered? */
  resolvable(rv: RoundVote): boolean {
    if (rv.settled) return true;
    if (this.mode === 'consensus') return false;
    const answered = [...rv.arrived.keys()].filter((r) => !rv.faulty.has(r)).length;
    if (this.mode === 'master') {
      if (!rv.arrived.has(this.master) || rv.faulty.has(this.master)) return false;
    } else if (answered < this.quorum(rv.live().length, this.coveringMembers(rv, null))) return false;
    for (const p of this.candidates(rv)) if (!rv.decided.has(p)) return false;
    return true;
  }

  /** All results in (or the deadline passed): audit, fail over, book divergences and disagreements. */
  close(rv: RoundVote): CloseReport {
    const corrections: PrefixDecision[] = [];
    const decided: PrefixDecision[] = [];
    const noQuorum: PrefixKey[] = [];
    const answered = [...rv.arrived.keys()].filter((r) => !rv.faulty.has(r));
    const agreeWithMajority = new Map<number, number>();
    const minority = new Set<number>();
    let masterWrong = this.mode === 'master' && rv.faulty.has(this.master);
    for (const p of this.candidates(rv)) {
      const cov = answered.filter((r) => this.coverage[r].covers(p));
      const values = cov.map((r) => ({ replica: r, outcome: this.valueOf(rv, r, p) }));
      const counts = new Map<number, number>();
      for (const v of values) counts.set(v.outcome, (counts.get(v.outcome) ?? 0) + 1);
      let majority: number | null = null;
      for (const [v, c] of counts) if (c * 2 > cov.length) majority = v;
      if (majority !== null && cov.length >= 2) for (const v of values) if (v.outcome !== majority) minority.add(v.replica);
      if (!rv.decided.has(p)) {
        // Not decided eagerly. consensus (not unanimous) and master (master absent or not covering): the
        // strict majority of the answering replicas decides — if it is also one of the members — and the
        // dissenters are counted; k-of-n without k agreeing: keep the previous value (no quorum).
        const memberMajority = majority !== null && (counts.get(majority) ?? 0) * 2 > this.coveringMembers(rv, p);
        if (majority !== null && memberMajority && this.mode !== 'k-of-n') {
          this.decideOne(rv, p, majority, cov.filter((r) => this.valueOf(rv, r, p) === majority));
          decided.push(rv.decided.get(p)!);
        }
        else if (cov.length > 0) noQuorum.push(p);
      } else if (majority !== null && majority !== rv.decided.get(p)!.value) {
        const from = cov.filter((r) => this.valueOf(rv, r, p) === majority);
        const prev = rv.decided.get(p)!;
        this.setVoted(p, majority);
        const d: PrefixDecision = { prefix: p, value: majority, previous: prev.value, from: from[0], view: null, index: -1 };
        rv.decided.set(p, { ...prev, value: majority, from: from[0] });
        corrections.push(d);
        if (this.mode === 'master' && prev.from === this.master) masterWrong = true;
      }
      if (majority !== null) for (const v of values) if (v.outcome === majority) agreeWithMajority.set(v.replica, (agreeWithMajority.get(v.replica) ?? 0) + 1);
      const voted = this.voted.get(p) ?? 0;
      let disagree = false;
      for (const v of values) {
        if (v.outcome !== voted) {
          disagree = true;
          this.divergent[v.replica].set(p, v.outcome);
          this.disagreementsPerReplica[v.replica]++;
        } else this.divergent[v.replica].delete(p);
      }
      if (disagree && this.disagreements.length < MAX_DISAGREEMENTS) this.disagreements.push({ round: rv.round, prefix: p, voted, values });
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
