import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RoutingEngine } from '../../lib/rib/engine.js';
import { EngineError } from '../../lib/rib/errors.js';
import { PolicyError } from '../../lib/policy/errors.js';
import { formatPrefix } from '../../lib/wire/prefix.js';
import type { UpdateMessage } from '../../lib/wire/types.js';
import { OWN_AS, P, announce, attrs, engineOptions, peer, policy, withdraw } from './fixtures.js';

// The engine's behavioural scenarios shared with decision implementation b (same input, same expected
// result) live in spec/decision/variant-b/engine-scenarios.spec.ts, which runs each of them against BOTH
// engines; this file keeps the cases specific to engine a.
const test = suite('rib/engine');

function bestPeer(e: RoutingEngine, prefix: string): number | null {
  return e.best(P(prefix))?.peerId ?? null;
}

test('prefixes whose announcements were all rejected leave nothing allocated', () => {
  const e = new RoutingEngine(engineOptions());
  e.addPeer(peer(1));
  const ps = Array.from({ length: 200 }, (_, i) => `10.${i}.0.0/16`);
  e.applyUpdate(1, announce(ps, attrs({ path: [65001, OWN_AS] })));
  // The Loc-RIB table also holds the Adj-RIBs-In (pre-policy: looped routes stay there until withdrawn).
  const rows = (): number => (e as unknown as { loc: { size: number } }).loc.size;
  assert.is(e.counts().paths, 0);
  assert.is(e.counts().best, 0);
  assert.is(e.counts().perPeer.get(1)!.received, 200);
  assert.is(rows(), 200, 'one row per prefix, held by the Adj-RIB-In entry only');
  e.applyUpdate(1, withdraw(ps));
  assert.is(e.counts().perPeer.get(1)!.received, 0);
  assert.is(rows(), 0, 'withdrawn: nothing left allocated');
  e.applyUpdate(1, announce(ps, attrs({ path: [65001, OWN_AS] })));
  e.removePeer(1);
  assert.is(rows(), 0, 'peer down: nothing left allocated');
});

test('LOCAL_PREF received from eBGP is ignored: the route ranks at the default 100 (RFC 4271 §5.1.5)', () => {
  const e = new RoutingEngine(engineOptions());
  e.addPeer(peer(1));
  e.addPeer(peer(2, { ebgp: false, address: '192.0.2.200' }));
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65001], localPref: 500 })));
  e.applyUpdate(2, announce(['10.0.0.0/8'], attrs({ path: [65009, 65001], localPref: 150 })));
  assert.is(bestPeer(e, '10.0.0.0/8'), 2, 'iBGP LOCAL_PREF 150 beats the eBGP route despite its 500');
  assert.is(e.best(P('10.0.0.0/8'))!.attributes.localPref, 150);
  assert.is(e.candidates(P('10.0.0.0/8')).find((r) => r.peerId === 1)!.rank.localPref, 100);
});

test("treat-as-withdraw withdraws every NLRI of the UPDATE, MP_REACH included (RFC 7606 §2)", () => {
  const e = new RoutingEngine(engineOptions());
  e.addPeer(peer(1));
  e.applyUpdate(1, announce(['10.0.0.0/8', '2001:db8::/32'], attrs()));
  assert.is(e.counts().paths, 2);
  const bad: UpdateMessage = { ...announce(['10.0.0.0/8', '2001:db8::/32'], attrs()), treatment: 'treat-as-withdraw' };
  const d = e.applyUpdate(1, bad);
  assert.is(e.counts().paths, 0);
  assert.is(d.locRib.length, 2);
});

test('ADD-PATH receive: path ids keep several paths of one peer apart (RFC 7911)', () => {
  const e = new RoutingEngine(engineOptions());
  e.addPeer(peer(1, { codec: { fourOctetAs: true, ebgp: true, addPathIpv4: true } }));
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65001, 2, 3] }), [1]));
  e.applyUpdate(1, announce(['10.0.0.0/8'], attrs({ path: [65001, 2] }), [2]));
  assert.is(e.candidates(P('10.0.0.0/8')).length, 2);
  assert.is(e.best(P('10.0.0.0/8'))!.pathId, 2);
  e.applyUpdate(1, withdraw(['10.0.0.0/8'], [2]));
  assert.is(e.candidates(P('10.0.0.0/8')).length, 1);
  assert.is(e.best(P('10.0.0.0/8'))!.pathId, 1);
});

test('addPeer returns the full initial Adj-RIB-Out; removePeer withdraws exactly its paths', () => {
  const e = new RoutingEngine(engineOptions());
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
  assert.is(r.out.get(3)!.announce.size, 1, '11/8 re-announced with the path via peer 1');
  assert.is(e.counts().paths, 2);
  assert.throws(() => e.applyUpdate(2, withdraw([])), (err: unknown) => err instanceof EngineError && err.code === 'BTRD_ERR_UNKNOWN_PEER');
  assert.throws(() => e.addPeer(peer(1)), (err: unknown) => err instanceof EngineError && err.code === 'BTRD_ERR_DUPLICATE_PEER');
});

test('setPolicies re-applies import policy to the kept pre-policy Adj-RIB-In (soft reconfiguration)', () => {
  const e = new RoutingEngine(engineOptions());
  e.addPeer(peer(1, { importPolicy: policy({ default: 'reject' }) }));
  e.addPeer(peer(2));
  e.applyUpdate(1, announce(['10.0.0.0/8', '11.0.0.0/8'], attrs()));
  assert.is(e.counts().paths, 0);
  assert.is([...e.adjRibIn(1)].length, 2, 'pre-policy Adj-RIB-In keeps rejected paths');
  const d = e.setPolicies(1, policy({ terms: [{ match: { prefixes: [{ prefix: '10.0.0.0/8' }] }, action: 'accept', set: { localPref: 300 } }], default: 'reject' }), policy({}));
  assert.equal(d.locRib.map((x) => formatPrefix(x.prefix)), ['10.0.0.0/8']);
  assert.is(e.best(P('10.0.0.0/8'))!.attributes.localPref, 300);
  assert.equal([...d.out.get(2)!.announce.keys()].map(formatPrefix), ['10.0.0.0/8']);
  // Export policy change re-runs the peer's Adj-RIB-Out.
  const x = e.setPolicies(2, policy({}), policy({ default: 'reject' }));
  assert.equal([...x.out.get(2)!.withdraw].map(formatPrefix), ['10.0.0.0/8']);
  assert.is(e.adjRibOut(2).announce.size, 0);
  // A bad policy throws and changes nothing.
  assert.throws(() => e.setPolicies(1, policy({ terms: [{ match: { asPathRegex: '(' }, action: 'accept' }] }), policy({})), (err: unknown) => err instanceof PolicyError);
  assert.is(e.best(P('10.0.0.0/8'))!.attributes.localPref, 300);
});

test.run();
