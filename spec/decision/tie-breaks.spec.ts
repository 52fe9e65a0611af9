import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { TIE_BREAKS, compareRoutes, type TieBreakStep } from '../../lib/decision/tie-breaks.js';
import { beatsBeforeMed, selectBestPath } from '../../lib/decision/best-path.js';
import type { Candidate } from '../../lib/decision/types.js';

const test = suite('decision/tie-breaks');

interface C extends Candidate {
  readonly name: string;
}

let nextPeer = 1;
function cand(name: string, o: Partial<{ reachable: boolean; localPref: number; asPathLength: number; origin: number; med: number; medGroup: number; ebgp: boolean; igpCost: number; routerId: number; originatorId: number; clusterListLength: number; address: string; pathId: number; peerId: number }> = {}): C {
  return {
    name,
    rank: { localPref: o.localPref ?? 100, asPathLength: o.asPathLength ?? 2, origin: o.origin ?? 0, med: o.med ?? 0, medGroup: o.medGroup ?? 65001, originatorId: o.originatorId ?? -1, clusterListLength: o.clusterListLength ?? 0 },
    peer: { peerId: o.peerId ?? nextPeer++, ebgp: o.ebgp ?? true, routerId: o.routerId ?? 100, addressKey: (o.address ?? 'ffff0a000001').padStart(32, '0') },
    nh: { reachable: o.reachable ?? true, igpCost: o.igpCost ?? 0 },
    pathId: o.pathId ?? 0,
  };
}

/** Both orders give the same winner, decided by `step`. */
function decides(step: TieBreakStep, winner: C, loser: C): void {
  for (const cs of [[winner, loser], [loser, winner]]) {
    const r = selectBestPath(cs);
    assert.is(r.best?.name, winner.name);
    assert.is(r.decidedBy, step);
  }
}

test('the table is RFC 4271 §9.1 order with RFC 4456 §9 and ADD-PATH last', () => {
  assert.equal(TIE_BREAKS.map((t) => t.step), [
    'next-hop-reachable', 'local-pref', 'as-path-length', 'origin', 'med', 'ebgp-over-ibgp', 'igp-cost', 'bgp-identifier', 'cluster-list-length', 'peer-address', 'path-id',
  ]);
  for (const t of TIE_BREAKS) assert.match(t.rfc, /RFC/);
  assert.equal(TIE_BREAKS.filter((t) => t.groupwise).map((t) => t.step), ['med']);
});

test('next-hop-reachable: a route with an unresolvable NEXT_HOP is excluded (RFC 4271 §9.1.2.1)', () => {
  decides('next-hop-reachable', cand('ok', { localPref: 50 }), cand('unreachable', { reachable: false, localPref: 500 }));
  assert.is(selectBestPath([cand('u', { reachable: false })]).best, null);
});

test('local-pref: the highest LOCAL_PREF wins (RFC 4271 §9.1.1)', () => {
  decides('local-pref', cand('hi', { localPref: 200, asPathLength: 9 }), cand('lo', { localPref: 100, asPathLength: 1 }));
});

test('as-path-length: the shortest AS_PATH wins (RFC 4271 §9.1.2.2 (a))', () => {
  decides('as-path-length', cand('short', { asPathLength: 1, origin: 2 }), cand('long', { asPathLength: 3, origin: 0 }));
});

test('origin: IGP < EGP < INCOMPLETE (RFC 4271 §9.1.2.2 (b))', () => {
  decides('origin', cand('igp', { origin: 0, med: 50 }), cand('egp', { origin: 1, med: 0 }));
  decides('origin', cand('egp', { origin: 1 }), cand('incomplete', { origin: 2 }));
});

test('med: the lowest MED wins among routes from the same neighbour AS (RFC 4271 §9.1.2.2 (c))', () => {
  decides('med', cand('low', { med: 10, ebgp: false }), cand('high', { med: 20, ebgp: true }));
});

test('med: routes from different neighbour ASes are not compared on MED (RFC 4271 §9.1.2.2 (c))', () => {
  const a = cand('a', { med: 500, medGroup: 1, igpCost: 1 });
  const b = cand('b', { med: 1, medGroup: 2, igpCost: 2 });
  assert.is(selectBestPath([a, b]).best?.name, 'a');
  assert.is(selectBestPath([a, b]).decidedBy, 'igp-cost');
});

test('med: with always-compare-med (one group) MED is compared across ASes', () => {
  decides('med', cand('low', { med: 1, medGroup: -1, igpCost: 9 }), cand('high', { med: 500, medGroup: -1 }));
});

test('med: a missing MED is 0, the lowest value (RFC 4271 §9.1.2.2 (c))', () => {
  // The rank builder maps an absent MED to 0; here 0 beats 1.
  decides('med', cand('missing', { med: 0 }), cand('one', { med: 1 }));
});

test('med: deterministic-MED — the elimination result does not depend on candidate order', () => {
  // The classic MED cycle: A (AS1, MED 10, igp 3), B (AS1, MED 20, igp 1), C (AS2, igp 2).
  // Pairwise: B beats C (igp), C beats A (igp), A beats B (MED). RFC elimination: B out (MED), then A vs C → C.
  const A = cand('A', { medGroup: 1, med: 10, igpCost: 3 });
  const B = cand('B', { medGroup: 1, med: 20, igpCost: 1 });
  const C = cand('C', { medGroup: 2, med: 0, igpCost: 2 });
  for (const order of [[A, B, C], [A, C, B], [B, A, C], [B, C, A], [C, A, B], [C, B, A]]) assert.is(selectBestPath(order).best?.name, 'C');
});

test('ebgp-over-ibgp: eBGP-learned beats iBGP-learned (RFC 4271 §9.1.2.2 (d))', () => {
  decides('ebgp-over-ibgp', cand('ebgp', { ebgp: true, igpCost: 10 }), cand('ibgp', { ebgp: false, igpCost: 0 }));
});

test('igp-cost: the lowest interior cost to the next hop wins (RFC 4271 §9.1.2.2 (e))', () => {
  decides('igp-cost', cand('near', { igpCost: 1, routerId: 9 }), cand('far', { igpCost: 5, routerId: 1 }));
});

test('bgp-identifier: the lowest BGP Identifier wins (RFC 4271 §9.1.2.2 (f))', () => {
  decides('bgp-identifier', cand('low', { routerId: 1, clusterListLength: 3 }), cand('high', { routerId: 2 }));
});

test('bgp-identifier: ORIGINATOR_ID stands in for the BGP Identifier (RFC 4456 §9)', () => {
  decides('bgp-identifier', cand('orig-low', { routerId: 9, originatorId: 1 }), cand('plain', { routerId: 5 }));
});

test('cluster-list-length: the shorter CLUSTER_LIST wins (RFC 4456 §9)', () => {
  decides('cluster-list-length', cand('short', { clusterListLength: 1, address: 'ff' }), cand('long', { clusterListLength: 2, address: '01' }));
});

test('peer-address: the lowest peer address wins (RFC 4271 §9.1.2.2 (g))', () => {
  decides('peer-address', cand('low', { address: 'ffff0a000001', pathId: 9 }), cand('high', { address: 'ffff0a000002', pathId: 1 }));
});

test('path-id: ADD-PATH paths from one peer — the lowest path id wins', () => {
  decides('path-id', cand('p1', { address: 'aa', pathId: 1, peerId: 7 }), cand('p2', { address: 'aa', pathId: 2, peerId: 7 }));
});

test('only-candidate and no-candidate', () => {
  assert.is(selectBestPath([cand('x')]).decidedBy, 'only-candidate');
  assert.equal(selectBestPath([]), { best: null, decidedBy: 'no-candidate' });
});

// A naive reference: per step, drop every candidate some other remaining candidate beats (O(n²)).
function reference(cs: C[]): C | null {
  let s = cs.slice();
  for (const t of TIE_BREAKS) s = s.filter((x) => !s.some((y) => t.compare(y, x) < 0));
  s.sort((a, b) => a.peer.peerId - b.peer.peerId);
  return s[0] && s[0].nh.reachable ? s[0] : null;
}

const arbCand = fc.record({
  reachable: fc.boolean(), localPref: fc.constantFrom(90, 100, 110), asPathLength: fc.integer({ min: 1, max: 3 }), origin: fc.integer({ min: 0, max: 2 }),
  med: fc.integer({ min: 0, max: 3 }), medGroup: fc.integer({ min: 1, max: 3 }), ebgp: fc.boolean(), igpCost: fc.integer({ min: 0, max: 3 }),
  routerId: fc.integer({ min: 1, max: 4 }), originatorId: fc.constantFrom(-1, 2, 3), clusterListLength: fc.integer({ min: 0, max: 2 }),
  address: fc.constantFrom('01', '02', '03'), pathId: fc.integer({ min: 0, max: 2 }),
});

test('property: selectBestPath equals the naive elimination and ignores candidate order', () => {
  fc.assert(
    fc.property(fc.array(arbCand, { minLength: 1, maxLength: 12 }), fc.integer(), (specs, seed) => {
      const cs = specs.map((o, i) => cand(`c${i}`, { ...o, peerId: i + 1 }));
      const want = reference(cs);
      assert.is(selectBestPath(cs).best, want);
      const shuffled = fc.sample(fc.shuffledSubarray(cs, { minLength: cs.length, maxLength: cs.length }), { numRuns: 1, seed })[0];
      assert.is(selectBestPath(shuffled).best, want);
    }),
    { numRuns: 2000 },
  );
});

test('property: with always-compare-med the winner is beaten by no candidate (compareRoutes)', () => {
  fc.assert(
    fc.property(fc.array(arbCand, { minLength: 1, maxLength: 12 }), (specs) => {
      const cs = specs.map((o, i) => cand(`c${i}`, { ...o, medGroup: -1, peerId: i + 1 }));
      const best = selectBestPath(cs).best;
      if (best === null) return;
      for (const c of cs) assert.ok(compareRoutes(c, best) >= 0, `${c.name} beats ${best.name}`);
    }),
    { numRuns: 2000 },
  );
});

test('property: beatsBeforeMed — adding or removing a path the best beats before MED keeps the best', () => {
  fc.assert(
    fc.property(fc.array(arbCand, { minLength: 2, maxLength: 10 }), (specs) => {
      const cs = specs.map((o, i) => cand(`c${i}`, { ...o, peerId: i + 1 }));
      const rest = cs.slice(0, -1);
      const extra = cs[cs.length - 1];
      const best = selectBestPath(rest).best;
      if (best === null || !beatsBeforeMed(best, extra)) return;
      assert.is(selectBestPath(cs).best, best);
    }),
    { numRuns: 3000 },
  );
});

test.run();
