/**
 * Poison input (the long-AS_PATH incident: routers crashed on a route and again after every restart) at the
 * ReplicaSet level, with real UPDATEs: one synthetic UPDATE with a 300-hop AS_PATH inside a round of the
 * jinx slice, and the crash-on-long-AS_PATH fault (shared code: a restart does not cure it) on 2 of 3
 * replicas. Expected: the round has no quorum (the survivor never decides alone), the bisection isolates
 * exactly that UPDATE, it is quarantined (treat-as-withdraw, hex logged), both replicas recover and stay up,
 * its prefix is never announced, every other route converges to the oracle's, and the same UPDATE sent again
 * is replaced by its withdrawal. Also: a replica that keeps failing is retired and the set degrades
 * explicitly but keeps answering.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RoutingEngine } from '../../lib/rib/engine.js';
import { decodeUpdate, encodeUpdate } from '../../lib/wire/update.js';
import { parsePrefix } from '../../lib/wire/prefix.js';
import { ReplicaSet, type VotedDelta, type VotingMode } from '../../lib/replica/replica-set.js';
import type { ReplicaKnobs } from '../../lib/replica/knobs.js';
import type { RoundUpdate } from '../../lib/replica/mux.js';
import { ENGINE, Model, diffModels, engineModel, loadRawJinx, makeRounds, type RawFeed } from './feed.js';

const test = suite('replica/poison (quarantine, retire)');
const POISON_PREFIX = '198.51.100.0/24';
let feeds: RawFeed[] = [];
let rounds: RoundUpdate[][] = [];
let poison: RoundUpdate;
let oracle: Model;

test.before(async () => {
  feeds = (await loadRawJinx(3)).map((f) => ({ peer: f.peer, messages: f.messages.slice(0, 300) }));
  rounds = makeRounds(feeds, 4);
  const p = feeds[1].peer;
  const asPath = [{ type: 2 as const, asns: [p.asn, ...Array.from({ length: 299 }, (_, i) => 64_600 + (i % 50))] }];
  poison = { peerId: p.id, message: encodeUpdate({ attributes: { origin: 0, asPath, nextHop: p.address }, nlri: [parsePrefix(POISON_PREFIX)] }, p.codec) };
  // In the middle of round 2 of real UPDATEs.
  rounds[2].splice(rounds[2].length >> 1, 0, poison);
  // Oracle: one engine, the poison UPDATE treated as withdraw (its prefix was never announced before).
  const e = new RoutingEngine({ ...ENGINE, resolveNextHop: () => ({ igpCost: 0 }) });
  for (const f of feeds) e.addPeer(f.peer);
  for (const round of rounds) for (const u of round) if (u !== poison) e.applyUpdate(u.peerId, decodeUpdate(u.message.subarray(19), p.codec));
  oracle = engineModel(e, feeds.map((f) => f.peer.id));
});

async function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const announcesPoison = (d: VotedDelta): boolean => {
  const key = parsePrefix(POISON_PREFIX);
  if (d.locRib.some((x) => x.prefix === key && x.best !== null)) return true;
  for (const o of d.out.values()) if (o.announce.has(key)) return true;
  return false;
};

for (const [mode, k] of [['continuous-majority', undefined], ['master', undefined], ['consensus', undefined], ['k-of-n', 2]] as [VotingMode, number | undefined][]) {
  test(`${mode}: the 300-hop AS_PATH UPDATE is isolated and quarantined; replicas recover; its prefix is never announced`, async () => {
    const bug = { crashAsPathLongerThan: 255 };
    const knobs: ReplicaKnobs[] = [{ impl: 'a', orderSeed: 1, fault: bug }, { impl: 'b', orderSeed: 2, fault: bug }, { impl: 'a', orderSeed: 3 }];
    const deltas: VotedDelta[] = [];
    const set = new ReplicaSet({ engine: ENGINE, replicas: knobs, mode, k, roundDeadlineMs: 20_000, maxRoundUpdates: 100_000, controller: { restartBackoffMs: 50 }, onCorrection: (d) => deltas.push(d) });
    await set.start();
    try {
      for (const f of feeds) deltas.push(await set.addPeer(f.peer));
      for (const round of rounds) deltas.push(await set.applyRound(round));
      await waitFor('both crashed replicas back in the vote', () => {
        const st = set.controllerStatus();
        return st.voting === 3 && st.replicas[0].generation >= 1 && st.replicas[1].generation >= 1;
      }, 30_000);
      await set.settle();
      let st = set.controllerStatus();
      assert.is(st.quarantinedTotal, 1, JSON.stringify(st.quarantine.map((q) => q.prefixes)));
      const q = st.quarantine[0];
      assert.is(q.hex, Buffer.from(poison.message).toString('hex'), 'exactly the poison UPDATE, logged in hex');
      assert.equal(q.prefixes, [POISON_PREFIX]);
      assert.is(q.peerId, poison.peerId);
      assert.match(q.reason, /AS_PATH of 300/);
      assert.ok(st.verdicts.crash >= 2);
      assert.not.ok(deltas.some(announcesPoison), 'the poison prefix never reached the voted output');
      const model = new Model();
      for (const d of deltas) model.apply(d);
      assert.is(diffModels(model, oracle), null);
      // The same UPDATE again (e.g. after a session reset): replaced by its withdrawal, nobody crashes.
      const gens = st.replicas.map((r) => r.generation);
      const d = await set.applyRound([poison, ...rounds[3].slice(0, 10)]);
      assert.not.ok(announcesPoison(d));
      await set.settle();
      st = set.controllerStatus();
      assert.is(st.quarantine[0].hits, 1);
      assert.equal(st.replicas.map((r) => r.generation), gens, 'no replica crashed again');
      assert.is(st.voting, 3);
      assert.not.ok(st.degraded);
    } finally {
      await set.close();
    }
  });
}

test('a replica that keeps failing is retired; the set degrades explicitly and keeps answering', async () => {
  // Crashes in every instance's 4th round (not input-related: the bisection finds no poison), max 1 restart.
  const knobs: ReplicaKnobs[] = [{ impl: 'a', orderSeed: 1 }, { impl: 'b', orderSeed: 2, fault: { crashAfterRounds: feeds.length + 1 } }, { impl: 'a', orderSeed: 3 }];
  const deltas: VotedDelta[] = [];
  const set = new ReplicaSet({ engine: ENGINE, replicas: knobs, mode: 'continuous-majority', roundDeadlineMs: 20_000, maxRoundUpdates: 100_000, controller: { restartBackoffMs: 20, maxRestarts: 1 }, onCorrection: (d) => deltas.push(d) });
  await set.start();
  try {
    for (const f of feeds) deltas.push(await set.addPeer(f.peer));
    for (const round of rounds.map((r) => r.filter((u) => u !== poison))) deltas.push(await set.applyRound(round));
    await waitFor('replica 1 retired', () => set.controllerStatus().retired.includes(1), 30_000);
    await set.settle();
    const st = set.controllerStatus();
    assert.is(st.replicas[1].state, 'retired');
    assert.is(st.replicas[1].restarts, 1);
    assert.ok(st.degraded);
    assert.match(st.degradedReason ?? '', /retired/);
    assert.is(st.voting, 2);
    assert.is(st.quorum, 2);
    assert.is(st.quarantinedTotal, 0, 'not an input problem: nothing quarantined');
    const model = new Model();
    for (const d of deltas) model.apply(d);
    assert.is(diffModels(model, oracle), null, 'the two remaining replicas carried on');
  } finally {
    await set.close();
  }
});

test.run();
