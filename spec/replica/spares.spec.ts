/**
 * Warm spares (lib/replica/replica-set.ts, issue 5), in all four voting modes: 3 voting replicas + 1 spare on real UPDATEs (the jinx
 * RIB slice). A voting replica crashes (fault: crash in its 5th round, impl a only): the spare, whose digest
 * matched the majority's every round, takes its seat at the boundary of the round that failed — the next
 * round is voted by 3 again (counted in rounds: the spare answers it) — nothing wrong is ever voted (oracle:
 * one RoutingEngine fed the same input), and the failed replica, restarted (rotated to impl b) and
 * re-synced, becomes the spare. Without spares the same crash leaves 2 voting until the replica is back, in
 * its own seat. A spare that goes wrong is judged as a spare (digest check) and never promoted.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ReplicaSet, type VotedDelta, type VotingMode } from '../../lib/replica/replica-set.js';
import type { ReplicaKnobs } from '../../lib/replica/knobs.js';
import type { RoundUpdate } from '../../lib/replica/mux.js';
import { ENGINE, Model, diffModels, loadRawJinx, makeRounds, oracleModels, type RawFeed } from './feed.js';

const test = suite('replica/spares (warm spares: 3 voting + 1 spare)');
const PER_PEER = 150;
let feeds: RawFeed[] = [];
let rounds: RoundUpdate[][] = [];
const oracle: Model[] = [];

test.before(async () => {
  feeds = (await loadRawJinx(3)).map((f) => ({ peer: f.peer, messages: f.messages.slice(0, PER_PEER) }));
  rounds = makeRounds(feeds, 6);
  oracle.push(...oracleModels(feeds, rounds));
});

async function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Line {
  readonly level: string;
  readonly msg: string;
  readonly o: Record<string, unknown>;
}
function recorder(): { lines: Line[]; logger: Record<'info' | 'warn' | 'error', (o: object, msg: string) => void> } {
  const lines: Line[] = [];
  const keep = (level: string) => (o: object, msg: string): void => void lines.push({ level, msg, o: o as Record<string, unknown> });
  return { lines, logger: { info: keep('info'), warn: keep('warn'), error: keep('error') } };
}

/** Voting replica 1 crashes in its 5th round (the 2nd UPDATE round); impl a only, so its restart (impl b) is healthy. */
const CRASHING: ReplicaKnobs = { impl: 'a', orderSeed: 7, fault: { crashAfterRounds: 5, onlyImpl: 'a' } };
const VOTERS: ReplicaKnobs[] = [{ impl: 'b', orderSeed: 2 }, CRASHING, { impl: 'b', orderSeed: 9, tiebreakSeed: 9 }];
/** The spare differs from every voting replica: its own order and tie-break seeds, reversed scan. */
const SPARE: ReplicaKnobs = { impl: 'b', orderSeed: 11, tiebreakSeed: 11, layout: { reverseScan: true } };

interface Run {
  readonly set: ReplicaSet;
  readonly lines: Line[];
  /** Per awaited input: its round and the voting replicas right after it resolved. */
  readonly after: { round: number; voting: number; spareRounds: number }[];
  /** Index (in `after`) of the first input posted after replica 1's verdict was logged. */
  firstAfterVerdict(): number;
  readonly deltas: VotedDelta[];
  readonly inputAt: Map<number, number>;
}

async function feedAll(mode: VotingMode, spares: readonly ReplicaKnobs[], voters: readonly ReplicaKnobs[] = VOTERS): Promise<Run> {
  const { lines, logger } = recorder();
  const deltas: VotedDelta[] = [];
  const set = new ReplicaSet({
    engine: ENGINE, replicas: voters, spares, mode, ...(mode === 'k-of-n' ? { k: 2 } : {}), roundDeadlineMs: 20_000, maxRoundUpdates: 100_000,
    controller: { restartBackoffMs: 300, wrongThreshold: { m: 2, w: 4 } }, onCorrection: (d) => deltas.push(d), logger,
  });
  await set.start();
  const after: Run['after'] = [];
  const inputAt = new Map<number, number>();
  let input = 0;
  const one = async (post: () => Promise<VotedDelta>): Promise<void> => {
    lines.push({ level: 'test', msg: 'input posted', o: { input } }); // orders posts with the set's log lines
    const d = await post();
    deltas.push(d);
    inputAt.set(d.round, input++);
    after.push({ round: d.round, voting: set.controllerStatus().voting, spareRounds: spares.length > 0 ? set.status()[3].rounds : 0 });
  };
  for (const f of feeds) await one(() => set.addPeer(f.peer));
  for (const r of rounds) await one(() => set.applyRound(r));
  const firstAfterVerdict = (): number => {
    const v = lines.findIndex((l) => l.msg.includes('judged faulty') && l.o.replica === 1);
    const post = lines.findIndex((l, i) => i > v && l.msg === 'input posted');
    return v < 0 || post < 0 ? -1 : (lines[post].o.input as number);
  };
  return { set, lines, after, deltas, inputAt, firstAfterVerdict };
}

/** Fold the deltas in order; at each round boundary the voted state must equal the oracle's; no wrong entry ever. */
function checkVoted(run: Run): void {
  const model = new Model();
  let lastInput = -1;
  let wrong = 0;
  for (let j = 0; j < run.deltas.length; j++) {
    const d = run.deltas[j];
    const i = run.inputAt.get(d.round);
    if (i !== undefined) lastInput = i;
    for (const x of d.locRib) {
      const want = oracle[lastInput].loc.get(x.prefix) ?? null;
      if ((want?.peerId ?? null) !== (x.best?.peerId ?? null) || (want?.nextHop ?? null) !== (x.best?.nextHop ?? null)) wrong++;
    }
    model.apply(d);
    const next = run.deltas[j + 1];
    if (next === undefined || next.round > d.round) assert.is(diffModels(model, oracle[lastInput]), null, `after round ${d.round} (input ${lastInput})`);
  }
  assert.is(wrong, 0, 'no wrong Loc-RIB entry ever emitted');
  assert.is(diffModels(model, oracle[oracle.length - 1]), null);
}

for (const mode of ['continuous-majority', 'consensus', 'k-of-n', 'master'] as const) {
  test(`${mode}: a crash — the spare votes in the next round, nothing wrong voted, the restarted replica becomes the spare`, async () => {
    const run = await feedAll(mode, [SPARE]);
    const { set } = run;
    try {
      const v = set.controllerStatus().replicas[1].lastVerdict;
      assert.ok(v !== null && v.cause === 'crash', `replica 1 crashed: ${JSON.stringify(v)}`);
      const crashRound = v!.round;
      // Measured in rounds: the first input posted after the verdict was voted by 3, the spare among them
      // (an input already posted when the crash was seen is voted by the 2 others: 2 of 3 seats, a quorum).
      const at = run.firstAfterVerdict();
      const trace = JSON.stringify({ crashRound, at, after: run.after });
      assert.ok(at > 0 && run.after[at - 1].round >= crashRound, trace);
      assert.is(run.after.slice(0, at).filter((a) => a.round < crashRound).every((a) => a.spareRounds === 0), true, 'the spare did not vote before the crash');
      assert.is(run.after[at].voting, 3, `vote back to 3 for the next round posted: ${trace}`);
      assert.ok(run.after[at].spareRounds > run.after[at - 1].spareRounds, `the spare answered it as a voter: ${trace}`);
      assert.ok(run.after[at].round - crashRound <= 3, `promotion within the round after the crash (+ its re-vote round): ${trace}`);
      const promo = run.lines.find((l) => l.msg.includes('promoted into the vote'));
      assert.ok(promo !== undefined, 'promotion logged');
      assert.equal([promo!.o.spare, promo!.o.replaces], [3, 1]);
      checkVoted(run);

      await waitFor('replica 1 restarted, re-synced and a spare', () => set.status()[1].state === 'spare', 30_000);
      // Two more rounds: the new spare follows them with the majority's digest (else it would be judged wrong).
      for (let i = 0; i < 2; i++) await set.applyRound([]);
      await set.settle();
      await waitFor('the spare caught up', () => set.status()[1].ribDigest === set.ribDigest, 5_000);
      const st = set.controllerStatus();
      const s = set.status();
      assert.equal(s.map((r) => [r.role, r.state]), [['voting', 'voting'], ['spare', 'spare'], ['voting', 'voting'], ['voting', 'voting']]);
      assert.is(s[1].generation, 1);
      assert.is(s[1].knobs.impl, 'b', 'restarted with rotated diversity');
      assert.is(st.voting, 3);
      assert.is(st.quorum, mode === 'master' ? 1 : 2, 'quorum over the 3 voting seats, not the 4 replicas');
      assert.equal(st.spares, { configured: 1, ready: 1, promotions: 1 });
      assert.not.ok(st.degraded, String(st.degradedReason));
      assert.is(st.verdicts.crash, 1);
      assert.is(st.verdicts.wrong, 0, 'the spare was never judged');
      assert.ok(run.lines.some((l) => l.msg.includes('now a warm spare')));
    } finally {
      await set.close();
    }
  });
}

test('without spares the same crash leaves 2 voting until the replica is back in its own seat', async () => {
  const run = await feedAll('continuous-majority', []);
  const { set } = run;
  try {
    const at = run.firstAfterVerdict();
    assert.ok(at > 0);
    assert.is(run.after[at].voting, 2, `2 voting in the next round posted: ${JSON.stringify(run.after)}`);
    checkVoted(run);
    await waitFor('replica 1 back in the vote', () => set.status()[1].state === 'voting', 30_000);
    const st = set.controllerStatus();
    assert.is(st.voting, 3);
    assert.equal(st.spares, { configured: 0, ready: 0, promotions: 0 });
    assert.ok(set.status().every((r) => r.role === 'voting'));
    assert.not.ok(run.lines.some((l) => l.msg.includes('spare')));
  } finally {
    await set.close();
  }
});

test('a spare that goes wrong is judged as a spare (digest check), restarted, and back as a spare; never promoted', async () => {
  const healthy: ReplicaKnobs[] = [{ impl: 'b', orderSeed: 2 }, { impl: 'a', orderSeed: 5 }, { impl: 'b', orderSeed: 9 }];
  // Wrong best for half the address space, in impl b only (its restart runs impl a).
  const wrongSpare: ReplicaKnobs = { impl: 'b', orderSeed: 11, fault: { wrongBestInRange: '0.0.0.0/1', wrongBestPrefers: 'longest-as-path', onlyImpl: 'b' } };
  const run = await feedAll('continuous-majority', [wrongSpare], healthy);
  const { set } = run;
  try {
    await waitFor('the spare judged', () => set.controllerStatus().replicas[3].lastVerdict !== null, 10_000);
    const v = set.controllerStatus().replicas[3].lastVerdict!;
    assert.is(v.cause, 'wrong');
    assert.ok(v.evidence.startsWith('as a spare:') && v.evidence.includes('majority'), v.evidence);
    await waitFor('back as a spare', () => set.status()[3].state === 'spare' && set.status()[3].generation === 1, 30_000);
    const st = set.controllerStatus();
    assert.is(st.spares.promotions, 0);
    assert.equal(set.status().map((r) => [r.role, r.state, r.generation]), [['voting', 'voting', 0], ['voting', 'voting', 0], ['voting', 'voting', 0], ['spare', 'spare', 1]]);
    assert.not.ok(st.degraded, 'a spare down does not degrade the vote');
    checkVoted(run);
  } finally {
    await set.close();
  }
});

test('operator restart of a voting replica: the spare takes its seat before the next round, the restarted one becomes the spare', async () => {
  const healthy: ReplicaKnobs[] = [{ impl: 'b', orderSeed: 2 }, { impl: 'a', orderSeed: 5 }, { impl: 'b', orderSeed: 9 }];
  const run = await feedAll('continuous-majority', [SPARE], healthy);
  const { set } = run;
  try {
    await set.settle();
    assert.equal(set.restartReplica(0), { ok: true });
    const before = set.status()[3].rounds;
    await set.applyRound([]);
    const s = set.status();
    assert.equal([s[3].role, s[3].state], ['voting', 'voting'], 'the spare holds replica 0\'s seat');
    assert.ok(s[3].rounds > before, 'and answered the round posted after the restart');
    assert.is(set.controllerStatus().voting, 3);
    await waitFor('replica 0 back as the spare', () => set.status()[0].state === 'spare', 30_000);
    assert.is(set.status()[0].role, 'spare');
    assert.is(set.controllerStatus().operatorRestarts, 1);
    assert.equal(set.controllerStatus().spares, { configured: 1, ready: 1, promotions: 1 });
    checkVoted(run);
  } finally {
    await set.close();
  }
});

test('spares: refused with one replica and with address blocks', () => {
  const base = { engine: ENGINE, mode: 'continuous-majority' as const, roundDeadlineMs: 1000, maxRoundUpdates: 10 };
  assert.throws(() => new ReplicaSet({ ...base, replicas: [{}], spares: [{}] }), /spares: .*at least 2 replicas/);
  assert.throws(() => new ReplicaSet({ ...base, replicas: [{}, {}], spares: [{ prefixes: ['0.0.0.0/1'] }] }), /spares\[0\]\.prefixes/);
});

test.run();
