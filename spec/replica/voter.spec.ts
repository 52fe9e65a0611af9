/**
 * The voter alone (lib/replica/voter.ts), on round results built here: the all-agree fast path (identity
 * slots, outcome arrays compared directly, decisions kept in typed arrays) and what must make it fall back
 * to per-prefix votes — one replica disagreeing on one prefix inside an otherwise agreeing round, a result
 * listing other prefixes, a divergence carried from an earlier round. The oracle for the fast path is the
 * voter's general path: the same replicas declared with explicit full-coverage blocks (0.0.0.0/0, ::/0) never
 * take the fast path, and both voters must agree on every decision, correction, no-quorum, minority,
 * disagreement, divergence and the whole-RIB digest, over random rounds in every mode.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OutcomeTable, ResultView, RoundVote, Voter, type CloseReport, type VotingMode } from '../../lib/replica/voter.js';
import { PrefixCoverage } from '../../lib/replica/knobs.js';
import { ribTerm, xor53 } from '../../lib/replica/digest.js';
import type { RoundResult } from '../../lib/replica/protocol.js';
import { parsePrefix, type PrefixKey } from '../../lib/wire/prefix.js';

const test = suite('replica/voter (fast path and its fall-backs)');

/** A round result listing `changes` (prefix → post-round outcome), sorted as workers/decision.ts sorts them. */
function result(replica: number, round: number, changes: ReadonlyMap<PrefixKey, number>): RoundResult {
  const p4 = Float64Array.from([...changes.keys()].filter((p): p is number => typeof p === 'number')).sort();
  const p6 = [...changes.keys()].filter((p): p is string => typeof p === 'string').sort();
  const keys: PrefixKey[] = [...p4, ...p6];
  const n = keys.length;
  const outcome = Float64Array.from(keys.map((p) => changes.get(p)!));
  return {
    kind: 'round', replica, round, ms: 0, prefixes4: p4, prefixes6: p6, outcome,
    locChanged: new Uint8Array(n).fill(1), bestPeer: Int32Array.from(outcome, (o) => (o === 0 ? -1 : 1)), bestPathId: new Float64Array(n),
    bestAttrs: outcome.slice(), bestNextHop: new Int32Array(n), bestLinkLocal: new Int32Array(n).fill(-1), strings: ['192.0.2.1'],
    expPrefix: new Uint32Array(0), expPeer: new Uint32Array(0), expAttrs: new Float64Array(0),
    ribDigest: 0, selfCheckFailures: 0, inputErrors: [], heapUsedBytes: 0,
  };
}

const FULL = undefined;
const FULL_BY_BLOCKS = ['0.0.0.0/0', '::/0'];

function voter(mode: VotingMode, n: number, k = 2, blocks: readonly string[] | undefined = FULL): Voter {
  return new Voter(mode, k, Array.from({ length: n }, () => new PrefixCoverage(blocks)));
}

interface Step {
  readonly rv: RoundVote;
  /** Slots decided after each arrival (cumulative). */
  readonly decidedAfter: number[];
  readonly resolvableAfter: boolean[];
  readonly report: CloseReport;
}

/** One round as replica-set.ts drives it: results arrive in `order`, `faulty` replicas never answer. */
function vote(v: Voter, round: number, results: ReadonlyMap<number, RoundResult>, order: readonly number[], expected: readonly number[], faulty: readonly number[] = []): Step {
  const rv = new RoundVote(round, new Set(expected), v);
  for (const r of faulty) rv.faulty.add(r);
  const decidedAfter: number[] = [];
  const resolvableAfter: boolean[] = [];
  for (const r of order) {
    rv.arrived.set(r, new ResultView(results.get(r)!));
    v.decide(rv);
    decidedAfter.push(rv.decidedCount);
    resolvableAfter.push(v.resolvable(rv));
  }
  return { rv, decidedAfter, resolvableAfter, report: v.close(rv) };
}

const P = (s: string): PrefixKey => parsePrefix(s);
const A = P('10.0.0.0/8');
const B = P('10.1.0.0/16');
const C = P('192.0.2.0/24');
const D = P('2001:db8::/32');
const DEFAULT = P('0.0.0.0/0');

test('all agree: decided on the second answer from the first one\'s typed arrays; nothing recorded', () => {
  const v = voter('continuous-majority', 3);
  const changes = new Map<PrefixKey, number>([[A, 11], [B, 12], [C, 13], [D, 14], [DEFAULT, 15]]);
  const res = new Map([0, 1, 2].map((r) => [r, result(r, 0, changes)]));
  const s = vote(v, 0, res, [2, 0, 1], [0, 1, 2]);
  assert.equal(s.decidedAfter, [0, 5, 5]);
  assert.equal(s.resolvableAfter, [false, true, true]);
  for (let slot = 0; slot < s.rv.slots; slot++) {
    const d = s.rv.decision(slot)!;
    assert.is(d.value, changes.get(d.prefix));
    assert.is(d.previous, 0);
    assert.is(d.from, 2, 'the first answer with the value');
    assert.is(d.view!.result.replica, 2);
    assert.is(d.view!.prefixAt(d.index), d.prefix);
  }
  assert.equal(s.report.corrections, []);
  assert.equal(s.report.noQuorum, []);
  assert.is(s.report.minority.size, 0);
  assert.equal(v.disagreements, []);
  let digest = 0;
  for (const [p, o] of changes) digest = xor53(digest, ribTerm(p, o));
  assert.is(v.ribDigest, digest);
  for (const [p, o] of changes) assert.is(v.votedOf(p), o);
});

for (const wrongArrives of ['first', 'second', 'last'] as const) {
  test(`one replica wrong on one prefix (arrives ${wrongArrives}): that prefix is voted on its own, recorded, and carried`, () => {
    const v = voter('continuous-majority', 3);
    const good = new Map<PrefixKey, number>([[A, 21], [B, 22], [C, 23], [D, 24]]);
    const bad = new Map(good).set(C, 99);
    const res = new Map([[0, result(0, 0, good)], [1, result(1, 0, bad)], [2, result(2, 0, good)]]);
    const order = wrongArrives === 'first' ? [1, 0, 2] : wrongArrives === 'second' ? [0, 1, 2] : [0, 2, 1];
    const s = vote(v, 0, res, order, [0, 1, 2]);
    // With the wrong replica among the first two answers, C waits for the third; the rest is decided at once.
    assert.equal(s.decidedAfter, wrongArrives === 'last' ? [0, 4, 4] : [0, 3, 4]);
    assert.equal(s.resolvableAfter, wrongArrives === 'last' ? [false, true, true] : [false, false, true]);
    assert.is(v.votedOf(C), 23);
    const slotC = s.rv.slot(C);
    assert.ok(s.rv.decision(slotC)!.from !== 1);
    assert.equal([...s.report.minority], [1]);
    assert.equal(v.disagreements.map((d) => [d.prefix, d.voted, d.values.find((x) => x.replica === 1)!.outcome]), [[C, 23, 99]]);
    assert.equal([...v.divergent[1]], [[C, 99]]);
    assert.is(v.divergent[0].size + v.divergent[2].size, 0);
    assert.equal(v.disagreementsPerReplica, [0, 1, 0]);

    // Next round: the wrong replica started from a divergent state: no fast path while it answers; it
    // reports C back to the right value (relative to its own start), the others do not list C at all.
    const next = new Map<PrefixKey, number>([[A, 31]]);
    const res2 = new Map([[0, result(0, 1, next)], [1, result(1, 1, new Map(next).set(C, 23))], [2, result(2, 1, next)]]);
    const s2 = vote(v, 1, res2, [1, 0, 2], [0, 1, 2]);
    assert.is(v.votedOf(A), 31);
    assert.is(v.votedOf(C), 23);
    const a2 = s2.rv.decision(s2.rv.slot(A))!;
    assert.ok(a2.view !== null && a2.view.result.outcome[a2.index] === 31, 'A is emitted from a result (relative to an agreeing start)');
    assert.is(s2.rv.decision(s2.rv.slot(C))!.value, 23);
    assert.equal(s2.report.corrections, []);
    assert.is(v.divergent[1].size, 0, 'agrees again');
    assert.is(v.disagreements.length, 1);
  });
}

test('a result listing other prefixes than the slots: general mapping, same votes', () => {
  const v = voter('continuous-majority', 3);
  const base = new Map<PrefixKey, number>([[A, 1], [B, 2]]);
  const extra = new Map(base).set(C, 3);
  const res = new Map([[0, result(0, 0, base)], [1, result(1, 0, extra)], [2, result(2, 0, base)]]);
  const s = vote(v, 0, res, [0, 1, 2], [0, 1, 2]);
  assert.is(s.rv.slots, 3);
  assert.not.ok(s.rv.identity(1));
  assert.is(v.votedOf(C), 0, 'two replicas did not change C: it keeps its voted value (none)');
  assert.is(v.votedOf(A), 1);
  assert.equal([...s.report.minority], [1]);
  assert.equal([...v.divergent[1]], [[C, 3]]);
});

test('a released round gives its decision arrays to the next one, which starts with every slot undecided', () => {
  const v = voter('continuous-majority', 3);
  const s = vote(v, 0, new Map([0, 1, 2].map((r) => [r, result(r, 0, new Map([[A, 1], [B, 2], [C, 3]]))])), [0, 1, 2], [0, 1, 2]);
  const arrays = s.rv.decidedValue;
  s.rv.release();
  assert.throws(() => s.rv.index(), /released/);
  const res = new Map([[0, result(0, 1, new Map([[A, 4], [B, 5]]))], [1, result(1, 1, new Map([[A, 4], [B, 6]]))], [2, result(2, 1, new Map([[A, 4], [B, 5]]))]]);
  const s2 = vote(v, 1, res, [0, 1], [0, 1, 2]);
  assert.ok(s2.rv.decidedValue === arrays, 'reused');
  assert.is(s2.rv.decidedCount, 1, 'B (split 5/6) is not decided by the previous round\'s leftovers');
  assert.is(s2.rv.decision(s2.rv.slot(B)), undefined);
});

test('withdrawals on the fast path remove the voted entry (and the default route is a prefix like any)', () => {
  const v = voter('continuous-majority', 3);
  const add = new Map<PrefixKey, number>([[DEFAULT, 5], [A, 6]]);
  vote(v, 0, new Map([0, 1, 2].map((r) => [r, result(r, 0, add)])), [0, 1, 2], [0, 1, 2]);
  const gone = new Map<PrefixKey, number>([[DEFAULT, 0]]);
  const s = vote(v, 1, new Map([0, 1, 2].map((r) => [r, result(r, 1, gone)])), [1, 2, 0], [0, 1, 2]);
  assert.is(v.votedOf(DEFAULT), 0);
  assert.is(v.votedOf(A), 6);
  assert.is(s.rv.decision(0)!.previous, 5);
  assert.is(v.ribDigest, ribTerm(A, 6));
});

test('no quorum: two answers of three members disagree (third faulty); the previous value is kept and reported', () => {
  for (const mode of ['continuous-majority', 'k-of-n', 'consensus'] as const) {
    const v = voter(mode, 3);
    vote(v, 0, new Map([0, 1, 2].map((r) => [r, result(r, 0, new Map([[A, 7], [B, 8]]))])), [0, 1, 2], [0, 1, 2]);
    const s = vote(v, 1, new Map([[0, result(0, 1, new Map([[A, 70], [B, 80]]))], [1, result(1, 1, new Map([[A, 71], [B, 80]]))]]), [0, 1], [0, 1, 2], [2]);
    assert.equal(s.report.noQuorum, [A], mode);
    assert.is(v.votedOf(A), 7, mode);
    assert.is(v.votedOf(B), 80, mode);
  }
});

test('consensus decides nothing before every live replica answered; then a split is decided by the majority at the close', () => {
  const v = voter('consensus', 3);
  const good = new Map<PrefixKey, number>([[A, 1], [B, 2]]);
  const res = new Map([[0, result(0, 0, good)], [1, result(1, 0, new Map(good).set(B, 9))], [2, result(2, 0, good)]]);
  const s = vote(v, 0, res, [0, 2, 1], [0, 1, 2]);
  assert.equal(s.decidedAfter, [0, 0, 1], 'A unanimously at the last answer; B only at the close');
  assert.is(s.rv.decidedCount, 2);
  assert.is(v.votedOf(B), 2);
  assert.equal([...s.report.minority], [1]);
});

test('master: the master\'s result decides at once (fast path); a wrong master is corrected at the close and replaced', () => {
  const v = voter('master', 3);
  const good = new Map<PrefixKey, number>([[A, 1], [B, 2], [C, 3]]);
  const res = new Map([[0, result(0, 0, new Map(good).set(B, 9))], [1, result(1, 0, good)], [2, result(2, 0, good)]]);
  const s = vote(v, 0, res, [0, 1, 2], [0, 1, 2]);
  assert.equal(s.decidedAfter, [3, 3, 3]);
  assert.equal(s.resolvableAfter, [true, true, true]);
  assert.equal(s.report.corrections.map((c) => [c.prefix, c.previous, c.value]), [[B, 9, 2]]);
  assert.ok(s.report.corrections[0].from !== 0);
  assert.is(s.report.failover, 1);
  assert.is(v.votedOf(B), 2);
  const d = s.rv.decision(s.rv.slot(B))!;
  assert.equal([d.value, d.previous, d.view], [2, 0, null], 'the corrected slot is restated, never taken from the overruled result');
});

test('OutcomeTable: random inserts, updates and deletes (backward shift) match a Map', () => {
  const t = new OutcomeTable();
  const m = new Map<PrefixKey, number>();
  let seed = 12345;
  const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const keys: PrefixKey[] = [DEFAULT, D, P('2001:db8:1::/48')];
  for (let i = 0; i < 3000; i++) keys.push((rnd(1 << 24) * 256) * 64 + 24); // /24s, many sharing hash buckets once the table is small
  for (let i = 0; i < 60_000; i++) {
    const p = keys[rnd(keys.length)];
    const value = rnd(4) === 0 ? 0 : 1 + rnd(1_000_000) * 8191;
    const old = t.exchange(p, value);
    assert.is(old, m.get(p) ?? 0);
    if (value === 0) m.delete(p);
    else m.set(p, value);
  }
  assert.is(t.size, m.size);
  for (const p of keys) assert.is(t.get(p), m.get(p) ?? 0);
});

// ── the fast path against the general path, random rounds ──────────────────────────────────────────────

/** Replica states driven by a random "true" RIB; replica `wrong` reports another outcome for some prefixes. */
function randomRounds(seed: number, n: number, rounds: number, wrong: number): { results: Map<number, RoundResult>[]; order: number[][]; faulty: number[][] } {
  let x = seed;
  const rnd = (m: number): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % m);
  const universe: PrefixKey[] = [DEFAULT, D];
  for (let i = 0; i < 60; i++) universe.push(((10 << 24) + i * 256) * 64 + 24);
  const state = Array.from({ length: n }, () => new Map<PrefixKey, number>());
  const out: Map<number, RoundResult>[] = [];
  const order: number[][] = [];
  const faulty: number[][] = [];
  for (let round = 0; round < rounds; round++) {
    const touched = new Map<PrefixKey, number>();
    for (let i = 0, m = 1 + rnd(25); i < m; i++) touched.set(universe[rnd(universe.length)], rnd(4) === 0 ? 0 : 1 + rnd(6));
    const results = new Map<number, RoundResult>();
    for (let r = 0; r < n; r++) {
      const changes = new Map<PrefixKey, number>();
      for (const [p, o] of touched) {
        // The wrong replica sometimes reports its own value; any replica sometimes re-converges.
        const mine = r === wrong && round % 5 === 2 && rnd(3) === 0 ? 100 + rnd(3) : o;
        if ((state[r].get(p) ?? 0) !== mine) changes.set(p, mine);
        if (mine === 0) state[r].delete(p);
        else state[r].set(p, mine);
      }
      results.set(r, result(r, round, changes));
    }
    const ord = [...Array(n).keys()].sort(() => rnd(3) - 1);
    const f = rnd(6) === 0 ? [ord.pop()!] : [];
    out.push(results);
    order.push(ord);
    faulty.push(f);
  }
  return { results: out, order, faulty };
}

function summary(v: Voter, s: Step): string {
  const decisions: unknown[] = [];
  for (let slot = 0; slot < s.rv.slots; slot++) {
    const d = s.rv.decision(slot);
    if (d === undefined) continue;
    // `from` may differ (first arrival vs first live replica with the value); it must hold the value.
    if (d.view !== null) {
      assert.is(d.view.prefixAt(d.index), d.prefix);
      assert.is(d.view.result.outcome[d.index], d.value);
    }
    decisions.push([d.prefix, d.value, d.previous]);
  }
  return JSON.stringify({
    decisions,
    decidedAfter: s.decidedAfter,
    resolvable: s.resolvableAfter,
    corrections: s.report.corrections.map((c) => [c.prefix, c.value, c.previous]),
    noQuorum: s.report.noQuorum,
    minority: [...s.report.minority].sort(),
    failover: s.report.failover,
    digest: v.ribDigest,
    divergent: v.divergent.map((m) => [...m].sort()),
    disagreements: v.disagreements.length,
    perReplica: v.disagreementsPerReplica,
  });
}

for (const [mode, k] of [['continuous-majority', 2], ['consensus', 2], ['k-of-n', 2], ['master', 1]] as const) {
  test(`${mode}: the fast path and the general path vote the same (random rounds, a wrong replica, faulty answers)`, () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const n = seed % 2 === 0 ? 3 : 5;
      const { results, order, faulty } = randomRounds(seed, n, 40, seed % n);
      const fast = voter(mode, n, k);
      const general = voter(mode, n, k, FULL_BY_BLOCKS);
      const all = [...Array(n).keys()];
      let fastRounds = 0;
      for (let round = 0; round < results.length; round++) {
        const sf = vote(fast, round, results[round], order[round], all, faulty[round]);
        const sg = vote(general, round, results[round], order[round], all, faulty[round]);
        assert.is(summary(fast, sf), summary(general, sg), `seed ${seed} round ${round}`);
        // As replica-set.ts does once a round's last delta is built: the next round reuses its arrays.
        sf.rv.release();
        sg.rv.release();
        const answered = sf.rv.answered();
        if (answered.every((r) => sf.rv.identity(r) && sf.rv.divergentAtStart[r].size === 0 && results[round].get(r)!.outcome.length === sf.rv.slots)) fastRounds++;
      }
      assert.is(fast.disagreements.length, general.disagreements.length);
      assert.ok(fast.disagreements.length > 0, 'the wrong replica was seen');
      assert.ok(fastRounds > 0, 'some rounds took the fast path');
    }
  });
}

test.run();
