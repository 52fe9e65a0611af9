/**
 * The RFC 4271 §9.1 tie-break cases of spec/decision/tie-breaks.spec.ts as ONE table, run over both
 * decision variants: A (selectBestPath, elimination over TIE_BREAKS) and B (ordered-candidates.ts: the
 * only candidate inline or a sorted array + deterministic-MED group heads). Plus properties: B equals A and the naive RFC elimination after
 * random insert/remove sequences, in any order.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { selectBestPath } from '../../../lib/decision/best-path.js';
import { TIE_BREAKS } from '../../../lib/decision/tie-breaks.js';
import type { AttrRank, Candidate, NextHopRank, PeerRank } from '../../../lib/decision/types.js';
import { bestCandidate, candidateCount, candidateList, isMany, withCandidate, withoutCandidate, type Candidates } from '../../../lib/decision/variant-b/ordered-candidates.js';
import { compareOrdered, Path, PathBasis, neighborAs, packTier, peerAddressKey, rankAttributes } from '../../../lib/decision/variant-b/index.js';
import type { PathAttributes } from '../../../lib/wire/types.js';
import { attrs, seq, set } from '../../rib/fixtures.js';

const test = suite('decision/variant-b ordered candidates');

type Spec = Partial<{ reachable: boolean; localPref: number; asPathLength: number; origin: number; med: number; medGroup: number; ebgp: boolean; igpCost: number; routerId: number; originatorId: number; clusterListLength: number; address: string; pathId: number; peerId: number }>;

const EMPTY: PathAttributes = Object.freeze({});
let nextPeer = 1;

/** A named path usable by both variants: B's Path is a Candidate (rank, peer, nh, pathId). */
class Named extends Path {
  constructor(readonly name: string, basis: PathBasis, pathId: number) {
    super(basis, 0, pathId);
  }
}

function named(name: string, rank: AttrRank, peer: PeerRank, nh: NextHopRank, pathId: number): Named {
  return new Named(name, new PathBasis(peer.peerId, EMPTY, EMPTY, '', undefined, rank, peer, nh, true), pathId);
}

/** Another ADD-PATH path of the same peer and attributes: it shares `c`'s basis (as the engine does). */
function sibling(c: Named, name: string, pathId: number): Named {
  return new Named(name, c.basis, pathId);
}

/** B's storage for one prefix (one Candidates value), with its invariants checked on every read. */
class Holder {
  c: Candidates<Named> = null;
  insert(p: Named): void {
    this.c = withCandidate(this.c, p);
  }
  remove(p: Named): void {
    this.c = withoutCandidate(this.c, p);
  }
  best(): Named | null {
    return bestCandidate(this.c);
  }
  get size(): number {
    return candidateCount(this.c);
  }
  get paths(): Named[] {
    assert.ok(!isMany(this.c) || this.c.length >= 2, 'an array holds fewer than two');
    const a = candidateList(this.c);
    for (let i = 1; i < a.length; i++) assert.ok(compareOrdered(a[i - 1], a[i]) < 0, 'not strictly ascending');
    return a;
  }
}

function cand(name: string, o: Spec = {}): Named {
  return named(
    name,
    { localPref: o.localPref ?? 100, asPathLength: o.asPathLength ?? 2, origin: o.origin ?? 0, med: o.med ?? 0, medGroup: o.medGroup ?? 65001, originatorId: o.originatorId ?? -1, clusterListLength: o.clusterListLength ?? 0 },
    { peerId: o.peerId ?? nextPeer++, ebgp: o.ebgp ?? true, routerId: o.routerId ?? 100, addressKey: (o.address ?? 'ffff0a000001').padStart(32, '0') },
    { reachable: o.reachable ?? true, igpCost: o.igpCost ?? 0 },
    o.pathId ?? 0,
  );
}

interface Variant {
  readonly name: string;
  select(cs: readonly Named[]): Named | null;
}

const VARIANTS: readonly Variant[] = [
  { name: 'A (elimination scan)', select: (cs) => selectBestPath(cs).best },
  {
    name: 'B (ordered candidates)',
    select: (cs) => {
      const o = new Holder();
      for (const c of cs) o.insert(c);
      return o.best();
    },
  },
];

/** [rule, winner, loser] — each must win in both orders, in both variants. */
const TABLE: readonly [string, () => [Named, Named]][] = [
  ['next-hop-reachable: an unresolvable NEXT_HOP is excluded (RFC 4271 §9.1.2.1)', () => [cand('ok', { localPref: 50 }), cand('unreachable', { reachable: false, localPref: 500 })]],
  ['local-pref: the highest LOCAL_PREF wins (RFC 4271 §9.1.1)', () => [cand('hi', { localPref: 200, asPathLength: 9 }), cand('lo', { localPref: 100, asPathLength: 1 })]],
  ['local-pref: u32 extremes order correctly (RFC 4271 §5.1.5)', () => [cand('max', { localPref: 0xffffffff }), cand('zero', { localPref: 0, asPathLength: 0 })]],
  ['as-path-length: the shortest AS_PATH wins (RFC 4271 §9.1.2.2 (a))', () => [cand('short', { asPathLength: 1, origin: 2 }), cand('long', { asPathLength: 3, origin: 0 })]],
  ['origin: IGP < EGP (RFC 4271 §9.1.2.2 (b))', () => [cand('igp', { origin: 0, med: 50 }), cand('egp', { origin: 1, med: 0 })]],
  ['origin: EGP < INCOMPLETE (RFC 4271 §9.1.2.2 (b))', () => [cand('egp', { origin: 1 }), cand('incomplete', { origin: 2 })]],
  ['med: the lowest MED wins within one neighbour AS (RFC 4271 §9.1.2.2 (c))', () => [cand('low', { med: 10, ebgp: false }), cand('high', { med: 20, ebgp: true })]],
  ['med: always-compare-med puts every route in one group', () => [cand('low', { med: 1, medGroup: -1, igpCost: 9 }), cand('high', { med: 500, medGroup: -1 })]],
  ['med: a missing MED is 0, the lowest (RFC 4271 §9.1.2.2 (c))', () => [cand('missing', { med: 0 }), cand('one', { med: 1 })]],
  ['med: different neighbour ASes are not compared on MED (RFC 4271 §9.1.2.2 (c))', () => [cand('a', { med: 500, medGroup: 1, igpCost: 1 }), cand('b', { med: 1, medGroup: 2, igpCost: 2 })]],
  ['ebgp-over-ibgp (RFC 4271 §9.1.2.2 (d))', () => [cand('ebgp', { ebgp: true, igpCost: 10 }), cand('ibgp', { ebgp: false, igpCost: 0 })]],
  ['igp-cost: lowest interior cost (RFC 4271 §9.1.2.2 (e))', () => [cand('near', { igpCost: 1, routerId: 9 }), cand('far', { igpCost: 5, routerId: 1 })]],
  ['bgp-identifier: lowest BGP Identifier (RFC 4271 §9.1.2.2 (f))', () => [cand('low', { routerId: 1, clusterListLength: 3 }), cand('high', { routerId: 2 })]],
  ['bgp-identifier: ORIGINATOR_ID stands in for it (RFC 4456 §9)', () => [cand('orig-low', { routerId: 9, originatorId: 1 }), cand('plain', { routerId: 5 })]],
  ['cluster-list-length: the shorter CLUSTER_LIST (RFC 4456 §9)', () => [cand('short', { clusterListLength: 1, address: 'ff' }), cand('long', { clusterListLength: 2, address: '01' })]],
  ['peer-address: lowest peer address (RFC 4271 §9.1.2.2 (g))', () => [cand('low', { address: 'ffff0a000001', pathId: 9 }), cand('high', { address: 'ffff0a000002', pathId: 1 })]],
  ['path-id: ADD-PATH paths of one peer, lowest path id (RFC 7911)', () => [cand('p1', { address: 'aa', pathId: 1, peerId: 7 }), cand('p2', { address: 'aa', pathId: 2, peerId: 7 })]],
  ['duplicates: the lowest peer id wins', () => [cand('first', { peerId: 3 }), cand('second', { peerId: 4 })]],
];

for (const v of VARIANTS) {
  for (const [rule, make] of TABLE) {
    test(`${v.name}: ${rule}`, () => {
      const [w, l] = make();
      assert.is(v.select([w, l])?.name, w.name);
      assert.is(v.select([l, w])?.name, w.name);
    });
  }
  test(`${v.name}: no candidate, or none reachable, gives no best (RFC 4271 §9.1.2.1)`, () => {
    assert.is(v.select([]), null);
    assert.is(v.select([cand('u', { reachable: false }), cand('v', { reachable: false, localPref: 900 })]), null);
  });
  test(`${v.name}: deterministic MED — the classic MED cycle resolves the same in every order (RFC 4271 §9.1.2.2 (c))`, () => {
    // A (AS1, MED 10, igp 3), B (AS1, MED 20, igp 1), C (AS2, igp 2): B out on MED, then C beats A on IGP cost.
    const A = cand('A', { medGroup: 1, med: 10, igpCost: 3 });
    const B = cand('B', { medGroup: 1, med: 20, igpCost: 1 });
    const C = cand('C', { medGroup: 2, med: 0, igpCost: 2 });
    for (const order of [[A, B, C], [A, C, B], [B, A, C], [B, C, A], [C, A, B], [C, B, A]]) assert.is(v.select(order)?.name, 'C');
  });
  test(`${v.name}: MED only eliminates within the best tier (a worse-tier low MED does not knock out its group)`, () => {
    const X = cand('X', { medGroup: 1, med: 50, igpCost: 1 });
    const Y = cand('Y', { medGroup: 1, med: 0, asPathLength: 5 }); // same AS, lower MED, but longer path
    const Z = cand('Z', { medGroup: 2, med: 0, igpCost: 2 });
    assert.is(v.select([X, Y, Z])?.name, 'X');
  });
}

test('B: packTier orders reachability, then LOCAL_PREF, AS_PATH length, ORIGIN', () => {
  const keys = [packTier(true, 200, 9, 2), packTier(true, 100, 1, 0), packTier(true, 100, 1, 1), packTier(true, 100, 2, 0), packTier(false, 0xffffffff, 0, 0)];
  assert.equal([...keys].sort((a, b) => a - b), keys);
  assert.ok(keys.every((k) => Number.isSafeInteger(k)));
});

test('B: neighbour AS and rank from attributes (RFC 4271 §9.1.2.2 (c), RFC 5065 §5.3)', () => {
  assert.is(neighborAs([seq(65001, 2)]), 65001);
  assert.is(neighborAs([]), 0);
  assert.is(neighborAs([set(1, 2), seq(3)]), 0);
  assert.is(neighborAs([{ type: 3, asns: [64999] }, seq(7, 8)]), 7);
  const r = rankAttributes(attrs({ path: [65001, 5], med: 7 }), false);
  assert.equal({ ...r }, { localPref: 100, asPathLength: 2, origin: 0, med: 7, medGroup: 65001, originatorId: -1, clusterListLength: 0 });
  assert.is(rankAttributes(attrs({ path: [65001] }), true).medGroup, -1);
  assert.is(peerAddressKey('10.0.0.1'), '00000000000000000000ffff0a000001');
  assert.is(peerAddressKey('2001:db8::1'), '20010db8000000000000000000000001');
});

// ── properties ──────────────────────────────────────────────────────────────────────────────────────

/** RFC 4271 §9.1.2 read literally: per step drop whatever another remaining candidate beats. */
function naive(cs: readonly Candidate[]): Candidate | null {
  let s = cs.slice();
  for (const t of TIE_BREAKS) s = s.filter((x) => !s.some((y) => t.compare(y, x) < 0));
  s.sort((a, b) => a.peer.peerId - b.peer.peerId);
  return s[0] && s[0].nh.reachable ? s[0] : null;
}

const arbSpec = fc.record({
  reachable: fc.boolean(), localPref: fc.constantFrom(90, 100, 110), asPathLength: fc.integer({ min: 1, max: 3 }), origin: fc.integer({ min: 0, max: 2 }),
  med: fc.integer({ min: 0, max: 3 }), medGroup: fc.integer({ min: 1, max: 3 }), ebgp: fc.boolean(), igpCost: fc.integer({ min: 0, max: 3 }),
  routerId: fc.integer({ min: 1, max: 4 }), originatorId: fc.constantFrom(-1, 2, 3), clusterListLength: fc.integer({ min: 0, max: 2 }),
  address: fc.constantFrom('01', '02', '03'), pathId: fc.integer({ min: 0, max: 2 }),
});

test('property: after random inserts and removes B selects what A and the naive elimination select', () => {
  fc.assert(
    fc.property(fc.array(arbSpec, { minLength: 1, maxLength: 14 }), fc.array(fc.nat(), { maxLength: 20 }), fc.boolean(), (specs, ops, acm) => {
      const cs = specs.map((o, i) => cand(`c${i}`, { ...o, peerId: i + 1, ...(acm ? { medGroup: -1 } : {}) }));
      // ADD-PATH: some peers send a second path with the same attributes (shared basis, higher path id).
      for (let i = 0; i < specs.length; i += 3) cs.push(sibling(cs[i], `s${i}`, cs[i].pathId + 1 + (i % 2)));
      const o = new Holder();
      const live = new Set<Named>();
      for (const c of cs) {
        o.insert(c);
        live.add(c);
      }
      const check = (): void => {
        const want = naive([...live]);
        assert.is(o.best(), want);
        assert.is(selectBestPath([...live]).best, want);
        const stored = o.paths;
        assert.is(stored.length, live.size);
        for (const c of stored) assert.ok(live.has(c));
      };
      check();
      for (const op of ops) {
        const c = cs[op % cs.length];
        if (live.has(c)) {
          o.remove(c);
          live.delete(c);
        } else {
          o.insert(c);
          live.add(c);
        }
        assert.is(o.size, live.size);
        check();
      }
    }),
    { numRuns: 3000 },
  );
});

test('property: the candidates value keeps its shape (null / one path / sorted array of two or more) through inserts and removes', () => {
  fc.assert(
    fc.property(fc.array(arbSpec, { minLength: 2, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 40 }), (specs, ops) => {
      const cs = specs.map((o, i) => cand(`c${i}`, { ...o, peerId: i + 1 }));
      let c: Candidates<Named> = null;
      const live = new Set<Named>();
      for (const op of [...cs.map((_, i) => i), ...ops]) {
        const p = cs[op % cs.length];
        c = live.has(p) ? withoutCandidate(c, p) : withCandidate(c, p);
        if (live.has(p)) live.delete(p);
        else live.add(p);
        assert.is(candidateCount(c), live.size);
        assert.is(c === null, live.size === 0);
        assert.is(isMany(c), live.size >= 2);
        const list = candidateList(c);
        assert.equal(new Set(list), live);
        for (let i = 1; i < list.length; i++) assert.ok(compareOrdered(list[i - 1], list[i]) < 0, 'not strictly ascending');
      }
    }),
    { numRuns: 1000 },
  );
});

test.run();
