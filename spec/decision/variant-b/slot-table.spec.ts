/**
 * Variant B's prefix tables (lib/decision/variant-b/slot-table.ts) against a Map oracle: random insert /
 * replace / delete / lookup sequences, grouped in "calls" that start with reserve() as the engine's do,
 * over keys chosen to collide (real IPv4 prefix keys, keys differing only above bit 32, 0 = 0.0.0.0/0),
 * through growth, tombstones and shrinking; positions must not move inside a call, and the moves reserve()
 * reports must be where the keys went. Iteration is checked against the oracle's contents.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Ipv4SlotTable, Ipv6SlotTable } from '../../../lib/decision/variant-b/slot-table.js';
import { ipv4Key, parsePrefix } from '../../../lib/wire/prefix.js';

const test = suite('decision/variant-b slot table');

/** The engine's way of using the table as a map: values in `vals` at the key's position. */
class Ipv4Map {
  readonly t = new Ipv4SlotTable<number>();
  set(k: number, v: number): number {
    const pos = this.t.slot(k);
    this.t.vals[pos] = v;
    return pos;
  }
  get(k: number): number | undefined {
    const pos = this.t.find(k);
    return pos < 0 ? undefined : this.t.vals[pos]!;
  }
  delete(k: number): boolean {
    const pos = this.t.find(k);
    if (pos < 0) return false;
    this.t.vals[pos] = null;
    this.t.remove(pos);
    return true;
  }
  *entries(): IterableIterator<[number, number]> {
    for (let i = 0; i < this.t.end; i++) if (this.t.live(i)) yield [this.t.keyAt(i), this.t.vals[i]!];
  }
}

function sameContents(m: Ipv4Map, oracle: Map<number, number>): void {
  assert.is(m.t.size, oracle.size);
  const seen = new Map<number, number>();
  for (const [k, v] of m.entries()) {
    assert.not.ok(seen.has(k), `key ${k} iterated twice`);
    seen.set(k, v);
  }
  assert.equal([...seen].sort((a, b) => a[0] - b[0]), [...oracle].sort((a, b) => a[0] - b[0]));
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

test('property: calls of random set/delete/get agree with a Map; positions stay put inside a call; reserve() reports the moves', () => {
  fc.assert(
    fc.property(fc.array(fc.array(arbOp, { maxLength: 400 }), { maxLength: 12 }), (calls) => {
      const t = new Ipv4Map();
      const m = new Map<number, number>();
      for (const ops of calls) {
        const before = new Map<number, number>();
        for (const [k] of m) before.set(k, t.t.find(k));
        const moved = t.t.reserve(ops.filter((o) => o.t === 'set').length);
        for (const [k, pos] of before) assert.is(moved === null ? pos : moved[pos], t.t.find(k), 'reserve() moved a key elsewhere than it reported');
        const at = new Map<number, number>();
        const deleted: number[] = [];
        for (const op of ops) {
          if (op.t === 'set') {
            const pos = t.set(op.k, op.v);
            if (at.has(op.k)) assert.is(pos, at.get(op.k), 'a key moved inside a call');
            at.set(op.k, pos);
            m.set(op.k, op.v);
          } else if (op.t === 'del') {
            assert.is(t.delete(op.k), m.delete(op.k));
            at.delete(op.k);
            deleted.push(op.k);
          } else assert.is(t.get(op.k), m.get(op.k));
        }
        for (const [k, pos] of at) assert.is(t.t.keyAt(pos), k);
        for (const k of deleted) if (!m.has(k)) assert.is(t.t.find(k), -1);
        sameContents(t, m);
      }
      for (const k of m.keys()) assert.is(t.get(k), m.get(k));
    }),
    { numRuns: 300 },
  );
});

test('growth past 100k keys and shrinking back: every key still found, deleted ones gone', () => {
  const t = new Ipv4Map();
  const m = new Map<number, number>();
  let seed = 7;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  while (m.size < 120_000) {
    t.t.reserve(1);
    const k = ipv4Key(rnd(), 8 + (rnd() % 25));
    if (!m.has(k)) m.set(k, m.size);
    t.set(k, m.get(k)!);
  }
  sameContents(t, m);
  const full = t.t.end;
  let i = 0;
  for (const k of [...m.keys()]) {
    if (i++ % 10 !== 0) {
      assert.ok(t.delete(k));
      m.delete(k);
    }
  }
  sameContents(t, m);
  t.t.reserve(0);
  assert.ok(t.t.end < full, 'a table ≥ 8× too big shrinks');
  sameContents(t, m);
  for (const k of m.keys()) assert.is(t.get(k), m.get(k));
  for (let j = 0; j < 1000; j++) {
    const k = ipv4Key(rnd(), 24);
    assert.is(t.get(k), m.get(k));
  }
});

test('real prefix keys, including 0.0.0.0/0 and 255.255.255.255/32', () => {
  const t = new Ipv4Map();
  const texts = ['0.0.0.0/0', '255.255.255.255/32', '10.0.0.0/8', '10.0.0.0/16', '10.0.0.0/24', '192.0.2.0/24'];
  t.t.reserve(texts.length);
  texts.forEach((x, i) => t.set(parsePrefix(x) as number, i));
  texts.forEach((x, i) => assert.is(t.get(parsePrefix(x) as number), i));
  assert.is(t.get(parsePrefix('10.0.0.0/9') as number), undefined);
  assert.ok(t.delete(parsePrefix('0.0.0.0/0') as number));
  assert.is(t.get(parsePrefix('0.0.0.0/0') as number), undefined);
  assert.is(t.t.size, texts.length - 1);
});

test('keys outside [0, 2^53) or not integers are refused; inserting past the reserved room is refused', () => {
  const t = new Ipv4SlotTable<number>();
  for (const k of [-1, 0.5, 2 ** 53, Number.NaN, Infinity]) assert.throws(() => t.slot(k), RangeError);
  assert.is(t.size, 0);
  assert.throws(() => {
    for (let k = 0; k < 2 * t.end; k++) t.slot(k * 64 + 24);
  }, /reserve/);
});

test('IPv6 rows: stable, reused after removal, iteration matches a Map', () => {
  const t = new Ipv6SlotTable<number>();
  const m = new Map<string, number>();
  let seed = 3;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const rows = new Map<string, number>();
  for (let i = 0; i < 5000; i++) {
    const k = `2001:db8:${(rnd() % 700).toString(16)}::/48`;
    if (rnd() % 3 === 0) {
      const pos = t.find(k);
      assert.is(pos >= 0, m.has(k));
      if (pos >= 0) {
        t.vals[pos] = null;
        t.remove(pos);
        m.delete(k);
        rows.delete(k);
      }
    } else {
      const pos = t.slot(k);
      if (rows.has(k)) assert.is(pos, rows.get(k));
      rows.set(k, pos);
      t.vals[pos] = i;
      m.set(k, i);
    }
  }
  assert.is(t.size, m.size);
  const seen = new Map<string, number>();
  for (let i = 0; i < t.end; i++) if (t.live(i)) seen.set(t.keyAt(i), t.vals[i]!);
  assert.equal([...seen].sort(), [...m].sort());
  assert.ok(t.end < 700 + 1, 'rows are reused');
});

test.run();
