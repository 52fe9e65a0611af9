import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RoutingEngine } from '../../lib/rib/engine.js';
import type { EnginePeer } from '../../lib/rib/types.js';
import type { PathAttributes } from '../../lib/wire/types.js';
import { OWN_AS, P, announce, attrs, engineOptions, peer, policy, seq, withdraw } from '../rib/fixtures.js';

const test = suite('export/rules');

function setup(peers: EnginePeer[], opts = engineOptions()): RoutingEngine {
  const e = new RoutingEngine(opts);
  for (const p of peers) e.addPeer(p);
  return e;
}
const sent = (e: RoutingEngine, to: number, prefix: string): PathAttributes | undefined => e.adjRibOut(to).announce.get(P(prefix));

test('never back to the peer it came from', () => {
  const e = setup([peer(1), peer(2)]);
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs()));
  assert.is(sent(e, 1, '10.0.0.0/8'), undefined);
  assert.ok(sent(e, 2, '10.0.0.0/8'));
});

test('eBGP: own AS prepended, next hop self, no LOCAL_PREF, no MED from another AS (RFC 4271 §5.1.2-5)', () => {
  const e = setup([peer(1, { ebgp: false, address: '10.1.0.1' }), peer(2)]);
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65100], localPref: 200, med: 7, nextHop: '10.1.0.9', originatorId: '1.2.3.4', clusterList: ['9.9.9.9'] })));
  const a = sent(e, 2, '10.0.0.0/8')!;
  assert.equal(a.asPath, [seq(OWN_AS, 65100)]);
  assert.is(a.nextHop, '192.0.2.254');
  assert.is(a.localPref, undefined);
  assert.is(a.med, undefined);
  assert.is(a.originatorId, undefined);
  assert.is(a.clusterList, undefined);
});

test('eBGP: confederation segments are removed (RFC 5065 §5.3)', () => {
  const e = setup([peer(1, { ebgp: false }), peer(2)]);
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ asPath: [{ type: 3, asns: [65500] }, seq(65100)] })));
  assert.equal(sent(e, 2, '10.0.0.0/8')!.asPath, [seq(OWN_AS, 65100)]);
});

test('eBGP IPv6: next hop self is our IPv6 session address', () => {
  const e = setup([peer(1), peer(2)]);
  e.applyUpdate(1, announce(['2001:db8::/32'], attrs()));
  assert.is(sent(e, 2, '2001:db8::/32')!.nextHop, '2001:db8::fe');
});

test('NO_EXPORT is not sent to eBGP peers, but to iBGP peers (RFC 1997)', () => {
  const e = setup([peer(1), peer(2), peer(3, { ebgp: false })]);
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ communities: [0xffffff01] })));
  assert.is(sent(e, 2, '10.0.0.0/8'), undefined);
  assert.ok(sent(e, 3, '10.0.0.0/8'));
});

test('NO_ADVERTISE is sent to nobody (RFC 1997)', () => {
  const e = setup([peer(1), peer(2), peer(3, { ebgp: false })]);
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ communities: [0xffffff02] })));
  assert.is(sent(e, 2, '10.0.0.0/8'), undefined);
  assert.is(sent(e, 3, '10.0.0.0/8'), undefined);
});

test('iBGP: LOCAL_PREF kept (100 when absent), next hop and MED unchanged (RFC 4271 §5.1.5)', () => {
  const e = setup([peer(1), peer(2, { ebgp: false })]);
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ med: 5, nextHop: '192.0.2.1' })));
  const a = sent(e, 2, '10.0.0.0/8')!;
  assert.is(a.localPref, 100);
  assert.is(a.med, 5);
  assert.is(a.nextHop, '192.0.2.1');
  assert.equal(a.asPath, [seq(65001)]);
});

test('iBGP: next-hop-self when configured', () => {
  const e = setup([peer(1), peer(2, { ebgp: false, nextHopSelf: true })]);
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs()));
  assert.is(sent(e, 2, '10.0.0.0/8')!.nextHop, '192.0.2.254');
});

test('iBGP-learned routes are not sent to iBGP non-clients (RFC 4271 §9.2)', () => {
  const e = setup([peer(1, { ebgp: false }), peer(2, { ebgp: false }), peer(3)]);
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65100] })));
  assert.is(sent(e, 2, '10.0.0.0/8'), undefined);
  assert.ok(sent(e, 3, '10.0.0.0/8'));
});

test('route reflection: a client route goes to clients and non-clients with ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §6, §8)', () => {
  const e = setup([peer(1, { ebgp: false, routeReflectorClient: true }), peer(2, { ebgp: false, routeReflectorClient: true }), peer(3, { ebgp: false })], engineOptions({ clusterId: '7.7.7.7' }));
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65100], nextHop: '10.9.9.9', clusterList: ['8.8.8.8'] })));
  for (const to of [2, 3]) {
    const a = sent(e, to, '10.0.0.0/8')!;
    assert.is(a.originatorId, '10.0.0.1', 'the source peer BGP identifier');
    assert.equal(a.clusterList, ['7.7.7.7', '8.8.8.8']);
    assert.is(a.nextHop, '10.9.9.9', 'reflected routes keep their next hop');
  }
});

test('route reflection: a non-client route goes to clients only (RFC 4456 §6)', () => {
  const e = setup([peer(1, { ebgp: false }), peer(2, { ebgp: false, routeReflectorClient: true }), peer(3, { ebgp: false })]);
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65100], originatorId: '3.3.3.3' })));
  assert.is(sent(e, 2, '10.0.0.0/8')!.originatorId, '3.3.3.3', 'an existing ORIGINATOR_ID is kept');
  assert.equal(sent(e, 2, '10.0.0.0/8')!.clusterList, ['10.255.0.1'], 'CLUSTER_ID defaults to the router id');
  assert.is(sent(e, 3, '10.0.0.0/8'), undefined);
});

test('route server client: no prepend, next hop and MED kept (RFC 7947 §2.2)', () => {
  const e = setup([peer(1), peer(2, { routeServerClient: true })]);
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ med: 9, nextHop: '192.0.2.1' })));
  const a = sent(e, 2, '10.0.0.0/8')!;
  assert.equal(a.asPath, [seq(65001)]);
  assert.is(a.nextHop, '192.0.2.1');
  assert.is(a.med, 9);
});

test('export policy is applied last: it can set MED towards eBGP, prepend, tag communities', () => {
  const exportPolicy = policy({ terms: [{ match: { prefixes: [{ prefix: '10.0.0.0/8', le: 16 }] }, action: 'accept', set: { med: 50, prepend: 2, addCommunities: ['64512:1'] } }], default: 'reject' });
  const e = setup([peer(1), peer(2, { exportPolicy })]);
  e.applyUpdate(1, announce(['10.0.0.0/8', '10.1.2.0/24'], attrs()));
  const a = sent(e, 2, '10.0.0.0/8')!;
  assert.is(a.med, 50);
  assert.equal(a.asPath, [seq(OWN_AS, OWN_AS, OWN_AS, 65001)]);
  assert.equal(a.communities, [64512 * 65536 + 1]);
  assert.is(sent(e, 2, '10.1.2.0/24'), undefined, 'default reject');
});

test('withdrawn from a peer when the best path is no longer exported to it', () => {
  const e = setup([peer(1), peer(2), peer(3, { ebgp: false, address: '10.1.0.3', routerId: '10.0.0.3' })]);
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65001, 5] })));
  assert.ok(sent(e, 2, '10.0.0.0/8'));
  // A better path from peer 2 itself: not sent back to peer 2 → withdraw what it had.
  const d = e.applyUpdate(2, announce(['10.0.0.0/8'], attrs({ path: [65002], nextHop: '192.0.2.2' })));
  assert.equal([...d.out.get(2)!.withdraw], [P('10.0.0.0/8')]);
  assert.ok(d.out.get(1)!.announce.has(P('10.0.0.0/8')));
  assert.is(sent(e, 2, '10.0.0.0/8'), undefined);
  // And when the route is withdrawn everywhere.
  e.applyUpdate(2, withdraw(['10.0.0.0/8']));
  const w = e.applyUpdate(1, withdraw(['10.0.0.0/8']));
  assert.equal([...w.out.get(2)!.withdraw], [P('10.0.0.0/8')]);
  assert.equal([...w.out.get(3)!.withdraw], [P('10.0.0.0/8')]);
});

test('exported attribute objects are frozen and shared between peers of one profile', () => {
  const e = setup([peer(1), peer(2), peer(3)]);
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs()));
  const a = sent(e, 2, '10.0.0.0/8')!;
  assert.ok(Object.isFrozen(a));
  assert.is(sent(e, 3, '10.0.0.0/8'), a);
});

test.run();
