/**
 * Controller parts without threads: the fault table's raw-byte attribute scan (checked against the
 * decoder on real UPDATEs), the re-sync encoder (Adj-RIB-In → UPDATEs → a fresh engine has the same
 * Adj-RIB-In), the poison bisection, and the controller's thresholds (wrong window, back-off, retire).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RoutingEngine } from '../../lib/rib/engine.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { attributeTypes, asPathLength, flipBit } from '../../lib/replica/faults.js';
import { encodeAdjRibIn, withdrawalFor } from '../../lib/replica/resync.js';
import { ReplicaController, SILENT, bisectPoison } from '../../lib/replica/controller.js';
import { rotateKnobs } from '../../lib/replica/replica-set.js';
import { parsePrefix } from '../../lib/wire/prefix.js';
import type { Route } from '../../lib/rib/types.js';
import { ENGINE, loadRawJinx, type RawFeed } from './feed.js';

const test = suite('replica/controller parts');
let feeds: RawFeed[] = [];

test.before(async () => {
  feeds = await loadRawJinx(2);
});

test('attributeTypes (raw scan) lists exactly the attribute types the decoder saw, on real UPDATEs', () => {
  let n = 0;
  for (const f of feeds) {
    for (const m of f.messages.slice(0, 2000)) {
      const u = decodeUpdate(m.subarray(19), f.peer.codec);
      const wire = (u.attributes?.wire ?? []).map((w) => w.type);
      const raw = attributeTypes(m.subarray(19));
      // MP_REACH/MP_UNREACH are carried on the UPDATE, not in the interned attribute set.
      assert.equal(raw.filter((t) => t !== 14 && t !== 15), wire.filter((t) => t !== 14 && t !== 15));
      if (u.mpReach) assert.ok(raw.includes(14));
      n++;
    }
  }
  assert.ok(n > 1000);
});

test('asPathLength counts an AS_SET as one; flipBit flips exactly one bit', () => {
  assert.is(asPathLength({ asPath: [{ type: 2, asns: [1, 2, 3] }, { type: 1, asns: [7, 8] }] }), 4);
  assert.is(asPathLength(null), 0);
  assert.is(flipBit('10.0.0.1', 0), '10.0.0.0');
  assert.is(flipBit('10.0.0.1', 9), '10.0.2.1');
  assert.is(flipBit('2001:db8::1', 1), '2001:db8:0:0:0:0:0:3');
});

test('re-sync encoding: a fresh engine fed the encoded Adj-RIB-In has the same Adj-RIB-In (real table)', () => {
  const opts = { ...ENGINE, resolveNextHop: () => ({ igpCost: 0 }) };
  const a = new RoutingEngine(opts);
  const b = new RoutingEngine(opts);
  for (const f of feeds) {
    a.addPeer(f.peer);
    b.addPeer(f.peer);
    for (const m of f.messages) a.applyUpdate(f.peer.id, decodeUpdate(m.subarray(19), f.peer.codec));
  }
  const key = (r: Route): string => JSON.stringify([r.prefix, r.pathId, r.nextHop, r.nextHopLinkLocal ?? null, r.attributes], (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v));
  let messages = 0;
  for (const f of feeds) {
    const msgs = encodeAdjRibIn(a.adjRibIn(f.peer.id), f.peer.codec, 4096);
    messages += msgs.length;
    for (const m of msgs) {
      assert.ok(m.length <= 4096);
      b.applyUpdate(f.peer.id, decodeUpdate(m.subarray(19), f.peer.codec));
    }
    const want = [...a.adjRibIn(f.peer.id)].map(key).sort();
    const got = [...b.adjRibIn(f.peer.id)].map(key).sort();
    assert.ok(want.length > 100);
    assert.equal(got, want);
  }
  assert.ok(messages < feeds.reduce((s, f) => s + f.messages.length, 0), 'paths sharing attributes share messages');
  // And the withdrawal of some of them removes exactly those.
  const f = feeds[0];
  const some = [...a.adjRibIn(f.peer.id)].slice(0, 5).map((r) => r.prefix);
  b.applyUpdate(f.peer.id, decodeUpdate(withdrawalFor(some, null, f.peer.codec).subarray(19), f.peer.codec));
  const left = new Set([...b.adjRibIn(f.peer.id)].map((r) => r.prefix));
  for (const p of some) assert.not.ok(left.has(p));
  assert.is(left.size, [...a.adjRibIn(f.peer.id)].length - 5);
});

test('bisectPoison finds the single poison input within 2·⌈log2 n⌉ + 1 probes; a combination is not a single poison', async () => {
  for (const [n, k] of [[1, 0], [2, 1], [7, 3], [1000, 999], [1000, 0], [333, 170]] as const) {
    let probes = 0;
    const got = await bisectPoison(n, async (idx) => (probes++, idx.includes(k) ? { faulty: true, reason: 'x' } : { faulty: false }));
    assert.equal(got, { index: k, reason: 'x' });
    assert.ok(probes <= 2 * Math.ceil(Math.log2(Math.max(2, n))) + 1, `${probes} probes for n=${n}`);
  }
  assert.is(await bisectPoison(8, async (idx) => (idx.includes(1) && idx.includes(6) ? { faulty: true, reason: 'both' } : { faulty: false })), null);
  assert.is(await bisectPoison(8, async () => ({ faulty: false })), null);
});

test('controller: wrong after m minority rounds in the last w; back-off doubles; retired after max restarts', () => {
  const c = new ReplicaController(3, { wrongThreshold: { m: 2, w: 4 }, restartBackoffMs: 100, maxRestarts: 2 }, SILENT);
  assert.not.ok(c.minority(0, true));
  assert.not.ok(c.minority(0, false));
  assert.not.ok(c.minority(0, false));
  assert.not.ok(c.minority(0, false));
  assert.not.ok(c.minority(0, true), 'the first minority round left the window');
  assert.ok(c.minority(0, true));
  assert.is(c.planRestart(1), 100);
  c.restarted(1, 'crash');
  assert.is(c.planRestart(1), 200);
  c.restarted(1, 'hang');
  assert.is(c.planRestart(1), null);
  const st = c.status([0, 1, 2].map((index) => ({ index, state: index === 1 ? 'retired' : 'voting', generation: 0, knobs: {} })), 2, 3);
  assert.equal(st.restarts, { crash: 1, hang: 1, leak: 0, wrong: 0 });
  assert.equal(st.retired, [1]);
  assert.ok(st.degraded);
  assert.throws(() => new ReplicaController(1, { wrongThreshold: { m: 3, w: 2 } }, SILENT));
});

test('rotated knobs: other impl, new order seed, other scan order; generation 0 unchanged', () => {
  const k = { impl: 'a' as const, orderSeed: 5, prefixes: ['0.0.0.0/1'] };
  assert.is(rotateKnobs(k, 0), k);
  const r1 = rotateKnobs(k, 1);
  assert.is(r1.impl, 'b');
  assert.is.not(r1.orderSeed, 5);
  assert.ok(r1.layout?.reverseScan);
  assert.equal(r1.prefixes, k.prefixes);
  assert.is(rotateKnobs(k, 2).impl, 'a');
  assert.is.not(rotateKnobs(k, 2).orderSeed, r1.orderSeed);
  parsePrefix('0.0.0.0/1');
});

test.run();
