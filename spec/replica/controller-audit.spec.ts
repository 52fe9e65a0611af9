/**
 * The FIB audit as a controller input (lib/replica/replica-set.ts confirmAuditDivergence, lib/fib/writer.ts):
 * a replica whose Loc-RIB *state* is corrupted (its round outputs were right, so the voter never saw it) is
 * found by the hash-tree audit, judged 'wrong' with evidence (prefix, its entry, the majority's and the
 * FIB's), restarted, re-synced from a healthy replica and back in the vote with the voted digest — and the
 * FIB never held the corrupted entry. Then no false verdicts: audits that overlap rounds while the FIB lags
 * the replicas (a slow speaker) report stale differences, which the between-rounds confirmation discards.
 * Real data: the jinx RIB slice (3 peers) as raw UPDATE rounds (spec/replica/feed.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatPrefix, type PrefixKey } from '../../lib/wire/prefix.js';
import { ReplicaSet, type VotedDelta } from '../../lib/replica/replica-set.js';
import { FibWriter } from '../../lib/fib/writer.js';
import { ENGINE, loadRawJinx, makeRounds, type RawFeed } from './feed.js';
import type { RoundUpdate } from '../../lib/replica/mux.js';

const test = suite('replica/controller-audit (FIB audit divergence → wrong verdict → restart, re-sync)');

let feeds: RawFeed[] = [];
let rounds: RoundUpdate[][] = [];
const SILENT = { info: () => undefined, warn: () => undefined, error: () => undefined };

test.before(async () => {
  feeds = await loadRawJinx(3);
  rounds = makeRounds(feeds, 4);
});

async function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function rig(onCorrection: (d: VotedDelta) => void, onAuditDivergence?: () => void): ReplicaSet {
  return new ReplicaSet({
    engine: ENGINE, replicas: [{ orderSeed: 1 }, { impl: 'b', orderSeed: 2 }, { orderSeed: 3, tiebreakSeed: 3 }], mode: 'continuous-majority',
    roundDeadlineMs: 30_000, maxRoundUpdates: 100_000, onCorrection, onAuditDivergence, logger: SILENT, controller: { restartBackoffMs: 50 },
  });
}

test('a corrupted Loc-RIB found by the audit: wrong verdict with evidence, restart, re-sync, voting again with the voted digest', async () => {
  const writer = new FibWriter({ backends: ['memory'] }, SILENT);
  const set = rig((d) => writer.applyLocRib(d.locRib));
  try {
    await set.start();
    await writer.start();
    for (const f of feeds) writer.applyLocRib((await set.addPeer(f.peer)).locRib);
    for (const r of rounds) writer.applyLocRib((await set.applyRound(r)).locRib);
    writer.attachReplicas(set);
    await set.settle();
    const clean = await writer.auditNow();
    assert.is(clean.differing, 0, 'every replica tree equals the FIB before the corruption');
    const all = writer.fib.toArray();
    assert.ok(all.length > 5_000, `a real table (${all.length} FIB entries)`);
    const victim: PrefixKey = all[Math.floor(all.length / 3)].prefix;
    const right = writer.fib.get(victim);

    assert.ok(await set.testCorruptLocRib(2, victim, '203.0.113.77'));
    const a = await writer.auditNow();
    assert.equal([...a.divergent], [[2, [victim]]], 'the audit finds replica 2 alone, at the corrupted prefix');
    await set.settle(); // the verdict is confirmed between rounds
    const v = set.controllerStatus().replicas[2].lastVerdict;
    assert.ok(v !== null && v.cause === 'wrong', `wrong verdict (${JSON.stringify(v)})`);
    assert.ok(v!.evidence.includes(formatPrefix(victim)) && v!.evidence.includes('next hop 203.0.113.77'), v!.evidence);
    assert.ok(v!.evidence.includes(`FIB next hop ${right!.nextHops.join(',')}`), `the FIB's entry in the evidence: ${v!.evidence}`);
    assert.is(set.controllerStatus().verdicts.wrong, 1, 'one verdict, on replica 2 only');
    assert.equal(writer.fib.get(victim), right, 'the FIB never took the corrupted entry');

    await waitFor('replica 2 back in the vote', () => set.status()[2].state === 'voting', 20_000);
    const st = set.status()[2];
    assert.is(st.generation, 1, 'restarted once');
    assert.is(st.ribDigest, set.ribDigest, 're-synced: its whole-RIB digest is the voted one');
    assert.is(set.controllerStatus().resyncs.completed, 1);
    const after = await writer.auditNow();
    assert.is(after.replicas, 3);
    assert.is(after.differing, 0, 'its Loc-RIB tree equals the FIB again');
    // One more round: all three agree, no further verdict.
    writer.applyLocRib((await set.applyRound([])).locRib);
    await set.settle();
    assert.equal(set.status().map((r) => [r.state, r.ribDigest === set.ribDigest]), [['voting', true], ['voting', true], ['voting', true]]);
    assert.is(set.controllerStatus().verdicts.wrong, 1);
  } finally {
    await writer.stop();
    await set.close();
  }
});

test('no false verdict: a report the replicas do not confirm at a round boundary (stale audit) is dropped; audits interleaved with rounds judge nobody', async () => {
  const writer = new FibWriter({ backends: ['memory'] }, SILENT);
  let reports = 0;
  const set = rig((d) => writer.applyLocRib(d.locRib), () => void reports++);
  try {
    await set.start();
    await writer.start();
    writer.attachReplicas(set);
    for (const f of feeds) writer.applyLocRib((await set.addPeer(f.peer)).locRib);
    // Audits started while rounds are posted (no speaker queue to keep them apart): the replica trees are
    // read at whatever round each replica is at.
    const audits: Promise<unknown>[] = [];
    for (const r of rounds) {
      const d = set.applyRound(r);
      audits.push(writer.auditNow());
      writer.applyLocRib((await d).locRib);
    }
    await Promise.all(audits);
    await set.settle();
    assert.is(set.controllerStatus().verdicts.wrong, 0, `no verdict from ${reports} report(s) of interleaved audits`);
    // A stale report, as an audit that overlapped a round would make: replica 1 agrees with the others at
    // the prefix, which the between-rounds confirmation finds.
    const p = writer.fib.toArray()[1000].prefix;
    set.reportAuditDivergence(1, [p], new Map([[p, null]]));
    await set.settle();
    assert.is(set.controllerStatus().verdicts.wrong, 0, 'the stale report was not confirmed');
    assert.equal(set.status().map((r) => [r.state, r.generation]), [['voting', 0], ['voting', 0], ['voting', 0]]);
    assert.is(set.status()[1].treeAuditDivergences, 1, 'but counted');
    const final = await writer.auditNow();
    assert.is(final.differing, 0, 'replicas and FIB agree');
  } finally {
    await writer.stop();
    await set.close();
  }
});

test.run();
