/**
 * The jinx RIB slice (RouteViews, 2014-05-23: 35 peers × 9,072 prefixes) fed as 35 eBGP peers.
 * Invariants: every best is among its candidates and equals the naive RFC 4271 §9.1 elimination over the
 * tie-break table; with always-compare-med no candidate beats it; removing a peer removes exactly its paths;
 * feeding the peers in reverse order gives the same Loc-RIB.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RoutingEngine } from '../../lib/rib/engine.js';
import { TIE_BREAKS, compareRoutes } from '../../lib/decision/tie-breaks.js';
import type { RibRoute } from '../../lib/rib/route.js';
import { engineOptions } from './fixtures.js';
import { loadJinx, type PeerFeed } from './jinx.js';

const test = suite('rib/real-data (jinx RIB slice)');
let feeds: PeerFeed[] = [];

test.before(async () => {
  feeds = await loadJinx();
});

function feed(e: RoutingEngine, order: PeerFeed[]): void {
  for (const f of order) e.addPeer(f.peer);
  for (const f of order) for (const u of f.updates) e.applyUpdate(f.peer.id, u);
}

function reference(cs: RibRoute[]): RibRoute | null {
  let s = cs.slice();
  for (const t of TIE_BREAKS) s = s.filter((x) => !s.some((y) => t.compare(y, x) < 0));
  s.sort((a, b) => a.peerId - b.peerId);
  return s[0] && s[0].nh.reachable ? s[0] : null;
}

test('the slice has 35 peers and 9,072 prefixes', () => {
  assert.is(feeds.length, 35);
  const e = new RoutingEngine(engineOptions());
  feed(e, feeds);
  assert.is(e.counts().best, 9072);
});

test('every best is one of its candidates and the RFC 4271 §9.1 elimination result', () => {
  const e = new RoutingEngine(engineOptions());
  feed(e, feeds);
  let n = 0;
  for (const best of e.locRib()) {
    const cs = e.candidates(best.prefix);
    // Views build a fresh RibRoute per call: compare the path (peer, path id, attributes, next hop).
    const same = (c: RibRoute | null): boolean => c !== null && c.peerId === best.peerId && c.pathId === best.pathId && c.attributes === best.attributes && c.nextHop === best.nextHop;
    assert.ok(cs.some(same));
    assert.ok(same(reference(cs)));
    n++;
  }
  assert.is(n, 9072);
});

test('always-compare-med: no candidate beats the best under the tie-break table', () => {
  const e = new RoutingEngine(engineOptions({ alwaysCompareMed: true }));
  feed(e, feeds);
  for (const best of e.locRib()) for (const c of e.candidates(best.prefix)) assert.ok(compareRoutes(c, best as RibRoute) >= 0);
});

test('removing a peer removes exactly its paths and re-decides its prefixes', () => {
  const e = new RoutingEngine(engineOptions());
  feed(e, feeds);
  const victim = feeds[7].peer.id;
  const before = e.counts();
  const own = before.perPeer.get(victim)!.accepted;
  const bestBefore = new Map([...e.locRib()].map((r) => [r.prefix, r]));
  const d = e.removePeer(victim);
  const after = e.counts();
  assert.is(after.paths, before.paths - own);
  for (const r of e.locRib()) {
    assert.is.not(r.peerId, victim);
    for (const c of e.candidates(r.prefix)) assert.is.not(c.peerId, victim);
  }
  const changed = new Set(d.locRib.map((x) => x.prefix));
  for (const [k, r] of bestBefore) if (r.peerId === victim) assert.ok(changed.has(k), 'every prefix it was best for is in the delta');
  for (const x of d.locRib) assert.is(bestBefore.get(x.prefix)!.peerId, victim, 'no other prefix changes');
});

test('reverse feed order gives the same Loc-RIB', () => {
  const a = new RoutingEngine(engineOptions());
  feed(a, feeds);
  const b = new RoutingEngine(engineOptions());
  feed(b, [...feeds].reverse());
  const key = (r: { prefix: unknown; peerId: number }): string => `${String(r.prefix)} ${r.peerId}`;
  assert.equal([...b.locRib()].map(key).sort(), [...a.locRib()].map(key).sort());
  // Same exported attributes (content) to one peer.
  const out = (e: RoutingEngine): string[] => [...e.adjRibOut(feeds[0].peer.id).announce].map(([k, v]) => `${String(k)} ${JSON.stringify(v.asPath)} ${v.nextHop}`).sort();
  assert.equal(out(b), out(a));
});

test.run();
