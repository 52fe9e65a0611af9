/**
 * Knobs: the order seed keeps every peer's own order (a naive full permutation of the round breaks
 * equivalence, the per-peer interleaving does not), and the prefix-coverage check refuses configurations
 * that leave a prefix with fewer replicas than the mode needs.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RoutingEngine } from '../../lib/rib/engine.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { type ReplicaKnobs, interleaveByPeer, naivePermutation, PrefixCoverage, leastCovered } from '../../lib/replica/knobs.js';
import { ReplicaSet } from '../../lib/replica/replica-set.js';
import { ReplicaConfigError } from '../../lib/replica/errors.js';
import { RoundInput, writeRound, type RoundUpdate } from '../../lib/replica/mux.js';
import { xor53, digestAttributes } from '../../lib/replica/digest.js';
import { ENGINE, Model, diffModels, engineModel, loadRawJinx, makeRounds, type RawFeed } from './feed.js';

const test = suite('replica/knobs');
let feeds: RawFeed[] = [];
let round: RoundUpdate[] = [];

test.before(async () => {
  feeds = await loadRawJinx(3);
  // One round holding everything: announcements, then withdrawals of part of them (same peer, later).
  round = makeRounds(feeds, 3).flat();
});

function applyInOrder(order: ArrayLike<number>): Model {
  const e = new RoutingEngine({ ...ENGINE, resolveNextHop: () => ({ igpCost: 0 }) });
  for (const f of feeds) e.addPeer(f.peer);
  for (let j = 0; j < order.length; j++) {
    const u = round[order[j]];
    e.applyUpdate(u.peerId, decodeUpdate(u.message.subarray(19), feeds[0].peer.codec));
  }
  return engineModel(e, feeds.map((f) => f.peer.id));
}

test('interleaveByPeer is a permutation that keeps each peer’s order', () => {
  const peers = [1, 2, 1, 3, 2, 1, 3, 3];
  for (const seed of [1, 2, 3, 99]) {
    const o = interleaveByPeer(peers.length, (i) => peers[i], seed);
    assert.equal([...o].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
    for (const p of [1, 2, 3]) {
      const mine = [...o].filter((i) => peers[i] === p);
      assert.equal(mine, [...mine].sort((a, b) => a - b));
    }
  }
  assert.not.equal([...interleaveByPeer(peers.length, (i) => peers[i], 1)], [...interleaveByPeer(peers.length, (i) => peers[i], 2)]);
});

test('real round: the order-seed interleaving gives the input-order result; a naive permutation does not', () => {
  const n = round.length;
  const identity = Array.from({ length: n }, (_, i) => i);
  const want = applyInOrder(identity);
  for (const seed of [5, 6]) assert.is(diffModels(applyInOrder(interleaveByPeer(n, (i) => round[i].peerId, seed)), want), null);
  assert.ok(diffModels(applyInOrder(naivePermutation(n, 5)), want) !== null, 'a withdrawal moved before its announcement changes the result');
});

test('mux: written once, read back entry by entry', () => {
  const sab = writeRound(round.slice(0, 50));
  const r = new RoundInput(sab);
  assert.is(r.count, 50);
  for (let i = 0; i < 50; i++) {
    assert.is(r.peerId(i), round[i].peerId);
    assert.equal([...r.message(i)], [...round[i].message]);
  }
  assert.throws(() => writeRound([{ peerId: 1, message: new Uint8Array(10) }]), /not an UPDATE/);
});

test('digests: XOR accumulation cancels, attribute digests are structural and cached', () => {
  const a = digestAttributes({ origin: 0, med: 5, asPath: [] });
  const b = digestAttributes({ asPath: [], med: 5, origin: 0 });
  assert.is(a, b, 'key order does not matter');
  assert.ok(a !== digestAttributes({ origin: 0, med: 6, asPath: [] }));
  assert.ok(Number.isSafeInteger(a) && a > 0);
  assert.is(xor53(xor53(12345678901234, a), a), 12345678901234);
});

test('coverage: a prefix is covered by replicas whose blocks contain it; the minimum is at the roots', () => {
  const half = new PrefixCoverage(['0.0.0.0/1', '::/0']);
  assert.ok(half.covers(16843009 * 64 + 24));
  assert.not.ok(half.covers(0 * 64 + 0));
  assert.equal(leastCovered([new PrefixCoverage(undefined), half]), { prefix: '0.0.0.0/0', replicas: 1 });
});

function make(replicas: ReplicaKnobs[], mode: 'continuous-majority' | 'k-of-n' | 'consensus' | 'master', k?: number): ReplicaSet {
  return new ReplicaSet({ engine: ENGINE, replicas, mode, k, roundDeadlineMs: 1000, maxRoundUpdates: 10 });
}

test('ReplicaSet refuses a subset configuration leaving a prefix under-covered', () => {
  // Two half-space replicas + one full: 0.0.0.0/0 (and 1.0.0.0/8 is fine) — /0 has only 1 replica < majority 2.
  assert.throws(() => make([{}, { prefixes: ['0.0.0.0/1', '::/0'] }, { prefixes: ['128.0.0.0/1', '::/0'] }], 'continuous-majority'), (e: unknown) => e instanceof ReplicaConfigError && /0\.0\.0\.0\/0 is covered by 1/.test((e as Error).message));
  const configError = (e: unknown): boolean => e instanceof ReplicaConfigError;
  assert.throws(() => make([{}, {}, { prefixes: ['0.0.0.0/1'] }], 'k-of-n', 3), configError);
  assert.throws(() => make([{}, {}], 'k-of-n', 3), configError);
  assert.throws(() => make([{ prefixes: ['0.0.0.0/1'] }], 'master'), configError);
  assert.throws(() => make([{}, { impl: 'z' as 'a' }], 'master'), configError);
});

test('a subset replica in addition to a majority of full ones is accepted and votes only on its block', async () => {
  const set = new ReplicaSet({ engine: ENGINE, replicas: [{}, {}, { prefixes: ['0.0.0.0/1', '::/0'], orderSeed: 2 }], mode: 'continuous-majority', roundDeadlineMs: 30_000, maxRoundUpdates: 100_000 });
  await set.start();
  try {
    const model = new Model();
    for (const f of feeds) model.apply(await set.addPeer(f.peer));
    const rounds = makeRounds(feeds, 3);
    for (const r of rounds) model.apply(await set.applyRound(r));
    const e = new RoutingEngine({ ...ENGINE, resolveNextHop: () => ({ igpCost: 0 }) });
    for (const f of feeds) e.addPeer(f.peer);
    for (const r of rounds) for (const u of r) e.applyUpdate(u.peerId, decodeUpdate(u.message.subarray(19), feeds[0].peer.codec));
    assert.is(diffModels(model, engineModel(e, feeds.map((f) => f.peer.id))), null);
    for (const s of set.status()) assert.is(s.disagreements, 0);
  } finally {
    await set.close();
  }
});

test.run();
