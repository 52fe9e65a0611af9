import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { PrefixIndex, PrefixMap } from '../../lib/rib/prefix-map.js';
import type { PrefixKey } from '../../lib/wire/prefix.js';

const test = suite('rib/prefix-map');

const key = fc.oneof(
  // IPv4 keys (address * 64 + length), a small space so that collisions, long probe runs and deletes interact
  fc.integer({ min: 0, max: 300 }).map((i) => ((i * 2654435761) % 2 ** 32) * 64 + 24),
  fc.integer({ min: 0, max: 3 }).map((i) => `2001:0db8:000${i}::/48`),
  fc.constant('8#1'),
);
const op = fc.tuple(fc.constantFrom('set', 'delete', 'get'), key, fc.integer());

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
      for (const [o, k, v] of ops) {
        if (o === 'set') {
          assert.is(m.set(k, v), ref.get(k) ?? -1);
          ref.set(k, v);
        } else if (o === 'delete') {
          assert.is(m.delete(k), ref.get(k) ?? -1);
          ref.delete(k);
        } else assert.is(m.get(k), ref.get(k) ?? -1);
        assert.is(m.size, ref.size);
      }
      const seen = new Map<PrefixKey, number>();
      m.forEach((v, k) => seen.set(k, v));
      assert.equal(new Map([...seen].sort((a, b) => String(a[0]).localeCompare(String(b[0])))), new Map([...ref].sort((a, b) => String(a[0]).localeCompare(String(b[0])))));
    }),
    { numRuns: 300 },
  );
});

test.run();
