/**
 * Variant B's IPv4 prefix → slot table (lib/decision/variant-b/slot-table.ts) against a Map oracle: random
 * insert / replace / delete / lookup sequences over keys chosen to collide (real IPv4 prefix keys, keys
 * differing only above bit 32, 0 = 0.0.0.0/0), through growth and shrinking, with iteration checked
 * against the oracle's contents.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { NumericKeyTable } from '../../../lib/decision/variant-b/slot-table.js';
import { ipv4Key, parsePrefix } from '../../../lib/wire/prefix.js';

const test = suite('decision/variant-b slot table');

function sameContents(t: NumericKeyTable<number>, oracle: Map<number, number>): void {
  assert.is(t.size, oracle.size);
  const seen = new Map<number, number>();
  for (const [k, v] of t.entries()) {
    assert.not.ok(seen.has(k), `key ${k} iterated twice`);
    seen.set(k, v);
  }
  assert.equal([...seen].sort((a, b) => a[0] - b[0]), [...oracle].sort((a, b) => a[0] - b[0]));
  assert.equal([...t.values()].sort((a, b) => a - b), [...oracle.values()].sort((a, b) => a - b));
}

/** Keys that stress the hash: /24s of one /16 (low bits equal), hi-word-only differences, the default route. */
const arbKey = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((x) => ipv4Key((10 << 24) + (1 << 16) + (x << 8), 24)),
  fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, l]) => ipv4Key(a, l)),
  fc.integer({ min: 0, max: 63 }).map((hi) => hi * 2 ** 32 + 24),
  fc.constant(0),
  fc.constant(Number.MAX_SAFE_INTEGER),
);

type Op = { t: 'set'; k: number; v: number } | { t: 'del'; k: number } | { t: 'get'; k: number };
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('set' as const), k: arbKey, v: fc.integer() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('del' as const), k: arbKey }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('get' as const), k: arbKey }) },
);

test('property: random set/delete/get agree with a Map', () => {
  fc.assert(
    fc.property(fc.array(arbOp, { maxLength: 3000 }), (ops) => {
      const t = new NumericKeyTable<number>();
      const m = new Map<number, number>();
      for (const op of ops) {
        if (op.t === 'set') {
          t.set(op.k, op.v);
          m.set(op.k, op.v);
        } else if (op.t === 'del') assert.is(t.delete(op.k), m.delete(op.k));
        else {
          assert.is(t.get(op.k), m.get(op.k));
          assert.is(t.has(op.k), m.has(op.k));
        }
      }
      sameContents(t, m);
      for (const k of m.keys()) assert.is(t.get(k), m.get(k));
    }),
    { numRuns: 300 },
  );
});

test('growth past 100k keys and shrinking back: every key still found, deleted ones gone', () => {
  const t = new NumericKeyTable<number>();
  const m = new Map<number, number>();
  let seed = 7;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  while (m.size < 120_000) {
    const k = ipv4Key(rnd(), 8 + (rnd() % 25));
    t.set(k, m.size);
    if (!m.has(k)) m.set(k, m.size);
    else m.set(k, m.size - 1);
    t.set(k, m.get(k)!);
  }
  sameContents(t, m);
  let i = 0;
  for (const k of [...m.keys()]) {
    if (i++ % 10 !== 0) {
      assert.ok(t.delete(k));
      m.delete(k);
    }
  }
  sameContents(t, m);
  for (const k of m.keys()) assert.is(t.get(k), m.get(k));
  for (let j = 0; j < 1000; j++) {
    const k = ipv4Key(rnd(), 24);
    assert.is(t.has(k), m.has(k));
  }
});

test('real prefix keys, including 0.0.0.0/0 and 255.255.255.255/32', () => {
  const t = new NumericKeyTable<string>();
  const texts = ['0.0.0.0/0', '255.255.255.255/32', '10.0.0.0/8', '10.0.0.0/16', '10.0.0.0/24', '192.0.2.0/24'];
  for (const x of texts) t.set(parsePrefix(x) as number, x);
  for (const x of texts) assert.is(t.get(parsePrefix(x) as number), x);
  assert.is(t.get(parsePrefix('10.0.0.0/9') as number), undefined);
  assert.ok(t.delete(parsePrefix('0.0.0.0/0') as number));
  assert.is(t.get(parsePrefix('0.0.0.0/0') as number), undefined);
  assert.is(t.size, texts.length - 1);
});

test('keys outside [0, 2^53) or not integers are refused', () => {
  const t = new NumericKeyTable<number>();
  for (const k of [-1, 0.5, 2 ** 53, Number.NaN, Infinity]) assert.throws(() => t.set(k, 1), RangeError);
  assert.is(t.size, 0);
});

test.run();
