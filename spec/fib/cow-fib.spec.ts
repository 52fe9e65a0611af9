import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Fib, FibError, diffFibs, makeFibEntry, sameFib } from '../../lib/fib/index.js';
import { parsePrefix, formatPrefix } from '../../lib/wire/prefix.js';

const test = suite('fib/cow-fib');
const P = parsePrefix;

test('set/get/delete for IPv4 and IPv6 prefix keys; size follows', () => {
  const fib = new Fib();
  assert.ok(fib.set(P('10.0.0.0/8'), ['192.0.2.1'], 7));
  assert.ok(fib.set(P('2001:db8::/32'), ['2001:db8::1'], 8));
  assert.is(fib.size, 2);
  assert.equal(fib.get(P('10.0.0.0/8')), { prefix: P('10.0.0.0/8'), nextHops: ['192.0.2.1'], routeId: 7 });
  assert.is(fib.get(P('10.0.0.0/9')), undefined);
  assert.is(fib.get(P('2001:db8::/32'))!.routeId, 8);
  assert.not.ok(fib.set(P('10.0.0.0/8'), ['192.0.2.1'], 7), 'same entry again is a no-op');
  assert.ok(fib.set(P('10.0.0.0/8'), ['192.0.2.2'], 7));
  assert.is(fib.size, 2);
  assert.ok(fib.delete(P('10.0.0.0/8')));
  assert.not.ok(fib.delete(P('10.0.0.0/8')));
  assert.is(fib.size, 1);
});

test('ECMP next hops are a set: sorted and deduplicated, so order does not make entries differ', () => {
  const a = new Fib();
  const b = new Fib();
  a.set(P('192.0.2.0/24'), ['10.0.0.3', '10.0.0.2', '10.0.0.3']);
  b.set(P('192.0.2.0/24'), ['10.0.0.2', '10.0.0.3']);
  assert.equal(a.get(P('192.0.2.0/24'))!.nextHops, ['10.0.0.2', '10.0.0.3']);
  assert.ok(sameFib(a, b));
  assert.equal(diffFibs(a, b), []);
});

test('longest-prefix match: most specific covering entry, per family; default routes', () => {
  const fib = new Fib();
  fib.set(P('0.0.0.0/0'), ['192.0.2.254'], 1);
  fib.set(P('10.0.0.0/8'), ['192.0.2.1'], 2);
  fib.set(P('10.1.0.0/16'), ['192.0.2.2'], 3);
  fib.set(P('10.1.2.3/32'), ['192.0.2.3'], 4);
  fib.set(P('2001:db8::/32'), ['fe80::1'], 5);
  fib.set(P('2001:db8:1::/48'), ['fe80::2'], 6);
  assert.is(fib.lookup('10.1.2.3')!.routeId, 4);
  assert.is(fib.lookup('10.1.2.4')!.routeId, 3);
  assert.is(fib.lookup('10.2.0.0')!.routeId, 2);
  assert.is(fib.lookup('11.0.0.1')!.routeId, 1);
  assert.is(fib.lookupIpv4(0x0a010203)!.routeId, 4);
  assert.is(fib.lookup(new Uint8Array([10, 1, 9, 9]))!.routeId, 3);
  assert.is(fib.lookup('2001:db8:1:2::1')!.routeId, 6);
  assert.is(fib.lookup('2001:db8:2::1')!.routeId, 5);
  assert.is(fib.lookup('2001:db9::1'), undefined);
  fib.delete(P('0.0.0.0/0'));
  assert.is(fib.lookup('11.0.0.1'), undefined);
});

test('entries() are in prefix-key order (address, then length), IPv4 before IPv6', () => {
  const fib = new Fib();
  const texts = ['10.128.0.0/9', '10.0.0.0/16', '2001:db8::/32', '10.0.0.0/8', '0.0.0.0/0', '192.0.2.0/24', '::/0'];
  for (const t of texts) fib.set(P(t), ['192.0.2.1']);
  const got = [...fib].map((e) => formatPrefix(e.prefix));
  const v4 = texts.filter((t) => !t.includes(':')).map(P).sort((x, y) => (x as number) - (y as number)).map(formatPrefix);
  assert.equal(got, [...v4, '::/0', '2001:db8::/32']);
  assert.equal(fib.toArray().map((e) => formatPrefix(e.prefix)), got);
});

test('a snapshot keeps reading its state while the table is written; snapshot() shares every node', () => {
  const fib = new Fib();
  for (let i = 0; i < 1000; i++) fib.set(i * 256 * 64 + 24, ['192.0.2.1'], i);
  const snap = fib.snapshot();
  assert.is(snap.root4, fib.root4, 'O(1): same root, nothing copied');
  const before = snap.digest();
  fib.set(5 * 256 * 64 + 24, ['192.0.2.9'], 99);
  fib.delete(6 * 256 * 64 + 24);
  fib.set(P('2001:db8::/32'), ['2001:db8::1']);
  assert.is(snap.get(5 * 256 * 64 + 24)!.routeId, 5);
  assert.ok(snap.has(6 * 256 * 64 + 24));
  assert.is(snap.size, 1000);
  assert.is(snap.digest(), before);
  assert.is(fib.size, 1000);
  const d = diffFibs(snap, fib);
  assert.equal(d.map((x) => [formatPrefix(x.prefix), x.a?.routeId, x.b?.routeId]), [
    ['0.0.5.0/24', 5, 99],
    ['0.0.6.0/24', 6, undefined],
    ['2001:db8::/32', undefined, 0],
  ]);
});

test('the digest depends on content, not on write order or history', () => {
  const keys = Array.from({ length: 500 }, (_, i) => ((i * 2654435761) >>> 8) * 64 + 8 + (i % 17));
  const a = new Fib();
  const b = new Fib();
  for (const k of keys) a.set(P(formatPrefix(k)), ['192.0.2.1'], 1);
  for (const k of [...keys].reverse()) b.set(P(formatPrefix(k)), ['192.0.2.1'], 1);
  b.set(P('203.0.113.0/24'), ['192.0.2.1']);
  b.snapshot();
  b.delete(P('203.0.113.0/24'));
  assert.is(a.size, b.size);
  assert.is(a.digest(), b.digest());
  assert.is(a.nodeCount(), b.nodeCount(), 'canonical shape');
  b.set(P(formatPrefix(keys[3])), ['192.0.2.1'], 2);
  assert.is.not(a.digest(), b.digest());
});

test('applyFrom rewrites exactly the differing entries and returns the batch', () => {
  const mine = new Fib();
  const theirs = new Fib();
  for (let i = 0; i < 300; i++) {
    mine.set(i * 64 * 4096 + 20, ['192.0.2.1'], i);
    theirs.set(i * 64 * 4096 + 20, ['192.0.2.1'], i);
  }
  theirs.set(P('198.51.100.0/24'), ['192.0.2.7'], 1000);
  theirs.delete(7 * 64 * 4096 + 20);
  mine.set(9 * 64 * 4096 + 20, ['192.0.2.9'], 9);
  const batch = mine.applyFrom(theirs);
  assert.is(batch.length, 3);
  assert.ok(sameFib(mine, theirs));
  assert.equal(diffFibs(mine, theirs), []);
});

test('resetTo a live Fib shares a snapshot: later writes to either side stay apart', () => {
  const a = new Fib();
  a.set(P('10.0.0.0/8'), ['192.0.2.1'], 1);
  const b = new Fib();
  b.resetTo(a);
  a.set(P('10.0.0.0/8'), ['192.0.2.2'], 2);
  b.set(P('11.0.0.0/8'), ['192.0.2.3'], 3);
  assert.is(b.get(P('10.0.0.0/8'))!.routeId, 1);
  assert.not.ok(a.has(P('11.0.0.0/8')));
});

test('bad input is a typed FibError', () => {
  const fib = new Fib();
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      assert.instance(e, FibError);
      return (e as FibError).code;
    }
    return 'no error';
  };
  assert.is(code(() => fib.set(P('10.0.0.0/8'), [])), 'BTRD_ERR_FIB_BAD_ENTRY');
  assert.is(code(() => fib.set(33, ['192.0.2.1'])), 'BTRD_ERR_FIB_BAD_ENTRY');
  assert.is(code(() => fib.get('zz')), 'BTRD_ERR_FIB_BAD_ENTRY');
  assert.is(code(() => fib.lookup('10.0.0')), 'BTRD_ERR_FIB_BAD_ADDRESS');
  assert.is(code(() => fib.apply([{ prefix: P('10.0.0.0/8'), entry: makeFibEntry(P('11.0.0.0/8'), ['192.0.2.1']) }])), 'BTRD_ERR_FIB_BAD_ENTRY');
});

test.run();
