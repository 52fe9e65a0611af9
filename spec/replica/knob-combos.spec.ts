/**
 * Issue 4 evidence: "for random rounds, peers and policies, every combination of knobs yields identical
 * Loc-RIBs and exports to a single plain decision process". fast-check draws, per run: three replicas'
 * knobs (impl a/b, order seed, tie-break seed, delay/jitter, layout, address-block subsets that still give
 * every prefix two replicas), the voting mode, how many rounds the real jinx slice is cut into, and each
 * peer's import/export policy (local-pref on a random block, reject paths through a random ASN seen in the
 * data, prepend, MED). The voted deltas, folded, must equal one RoutingEngine fed the same messages in
 * arrival order, with no disagreement and no quorum miss.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { RoutingEngine } from '../../lib/rib/engine.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { ReplicaSet, type VotingMode } from '../../lib/replica/replica-set.js';
import type { ReplicaKnobs } from '../../lib/replica/knobs.js';
import type { RoundUpdate } from '../../lib/replica/mux.js';
import type { Policy } from '../../lib/policy/types.js';
import type { EnginePeer } from '../../lib/rib/types.js';
import { ENGINE, Model, diffModels, engineModel, loadRawJinx, makeRounds, type RawFeed } from './feed.js';

const test = suite('replica/knob-combos (fast-check, jinx slice)');
const PEERS = 3;
/** UPDATEs per peer taken from the slice: enough for thousands of prefixes, small enough for many runs. */
const MESSAGES_PER_PEER = 600;
let base: RawFeed[] = [];
/** ASNs that really occur as a path's second hop in the slice (so reject terms bite). */
let seenAsns: number[] = [];

test.before(async () => {
  base = (await loadRawJinx(PEERS)).map((f) => ({ peer: f.peer, messages: f.messages.slice(0, MESSAGES_PER_PEER) }));
  const asns = new Set<number>();
  for (const f of base) {
    for (const m of f.messages.slice(0, 200)) {
      const u = decodeUpdate(m.subarray(19), f.peer.codec, null);
      const seg = u.attributes?.asPath?.[0];
      if (seg && seg.asns.length > 1) asns.add(seg.asns[1]);
    }
  }
  seenAsns = [...asns].sort((a, b) => a - b);
});

const arbBlock = fc.integer({ min: 0, max: 15 }).map((i) => `${i * 16}.0.0.0/4`);

const arbImport = fc.record({
  prefBlock: fc.option(arbBlock, { nil: undefined }),
  localPref: fc.integer({ min: 50, max: 300 }),
  rejectAsIndex: fc.option(fc.nat(), { nil: undefined }),
  med: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
}).map(({ prefBlock, localPref, rejectAsIndex, med }): Policy => {
  const terms: Policy['terms'] = [];
  if (rejectAsIndex !== undefined && seenAsns.length > 0) terms.push({ match: { asPathContains: [seenAsns[rejectAsIndex % seenAsns.length]] }, action: 'reject' });
  if (prefBlock !== undefined) terms.push({ match: { prefixes: [{ prefix: prefBlock, le: 32 }] }, action: 'accept', set: { localPref } });
  if (med !== undefined) terms.push({ action: 'accept', set: { med } });
  return { terms, default: 'accept' };
});

const arbExport = fc.record({ prepend: fc.integer({ min: 0, max: 2 }), rejectBlock: fc.option(arbBlock, { nil: undefined }) }).map(({ prepend, rejectBlock }): Policy => ({
  terms: [
    ...(rejectBlock !== undefined ? [{ match: { prefixes: [{ prefix: rejectBlock, le: 32 }] }, action: 'reject' as const }] : []),
    ...(prepend > 0 ? [{ action: 'accept' as const, set: { prepend } }] : []),
  ],
  default: 'accept',
}));

const arbKnobs: fc.Arbitrary<ReplicaKnobs> = fc.record({
  impl: fc.constantFrom('a' as const, 'b' as const),
  orderSeed: fc.option(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { nil: undefined }),
  tiebreakSeed: fc.option(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { nil: undefined }),
  delayMs: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  jitterMs: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  reverseScan: fc.boolean(),
  pad: fc.option(fc.constantFrom(10, 100), { nil: undefined }),
}).map((k) => ({
  impl: k.impl,
  ...(k.orderSeed !== undefined ? { orderSeed: k.orderSeed } : {}),
  ...(k.tiebreakSeed !== undefined ? { tiebreakSeed: k.tiebreakSeed } : {}),
  ...(k.delayMs !== undefined ? { delayMs: k.delayMs } : {}),
  ...(k.jitterMs !== undefined ? { jitterMs: k.jitterMs } : {}),
  layout: { reverseScan: k.reverseScan, ...(k.pad !== undefined ? { padEveryUpdates: k.pad, padBytes: 1024 } : {}) },
}));

/**
 * Either 3 replicas covering everything, or 5 with address-block subsets. A prefix is covered only by the
 * blocks it lies inside, so 0.0.0.0/0 itself needs /0 blocks: with 5 replicas — two full, one 0.0.0.0/0,
 * and the two IPv4 halves (each with ::/0) — every prefix has ≥ 3 replicas, a strict majority.
 */
const arbSubsets = fc.boolean();
const arbMode = fc.constantFrom<[VotingMode, number | undefined]>(['continuous-majority', undefined], ['consensus', undefined], ['master', undefined], ['k-of-n', 2]);

interface Case {
  knobs: ReplicaKnobs[];
  split: boolean;
  mode: [VotingMode, number | undefined];
  rounds: number;
  imports: Policy[];
  exports: Policy[];
}

const arbCase: fc.Arbitrary<Case> = fc.record({
  knobs: fc.array(arbKnobs, { minLength: 5, maxLength: 5 }),
  split: arbSubsets,
  mode: arbMode,
  rounds: fc.integer({ min: 1, max: 5 }),
  imports: fc.array(arbImport, { minLength: PEERS, maxLength: PEERS }),
  exports: fc.array(arbExport, { minLength: PEERS, maxLength: PEERS }),
});

function withPolicies(c: Case): RawFeed[] {
  return base.map((f, i) => ({ messages: f.messages, peer: { ...f.peer, importPolicy: c.imports[i], exportPolicy: c.exports[i] } satisfies EnginePeer }));
}

async function check(c: Case): Promise<void> {
  const feeds = withPolicies(c);
  const rounds: RoundUpdate[][] = makeRounds(feeds, c.rounds);
  const ref = new RoutingEngine({ ...ENGINE, resolveNextHop: () => ({ igpCost: 0 }) });
  for (const f of feeds) ref.addPeer(f.peer);
  for (const round of rounds) for (const u of round) ref.applyUpdate(u.peerId, decodeUpdate(u.message.subarray(19), feeds.find((f) => f.peer.id === u.peerId)!.peer.codec));
  const reference = engineModel(ref, feeds.map((f) => f.peer.id));

  const blocks: (string[] | undefined)[] = [undefined, undefined, ['0.0.0.0/0'], ['0.0.0.0/1', '::/0'], ['128.0.0.0/1', '::/0']];
  const knobs = c.split ? c.knobs.map((k, i) => (blocks[i] ? { ...k, prefixes: blocks[i] } : k)) : c.knobs.slice(0, 3);
  const [mode, k] = c.mode;
  const set = new ReplicaSet({ engine: ENGINE, replicas: knobs, mode, ...(k !== undefined ? { k } : {}), roundDeadlineMs: 30_000, maxRoundUpdates: 100_000 });
  await set.start();
  try {
    const model = new Model();
    for (const f of feeds) model.apply(await set.addPeer(f.peer));
    for (const round of rounds) {
      const d = await set.applyRound(round);
      assert.is(d.noQuorum.length, 0, 'no quorum miss');
      model.apply(d);
    }
    const late = await set.settle();
    if (late) model.apply(late);
    const diff = diffModels(model, reference);
    assert.is(diff, null, `voted state differs from one RoutingEngine: ${diff}\ncase: ${JSON.stringify(c)}`);
    for (const s of set.status()) {
      assert.ok(s.alive, `replica ${s.index} alive`);
      assert.is(s.disagreements, 0, `replica ${s.index} disagreed (knobs ${JSON.stringify(s.knobs)})`);
      assert.is(s.selfCheckFailures, 0);
    }
  } finally {
    await set.close();
  }
}

test('the slice is large enough for the property to mean something', () => {
  assert.is(base.length, PEERS);
  const ref = new RoutingEngine({ ...ENGINE, resolveNextHop: () => ({ igpCost: 0 }) });
  for (const f of base) ref.addPeer(f.peer);
  for (const f of base) for (const m of f.messages) ref.applyUpdate(f.peer.id, decodeUpdate(m.subarray(19), f.peer.codec));
  const n = [...ref.locRib()].length;
  assert.ok(n > 1500, `${n} prefixes`);
  assert.ok(seenAsns.length > 3, `${seenAsns.length} ASNs to reject on`);
});

test('every knob combination, mode and policy set: voted Loc-RIB and exports = one plain decision process', async () => {
  await fc.assert(fc.asyncProperty(arbCase, check), { numRuns: Number(process.env.BTRD_KNOB_RUNS ?? 6), seed: Number(process.env.BTRD_KNOB_SEED ?? Date.now() % 2 ** 31), verbose: 1 });
});

test.run();
