/**
 * voted-delta: a voted round's Loc-RIB changes are built from the deciding results' columns only when read,
 * give the same entries as the columns say (route fields, link-local next hop, withdrawals), count without
 * building, and stay the same array once built (callers may edit it).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LazyVotedDelta, VotedLocChanges } from '../../lib/replica/voted-delta.js';
import { locRibChanges } from '../../lib/replica/replica-set.js';
import type { RoundResult } from '../../lib/replica/protocol.js';
import { ipv4Key, parsePrefix } from '../../lib/wire/prefix.js';
import type { PathAttributes } from '../../lib/wire/types.js';

const test = suite('replica/voted-delta');

function result(n: number): RoundResult {
  return {
    kind: 'round', replica: 0, round: 1, ms: 0, prefixes4: new Float64Array(n), prefixes6: [], outcome: new Float64Array(n),
    locChanged: new Uint8Array(n).fill(1), bestPeer: new Int32Array(n).fill(-1), bestPathId: new Float64Array(n), bestAttrs: new Float64Array(n),
    bestNextHop: new Int32Array(n).fill(-1), bestLinkLocal: new Int32Array(n).fill(-1), strings: ['192.0.2.1', '2001:db8::1', 'fe80::1'],
    expPrefix: new Uint32Array(0), expPeer: new Uint32Array(0), expAttrs: new Float64Array(0), ribDigest: 0, selfCheckFailures: 0, inputErrors: [], heapUsedBytes: 0,
  };
}

const attrsA: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '192.0.2.1' };
const attrsB: PathAttributes = { origin: 1, asPath: [{ type: 2, asns: [65002, 65003] }] };

test('built on first read, from the columns, in the order added', () => {
  const r1 = result(3);
  r1.bestPeer[0] = 4;
  r1.bestPathId[0] = 17;
  r1.bestNextHop[0] = 0;
  // index 1: a withdrawal (bestPeer -1); index 2: an IPv6 best with a link-local next hop
  r1.bestPeer[2] = 5;
  r1.bestPathId[2] = 2 ** 40;
  r1.bestNextHop[2] = 1;
  r1.bestLinkLocal[2] = 2;
  const p4 = ipv4Key(0x0a000000, 8);
  const p4b = ipv4Key(0xc0a80000, 16);
  const p6 = parsePrefix('2001:db8::/32');
  const changes = new VotedLocChanges(4);
  changes.add(p6, r1, 2, attrsB);
  changes.add(p4, r1, 0, attrsA);
  changes.add(p4b, r1, 1, null);
  const d = new LazyVotedDelta(changes, 7, []);
  assert.is(locRibChanges(d), 3, 'counted without building');
  assert.is(d.round, 7);
  const built = d.locRib;
  assert.equal(built, [
    { prefix: p6, best: { peerId: 5, prefix: p6, pathId: 2 ** 40, attributes: attrsB, nextHop: '2001:db8::1', nextHopLinkLocal: 'fe80::1' } },
    { prefix: p4, best: { peerId: 4, prefix: p4, pathId: 17, attributes: attrsA, nextHop: '192.0.2.1' } },
    { prefix: p4b, best: null },
  ]);
  assert.ok(built[1].best!.attributes === attrsA, 'the attribute set itself, not a copy');
  assert.ok(d.locRib === built, 'the same array on every read');
  built.push({ prefix: p4b, best: null });
  assert.is(locRibChanges(d), 4, 'edits to the built array count');
});

test('an empty delta and an assigned Loc-RIB', () => {
  const d = new LazyVotedDelta(null, 1, []);
  assert.is(locRibChanges(d), 0);
  assert.equal(d.locRib, []);
  const e = new LazyVotedDelta(new VotedLocChanges(1), 2, []);
  e.locRib = [{ prefix: ipv4Key(0, 0), best: null }];
  assert.is(locRibChanges(e), 1);
  assert.is(e.locRib[0].best, null);
});

test('a plain delta counts its array', () => {
  assert.is(locRibChanges({ locRib: [{ prefix: ipv4Key(0, 0), best: null }], out: new Map() }), 1);
});

test.run();
