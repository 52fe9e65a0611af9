/**
 * Equivalence on real data: the jinx RIB slice (4 peers) as raw UPDATE rounds (announcements interleaved
 * across peers, later rounds withdrawing earlier NLRI). Three replicas with different knobs agree on every
 * round (no disagreement, equal whole-RIB digests), and the voted deltas, folded, equal one RoutingEngine's
 * Loc-RIB and Adj-RIB-Outs. replicas = 1 (direct fast path) gives the same.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RoutingEngine } from '../../lib/rib/engine.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { ReplicaSet, type VotingMode } from '../../lib/replica/replica-set.js';
import type { ReplicaKnobs } from '../../lib/replica/knobs.js';
import type { RoundUpdate } from '../../lib/replica/mux.js';
import { ENGINE, Model, diffModels, engineModel, loadRawJinx, makeRounds, type RawFeed } from './feed.js';

const test = suite('replica/equivalence (jinx slice, 4 peers)');
let feeds: RawFeed[] = [];
let rounds: RoundUpdate[][] = [];
let reference: Model;

const DIVERSE: ReplicaKnobs[] = [
  {},
  { orderSeed: 7, jitterMs: 3, tiebreakSeed: 11, layout: { padEveryUpdates: 50, padBytes: 2048, resourceLimits: { maxOldGenerationSizeMb: 512 } } },
  { impl: 'b', orderSeed: 12345, delayMs: 2, layout: { reverseScan: true } },
];

test.before(async () => {
  feeds = await loadRawJinx(4);
  rounds = makeRounds(feeds, 6);
  const e = new RoutingEngine({ ...ENGINE, resolveNextHop: () => ({ igpCost: 0 }) });
  for (const f of feeds) e.addPeer(f.peer);
  for (const round of rounds) for (const u of round) e.applyUpdate(u.peerId, decodeUpdate(u.message.subarray(19), feeds.find((f) => f.peer.id === u.peerId)!.peer.codec));
  reference = engineModel(e, feeds.map((f) => f.peer.id));
});

async function runSet(knobs: ReplicaKnobs[], mode: VotingMode, k?: number): Promise<{ model: Model; set: ReplicaSet }> {
  const set = new ReplicaSet({ engine: ENGINE, replicas: knobs, mode, k, roundDeadlineMs: 30_000, maxRoundUpdates: 100_000 });
  await set.start();
  const model = new Model();
  try {
    for (const f of feeds) model.apply(await set.addPeer(f.peer));
    for (const round of rounds) {
      const d = await set.applyRound(round);
      model.apply(d);
      assert.is(d.noQuorum.length, 0);
    }
    const c = await set.settle();
    if (c) model.apply(c);
  } catch (e) {
    await set.close();
    throw e;
  }
  return { model, set };
}

test('the slice gives several rounds with withdrawals', () => {
  assert.is(feeds.length, 4);
  assert.is(rounds.length, 6);
  assert.ok(reference.loc.size > 5000, `${reference.loc.size} prefixes`);
});

test('replicas=3, diverse knobs, continuous-majority: no disagreement, voted result = one RoutingEngine', async () => {
  const { model, set } = await runSet(DIVERSE, 'continuous-majority');
  try {
    const st = set.status();
    for (const s of st) {
      assert.ok(s.alive, `replica ${s.index} alive`);
      assert.is(s.disagreements, 0, `replica ${s.index} disagreements`);
      assert.is(s.divergentPrefixes, 0);
      assert.is(s.selfCheckFailures, 0);
      assert.is(s.auditMismatches, 0, `replica ${s.index}: whole-RIB digest equals the voted one every round`);
      assert.is(s.rounds, feeds.length + rounds.length);
    }
    assert.is(set.disagreements().length, 0);
    assert.is(diffModels(model, reference), null);
    assert.ok(set.ribDigest !== 0);
  } finally {
    await set.close();
  }
});

for (const [mode, k] of [['master', undefined], ['k-of-n', 2], ['consensus', undefined]] as const) {
  test(`replicas=3, diverse knobs, ${mode}: voted result = one RoutingEngine`, async () => {
    const { model, set } = await runSet(DIVERSE, mode, k);
    try {
      assert.is(diffModels(model, reference), null);
      for (const s of set.status()) assert.is(s.disagreements, 0);
    } finally {
      await set.close();
    }
  });
}

test('replicas=1 (direct fast path): same result', async () => {
  const { model, set } = await runSet([{}], 'continuous-majority');
  try {
    assert.is(diffModels(model, reference), null);
  } finally {
    await set.close();
  }
});

test('removePeer through the set: the voted state follows one engine', async () => {
  const set = new ReplicaSet({ engine: ENGINE, replicas: DIVERSE, mode: 'continuous-majority', roundDeadlineMs: 30_000, maxRoundUpdates: 100_000 });
  await set.start();
  try {
    const model = new Model();
    const e = new RoutingEngine({ ...ENGINE, resolveNextHop: () => ({ igpCost: 0 }) });
    for (const f of feeds) {
      model.apply(await set.addPeer(f.peer));
      e.addPeer(f.peer);
    }
    for (const round of rounds.slice(0, 3)) {
      model.apply(await set.applyRound(round));
      for (const u of round) e.applyUpdate(u.peerId, decodeUpdate(u.message.subarray(19), feeds[0].peer.codec));
    }
    const gone = feeds[2].peer.id;
    model.apply(await set.removePeer(gone));
    model.removePeer(gone);
    e.removePeer(gone);
    assert.is(diffModels(model, engineModel(e, feeds.map((f) => f.peer.id).filter((p) => p !== gone))), null);
    const out = await set.adjRibOut(feeds[0].peer.id);
    assert.is(out.announce.size, e.adjRibOut(feeds[0].peer.id).announce.size);
  } finally {
    await set.close();
  }
});

test.run();
