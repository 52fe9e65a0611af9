import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { IntStack, PrefixIndex, PrefixMap, hashPrefixKey } from '../../lib/rib/prefix-map.js';
import type { PrefixKey } from '../../lib/wire/prefix.js';

const test = suite('rib/prefix-map');

const key = fc.oneof(
  // IPv4 keys (address * 64 + length), a small space so that collisions, long probe runs and deletes interact
  fc.integer({ min: 0, max: 300 }).map((i) => ((i * 2654435761) % 2 ** 32) * 64 + 24),
  fc.integer({ min: 0, max: 3 }).map((i) => `2001:0db8:000${i}::/48`),
  fc.constant('8#1'),
);
const op = fc.tuple(fc.constantFrom('set', 'delete', 'get'), key, fc.integer());

/** One set/delete/get on a PrefixIndex and on the reference Map, asserting the index's answer (-1 = absent). */
function applyIndexOp(m: PrefixIndex, ref: Map<PrefixKey, number>, [o, k, v]: [string, PrefixKey, number]): void {
  if (o === 'set') {
    assert.is(m.set(k, v), ref.get(k) ?? -1);
    ref.set(k, v);
  } else if (o === 'delete') {
    assert.is(m.delete(k), ref.get(k) ?? -1);
    ref.delete(k);
  } else assert.is(m.get(k), ref.get(k) ?? -1);
}

test('behaves like a Map (random operation sequences, growth, backward-shift deletion)', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
      const m = new PrefixMap<number>(2);
      const ref = new Map<PrefixKey, number>();
      for (const [o, k, v] of ops) {
        if (o === 'set') {
          m.set(k, v);
          ref.set(k, v);
        } else if (o === 'delete') assert.is(m.delete(k), ref.delete(k));
        else assert.is(m.get(k), ref.get(k));
        assert.is(m.size, ref.size);
      }
      for (const [k, v] of ref) assert.is(m.get(k), v);
      const entries = [...m.entries()].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      assert.equal(entries, [...ref.entries()].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
      assert.is([...m.keys()].length, ref.size);
      let n = 0;
      m.forEach(() => n++);
      assert.is(n, ref.size);
    }),
    { numRuns: 300 },
  );
});

test('full-range IPv4 keys (above 2^32) and a million entries', () => {
  const m = new PrefixMap<number>();
  const N = 200_000;
  for (let i = 0; i < N; i++) m.set(((i * 2654435761) % 2 ** 32) * 64 + 32, i);
  assert.is(m.size, N);
  for (let i = 0; i < N; i += 2) assert.ok(m.delete(((i * 2654435761) % 2 ** 32) * 64 + 32));
  assert.is(m.size, N / 2);
  for (let i = 0; i < N; i++) assert.is(m.get(((i * 2654435761) % 2 ** 32) * 64 + 32), i % 2 ? i : undefined);
});

test('PrefixIndex behaves like a Map of non-negative integers (-1 = absent)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('set', 'delete', 'get'), key, fc.nat({ max: 2 ** 31 - 1 })), { maxLength: 600 }), (ops) => {
      const m = new PrefixIndex(2);
      const ref = new Map<PrefixKey, number>();
      for (const o of ops) {
        applyIndexOp(m, ref, o);
        assert.is(m.size, ref.size);
      }
      const seen = new Map<PrefixKey, number>();
      m.forEach((v, k) => seen.set(k, v));
      assert.equal(new Map([...seen].sort((a, b) => String(a[0]).localeCompare(String(b[0])))), new Map([...ref].sort((a, b) => String(a[0]).localeCompare(String(b[0])))));
    }),
    { numRuns: 300 },
  );
});

test('PrefixIndex.retain drops exactly the rejected entries and leaves a working table (random tables and predicates)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(key, fc.nat({ max: 1000 })), { maxLength: 400 }),
      fc.integer({ min: 1, max: 7 }),
      fc.array(fc.tuple(fc.constantFrom('set', 'delete', 'get'), key, fc.nat({ max: 1000 })), { maxLength: 200 }),
      (fill, modulus, after) => {
        const m = new PrefixIndex(2);
        const ref = new Map<PrefixKey, number>();
        for (const [k, v] of fill) {
          m.set(k, v);
          ref.set(k, v);
        }
        // Keep the values divisible by `modulus` (1: keep all; 7: drop most) — the predicate sees each entry once.
        const keep = (v: number): boolean => v % modulus === 0;
        const seen = new Map<PrefixKey, number>();
        const removed = m.retain((v, k) => {
          assert.not.ok(seen.has(k), 'retain asked twice about one key');
          seen.set(k, v);
          return keep(v);
        });
        assert.equal(new Map([...seen].sort((a, b) => String(a[0]).localeCompare(String(b[0])))), new Map([...ref].sort((a, b) => String(a[0]).localeCompare(String(b[0])))));
        let expectRemoved = 0;
        for (const [k, v] of [...ref]) if (!keep(v)) {
          ref.delete(k);
          expectRemoved++;
        }
        assert.is(removed, expectRemoved);
        assert.is(m.size, ref.size);
        for (const [k] of fill) assert.is(m.get(k), ref.get(k) ?? -1, `after retain: ${String(k)}`);
        // Probe runs must be intact for later inserts and backward-shift deletions too.
        for (const o of after) applyIndexOp(m, ref, o);
        assert.is(m.size, ref.size);
        for (const [k, v] of ref) assert.is(m.get(k), v);
      },
    ),
    { numRuns: 400 },
  );
});

test('PrefixIndex.retain on a large table: drop half, drop all; clear', () => {
  const N = 100_000;
  const k = (i: number): number => ((i * 2654435761) % 2 ** 32) * 64 + 24;
  const m = new PrefixIndex();
  for (let i = 0; i < N; i++) m.set(k(i), i);
  assert.is(m.retain((v) => v % 2 === 0), N / 2);
  assert.is(m.size, N / 2);
  for (let i = 0; i < N; i++) assert.is(m.get(k(i)), i % 2 === 0 ? i : -1);
  assert.is(m.retain(() => false), N / 2);
  assert.is(m.size, 0);
  for (let i = 0; i < N; i += 97) assert.is(m.get(k(i)), -1);
  m.set(k(5), 5);
  assert.is(m.get(k(5)), 5);
  for (let i = 0; i < N; i++) m.set(k(i), i);
  m.set('2001:0db8:0000:0000:0000:0000:0000:0000/32', 7);
  m.clear();
  assert.is(m.size, 0);
  for (let i = 0; i < N; i += 97) assert.is(m.get(k(i)), -1);
  assert.is(m.get('2001:0db8:0000:0000:0000:0000:0000:0000/32'), -1);
  assert.is(m.set(k(3), 3), -1);
  assert.is(m.get(k(3)), 3);
});

test('PrefixIndex.retain mends probe runs that wrap around the end of the table', () => {
  // Keys by home slot in a 16-slot table (PrefixIndex(2) holds up to 7 keys in 16 slots).
  const homes = new Map<number, number[]>();
  for (let i = 0; [0, 14, 15].some((h) => (homes.get(h)?.length ?? 0) < 3); i++) {
    const k = i * 64 + 24;
    const h = hashPrefixKey(k) & 15;
    const list = homes.get(h) ?? [];
    list.push(k);
    homes.set(h, list);
  }
  const [a, b, d] = homes.get(14)!;
  const [c, e] = homes.get(15)!;
  const [f] = homes.get(0)!;
  // Inserted in this order they sit at: a 14, b 15, c 0, d 1, e 2, f 3 (a run wrapping past the end).
  const m = new PrefixIndex(2);
  [a, b, c, d, e, f].forEach((k, i) => m.set(k, i));
  // Dropping a, c and d leaves b (home 14) at 15, e (home 15) at 2 and f (home 0) at 3. A one-pass
  // in-place repair from the first empty slot moves e to 0, f to 1, then b back to 14 — and e, at 0,
  // is cut off from its home 15. Every survivor must still be found.
  assert.is(m.retain((_v, k) => k !== a && k !== c && k !== d), 3);
  assert.is(m.get(b), 1);
  assert.is(m.get(e), 4);
  assert.is(m.get(f), 5);
  for (const k of [a, c, d]) assert.is(m.get(k), -1);
});

test('IntStack behaves like an array used as a stack (push, pop, peek, reserve)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('push', 'pop', 'peek', 'reserve'), fc.nat({ max: 5000 })), { maxLength: 500 }), fc.integer({ min: 1, max: 8 }), (ops, capacity) => {
      const s = new IntStack(capacity);
      const ref: number[] = [];
      for (const [o, v] of ops) {
        if (o === 'push') {
          s.push(v);
          ref.push(v);
        } else if (o === 'pop') assert.is(s.pop(), ref.length > 0 ? ref.pop()! : -1);
        else if (o === 'peek') assert.is(s.peek(), ref.length > 0 ? ref[ref.length - 1] : -1);
        else s.reserve(v % 300);
        assert.is(s.size, ref.length);
      }
      for (let i = 0; i < ref.length; i++) assert.is(s.at(i), ref[i]);
      while (ref.length > 0) assert.is(s.pop(), ref.pop());
      assert.is(s.pop(), -1);
    }),
    { numRuns: 300 },
  );
});

test.run();
