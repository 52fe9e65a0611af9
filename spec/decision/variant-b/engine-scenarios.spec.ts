/**
 * The scenarios of spec/rib/engine.spec.ts rerun as a table over BOTH decision engines (variant A:
 * RoutingEngine, variant B: IncrementalEngine), plus the type-level check that both implement the shared
 * DecisionEngine contract with the same result types.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RoutingEngine } from '../../../lib/rib/engine.js';
import type { RibRoute } from '../../../lib/rib/route.js';
import { EngineError } from '../../../lib/rib/errors.js';
import type { DecisionEngine } from '../../../lib/rib/decision-engine.js';
import type { EngineOptions } from '../../../lib/rib/types.js';
import { IncrementalEngine } from '../../../lib/decision/variant-b/index.js';
import { PolicyError } from '../../../lib/policy/errors.js';
import { formatPrefix } from '../../../lib/wire/prefix.js';
import type { UpdateMessage } from '../../../lib/wire/types.js';
import { OWN_AS, P, announce, attrs, engineOptions, peer, policy, withdraw } from '../../rib/fixtures.js';

// ── type-level: both classes satisfy DecisionEngine, and B's results are assignable to A's ──────────
type Assert<T extends true> = T;
type Same<X, Y> = [X] extends [Y] ? ([Y] extends [X] ? true : false) : false;
type Api = keyof DecisionEngine;
export type _ImplementsA = Assert<RoutingEngine extends DecisionEngine ? true : false>;
export type _ImplementsB = Assert<IncrementalEngine extends DecisionEngine ? true : false>;
/** Same parameter lists for every method of the contract. */
export type _SameParams = Assert<Same<{ [K in Api]: Parameters<RoutingEngine[K]> }, { [K in Api]: Parameters<IncrementalEngine[K]> }>>;
/** B's paths can stand in wherever A's RibRoute is expected (candidates, best, accepted routes). */
export type _CandidatesFit = Assert<ReturnType<IncrementalEngine['candidates']> extends RibRoute[] ? true : false>;
export type _BestFits = Assert<ReturnType<IncrementalEngine['best']> extends RibRoute | null ? true : false>;
export type _DeltaSame = Assert<Same<ReturnType<RoutingEngine['applyUpdate']>, ReturnType<IncrementalEngine['applyUpdate']>>>;
export type _CountsSame = Assert<Same<ReturnType<RoutingEngine['counts']>, ReturnType<IncrementalEngine['counts']>>>;

const test = suite('decision/variant-b engine scenarios (A and B)');

const ENGINES: readonly [string, (o: EngineOptions) => DecisionEngine][] = [
  ['A', (o) => new RoutingEngine(o)],
  ['B', (o) => new IncrementalEngine(o)],
];

for (const [name, make] of ENGINES) {
  const mk = (over: Partial<EngineOptions> = {}): DecisionEngine => make(engineOptions(over));
  const bestPeer = (e: DecisionEngine, prefix: string): number | null => e.best(P(prefix))?.peerId ?? null;
  const t = (title: string, fn: () => void): void => test(`${name}: ${title}`, fn);

  t('a route is installed, exported to the other peers and withdrawn again', () => {
    const e = mk();
    e.addPeer(peer(1));
    e.addPeer(peer(2));
    const d = e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65001] })));
    assert.equal(d.locRib.map((x) => [formatPrefix(x.prefix), x.best?.peerId]), [['10.0.0.0/8', 1]]);
    assert.equal([...d.out.keys()], [2], 'not sent back to its source');
    const w = e.applyUpdate(1, withdraw(['10.0.0.0/8']));
    assert.equal(w.locRib, [{ prefix: P('10.0.0.0/8'), best: null }]);
    assert.equal([...w.out.get(2)!.withdraw].map(formatPrefix), ['10.0.0.0/8']);
    assert.is(e.counts().paths, 0);
    assert.is(e.counts().best, 0);
  });

  t('loop detection: own AS in AS_PATH is rejected (RFC 4271 §9.1.2)', () => {
    const e = mk();
    e.addPeer(peer(1));
    e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65001, OWN_AS, 3] })));
    assert.is(bestPeer(e, '10.0.0.0/8'), null);
    assert.equal(e.counts().perPeer.get(1), { received: 1, accepted: 0, advertised: 0 });
  });

  t('loop detection: the AS presented on the session (localAs) in AS_PATH is rejected', () => {
    const e = mk();
    e.addPeer(peer(1, { localAs: 64999 }));
    e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65001, 64999] })));
    assert.is(bestPeer(e, '10.0.0.0/8'), null);
  });

  t('loop detection: ORIGINATOR_ID equal to our router id is rejected (RFC 4456 §8)', () => {
    const e = mk();
    e.addPeer(peer(1, { ebgp: false }));
    e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [], originatorId: '10.255.0.1' })));
    assert.is(bestPeer(e, '10.0.0.0/8'), null);
  });

  t('loop detection: our CLUSTER_ID in CLUSTER_LIST is rejected (RFC 4456 §8)', () => {
    const e = mk({ clusterId: '1.1.1.1' });
    e.addPeer(peer(1, { ebgp: false }));
    e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [], originatorId: '10.9.9.9', clusterList: ['2.2.2.2', '1.1.1.1'] })));
    assert.is(bestPeer(e, '10.0.0.0/8'), null);
    e.applyUpdate(1, announce(['10.1.0.0/16'], attrs({ path: [], originatorId: '10.9.9.9', clusterList: ['2.2.2.2'] })));
    assert.is(bestPeer(e, '10.1.0.0/16'), 1);
  });

  t('LOCAL_PREF received from eBGP is ignored: the route ranks at the default 100 (RFC 4271 §5.1.5)', () => {
    const e = mk();
    e.addPeer(peer(1));
    e.addPeer(peer(2, { ebgp: false, address: '192.0.2.200' }));
    e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65001], localPref: 500 })));
    e.applyUpdate(2, announce(['10.0.0.0/8'], attrs({ path: [65009, 65001], localPref: 150 })));
    assert.is(bestPeer(e, '10.0.0.0/8'), 2);
    assert.is(e.best(P('10.0.0.0/8'))!.attributes.localPref, 150);
    assert.is(e.candidates(P('10.0.0.0/8')).find((r) => r.peerId === 1)!.rank.localPref, 100);
  });

  t('treat-as-withdraw withdraws every NLRI of the UPDATE, MP_REACH included (RFC 7606 §2)', () => {
    const e = mk();
    e.addPeer(peer(1));
    e.applyUpdate(1, announce(['10.0.0.0/8', '2001:db8::/32'], attrs()));
    assert.is(e.counts().paths, 2);
    const bad: UpdateMessage = { ...announce(['10.0.0.0/8', '2001:db8::/32'], attrs()), treatment: 'treat-as-withdraw' };
    const d = e.applyUpdate(1, bad);
    assert.is(e.counts().paths, 0);
    assert.is(d.locRib.length, 2);
  });

  t('attribute-discard uses the attributes as given', () => {
    const e = mk();
    e.addPeer(peer(1));
    e.applyUpdate(1, { ...announce(['10.0.0.0/8'], attrs()), treatment: 'attribute-discard' });
    assert.is(bestPeer(e, '10.0.0.0/8'), 1);
  });

  t('IPv6 routes take the MP_REACH_NLRI next hops (RFC 4760 §3, RFC 2545 §3)', () => {
    const e = mk();
    e.addPeer(peer(1));
    e.applyUpdate(1, announce(['2001:db8::/32'], attrs()));
    const b = e.best(P('2001:db8::/32'))!;
    assert.is(b.nextHop, '2001:db8::1');
    assert.is(b.nextHopLinkLocal, 'fe80::1');
  });

  t('families not negotiated are ignored', () => {
    const e = mk();
    e.addPeer(peer(1, { families: { ipv4: true, ipv6: false } }));
    e.applyUpdate(1, announce(['10.0.0.0/8', '2001:db8::/32'], attrs()));
    assert.is(e.counts().paths, 1);
  });

  t('ADD-PATH receive: path ids keep several paths of one peer apart (RFC 7911)', () => {
    const e = mk();
    e.addPeer(peer(1, { codec: { fourOctetAs: true, ebgp: true, addPathIpv4: true } }));
    e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65001, 2, 3] }), [1]));
    e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65001, 2] }), [2]));
    assert.is(e.candidates(P('10.0.0.0/8')).length, 2);
    assert.is(e.best(P('10.0.0.0/8'))!.pathId, 2);
    assert.is(e.counts().perPeer.get(1)!.received, 2);
    e.applyUpdate(1, withdraw(['10.0.0.0/8'], [2]));
    assert.is(e.candidates(P('10.0.0.0/8')).length, 1);
    assert.is(e.best(P('10.0.0.0/8'))!.pathId, 1);
  });

  t('without ADD-PATH a path id does not separate paths', () => {
    const e = mk();
    e.addPeer(peer(1));
    e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65001, 2, 3] }), [1]));
    e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65001, 2] }), [2]));
    assert.is(e.candidates(P('10.0.0.0/8')).length, 1);
  });

  t('an implicit withdrawal replaces the path from the same peer (RFC 4271 §3.1)', () => {
    const e = mk();
    e.addPeer(peer(1));
    e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65001, 5] })));
    e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65001, 6] })));
    assert.is(e.candidates(P('10.0.0.0/8')).length, 1);
    assert.equal(e.best(P('10.0.0.0/8'))!.attributes.asPath![0].asns, [65001, 6]);
  });

  t('unreachable next hops are never best (RFC 4271 §9.1.2.1)', () => {
    const e = mk({ resolveNextHop: (nh) => (nh === '192.0.2.66' ? undefined : { igpCost: 0 }) });
    e.addPeer(peer(1));
    e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ nextHop: '192.0.2.66' })));
    assert.is(bestPeer(e, '10.0.0.0/8'), null);
    assert.is(e.counts().paths, 1);
  });

  t('deterministic MED over the engine: the MED cycle gives the same best in every arrival order', () => {
    const cost: Record<string, number> = { '192.0.2.1': 3, '192.0.2.2': 1, '192.0.2.3': 2 };
    const orders = [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]];
    for (const order of orders) {
      const e = mk({ resolveNextHop: (nh) => ({ igpCost: cost[nh] ?? 0 }) });
      for (const id of [1, 2, 3]) e.addPeer(peer(id, { ebgp: false, asn: OWN_AS }));
      const spec: Record<number, ReturnType<typeof attrs>> = {
        1: attrs({ path: [65001, 9], med: 10, nextHop: '192.0.2.1' }),
        2: attrs({ path: [65001, 9], med: 20, nextHop: '192.0.2.2' }),
        3: attrs({ path: [65002, 9], nextHop: '192.0.2.3' }),
      };
      for (const id of order) e.applyUpdate(id, announce(['10.0.0.0/8'], spec[id]));
      assert.is(bestPeer(e, '10.0.0.0/8'), 3, `order ${order}`);
    }
  });

  t('incremental: only the prefixes an update touches appear in its delta', () => {
    const e = mk();
    e.addPeer(peer(1));
    e.addPeer(peer(2));
    e.applyUpdate(1, announce(['10.0.0.0/8', '11.0.0.0/8', '12.0.0.0/8'], attrs()));
    const d = e.applyUpdate(2, announce(['11.0.0.0/8'], attrs({ path: [65002], nextHop: '192.0.2.2' })));
    assert.ok(d.locRib.every((x) => formatPrefix(x.prefix) === '11.0.0.0/8'));
  });

  t('a re-announced identical path changes nothing', () => {
    const e = mk();
    e.addPeer(peer(1));
    e.addPeer(peer(2));
    const a = attrs();
    e.applyUpdate(1, announce(['10.0.0.0/8'], a));
    const d = e.applyUpdate(1, announce(['10.0.0.0/8'], a));
    assert.is(d.locRib.length, 0);
    assert.is(d.out.size, 0);
  });

  t('addPeer returns the full initial Adj-RIB-Out; removePeer withdraws exactly its paths', () => {
    const e = mk();
    e.addPeer(peer(1));
    e.addPeer(peer(2));
    e.applyUpdate(1, announce(['10.0.0.0/8', '11.0.0.0/8'], attrs({ path: [65001, 9] })));
    e.applyUpdate(2, announce(['11.0.0.0/8', '12.0.0.0/8'], attrs({ path: [65002], nextHop: '192.0.2.2' })));
    const d = e.addPeer(peer(3));
    assert.equal([...d.out.keys()], [3]);
    assert.equal([...d.out.get(3)!.announce.keys()].map(formatPrefix).sort(), ['10.0.0.0/8', '11.0.0.0/8', '12.0.0.0/8']);
    const r = e.removePeer(2);
    assert.equal(r.locRib.map((x) => [formatPrefix(x.prefix), x.best?.peerId ?? null]).sort(), [['11.0.0.0/8', 1], ['12.0.0.0/8', null]]);
    assert.equal([...r.out.get(3)!.withdraw].map(formatPrefix), ['12.0.0.0/8']);
    assert.is(r.out.get(3)!.announce.size, 1);
    assert.is(e.counts().paths, 2);
    assert.equal(e.peerIds(), [1, 3]);
    assert.throws(() => e.applyUpdate(2, withdraw([])), (err: unknown) => err instanceof EngineError && err.code === 'BTRD_ERR_UNKNOWN_PEER');
    assert.throws(() => e.addPeer(peer(1)), (err: unknown) => err instanceof EngineError && err.code === 'BTRD_ERR_DUPLICATE_PEER');
  });

  t('setPolicies re-applies import policy to the kept pre-policy Adj-RIB-In (soft reconfiguration)', () => {
    const e = mk();
    e.addPeer(peer(1, { importPolicy: policy({ default: 'reject' }) }));
    e.addPeer(peer(2));
    e.applyUpdate(1, announce(['10.0.0.0/8', '11.0.0.0/8'], attrs()));
    assert.is(e.counts().paths, 0);
    assert.is([...e.adjRibIn(1)].length, 2);
    const d = e.setPolicies(1, policy({ terms: [{ match: { prefixes: [{ prefix: '10.0.0.0/8' }] }, action: 'accept', set: { localPref: 300 } }], default: 'reject' }), policy({}));
    assert.equal(d.locRib.map((x) => formatPrefix(x.prefix)), ['10.0.0.0/8']);
    assert.is(e.best(P('10.0.0.0/8'))!.attributes.localPref, 300);
    assert.equal([...d.out.get(2)!.announce.keys()].map(formatPrefix), ['10.0.0.0/8']);
    const x = e.setPolicies(2, policy({}), policy({ default: 'reject' }));
    assert.equal([...x.out.get(2)!.withdraw].map(formatPrefix), ['10.0.0.0/8']);
    assert.is(e.adjRibOut(2).announce.size, 0);
    assert.throws(() => e.setPolicies(1, policy({ terms: [{ match: { asPathRegex: '(' }, action: 'accept' }] }), policy({})), (err: unknown) => err instanceof PolicyError);
    assert.is(e.best(P('10.0.0.0/8'))!.attributes.localPref, 300);
  });

  t('route reflection: a client route goes to non-clients with ORIGINATOR_ID and our CLUSTER_ID (RFC 4456 §8)', () => {
    const e = mk({ clusterId: '9.9.9.9' });
    e.addPeer(peer(1, { ebgp: false, routeReflectorClient: true, routerId: '10.0.0.1' }));
    e.addPeer(peer(2, { ebgp: false }));
    e.addPeer(peer(3, { ebgp: false }));
    e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [] })));
    const out = e.adjRibOut(2).announce.get(P('10.0.0.0/8'))!;
    assert.is(out.originatorId, '10.0.0.1');
    assert.equal(out.clusterList, ['9.9.9.9']);
    e.applyUpdate(2, announce(['11.0.0.0/8'], attrs({ path: [] })));
    assert.is(e.adjRibOut(3).announce.has(P('11.0.0.0/8')), false, 'non-client → non-client: split horizon (RFC 4271 §9.2)');
    assert.is(e.adjRibOut(1).announce.has(P('11.0.0.0/8')), true, 'non-client → client');
  });

  t('counts: received, accepted, advertised per peer', () => {
    const e = mk();
    e.addPeer(peer(1, { importPolicy: policy({ terms: [{ match: { prefixes: [{ prefix: '11.0.0.0/8' }] }, action: 'reject' }] }) }));
    e.addPeer(peer(2));
    e.applyUpdate(1, announce(['10.0.0.0/8', '11.0.0.0/8'], attrs()));
    const c = e.counts();
    assert.equal(c.perPeer.get(1), { received: 2, accepted: 1, advertised: 0 });
    assert.equal(c.perPeer.get(2), { received: 0, accepted: 0, advertised: 1 });
    assert.is(c.paths, 1);
    assert.is(c.best, 1);
  });
}

test.run();
