/**
 * The engines' change lists (A: lib/rib/delta.ts RibDelta, B: lib/decision/variant-b/delta.ts ChangeList) are
 * pre-sized by the engine's bound and keep no slot for a null best: they must still give back exactly what
 * was recorded, in order — fewer changes than announced, more than announced (growth past the typed counts),
 * all-null (a withdrawn table) and mixed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { RibDelta } from '../../lib/rib/delta.js';
import type { RibPath } from '../../lib/rib/route.js';
import { ChangeList } from '../../lib/decision/variant-b/delta.js';
import type { PathEntry } from '../../lib/decision/variant-b/path.js';
import type { PrefixKey } from '../../lib/wire/prefix.js';

const test = suite('rib/change-lists');

/** A stand-in best: the lists store and return it, never look inside (except locRib, checked by identity of its fields). */
function best(i: number): { peerId: number; pathId: number; attributes: object; nextHop: string; nextHopLinkLocal: undefined; basis: unknown } {
  const b = { peerId: 1 + (i % 3), pathId: 0, attributes: { i }, nextHop: `10.0.0.${i % 250}`, nextHopLinkLocal: undefined, basis: null as unknown };
  b.basis = b; // B's entries carry their basis (the same fields); a path with path id 0 is its own basis
  return b;
}

const changes = fc.array(fc.tuple(fc.oneof(fc.nat({ max: 2 ** 30 }).map((x) => x * 64 + 24), fc.constant('2001:0db8:0000:0000:0000:0000:0000:0000/32')), fc.option(fc.nat({ max: 1000 }), { freq: 2 }), fc.integer({ min: -1, max: 5 })), { maxLength: 60 });

test('RibDelta and ChangeList give back what was recorded, for any announced size', () => {
  fc.assert(
    fc.property(changes, fc.nat({ max: 80 }), (cs, room) => {
      const bests = cs.map(([, b]) => (b === null ? null : best(b)));
      const a = new RibDelta(room);
      const b = new ChangeList(room);
      cs.forEach(([p, , n], i) => {
        a.change(p, bests[i] as unknown as RibPath | null, n);
        b.record(p, bests[i] as unknown as PathEntry | null, n);
      });
      for (const d of [a, b]) {
        const seen: [PrefixKey, unknown, number | undefined][] = [];
        d.forEachLocChange((p, x, n) => seen.push([p, x, n]));
        assert.equal(seen.length, cs.length);
        seen.forEach(([p, x, n], i) => {
          assert.is(p, cs[i][0]);
          assert.is(x, bests[i]);
          assert.is(n, cs[i][2]);
        });
        assert.is(d.locRibChanges, cs.length);
        assert.is(d.locRib.length, cs.length);
        d.locRib.forEach((r, i) => {
          assert.is(r.prefix, cs[i][0]);
          assert.is(r.best === null, bests[i] === null);
          if (r.best !== null) assert.is(r.best.attributes, bests[i]!.attributes);
        });
      }
    }),
    { numRuns: 300 },
  );
});

test('a withdrawn full table: a million null changes, and more changes than announced past the typed size', () => {
  // Every 997th key an IPv6 one (a string among typed keys).
  const key = (i: number): PrefixKey => (i % 997 === 5 ? `2001:0db8:${(i & 0xffff).toString(16).padStart(4, '0')}:0000:0000:0000:0000:0000/48` : i * 64 + 24);
  for (const [room, n] of [[1_000_000, 1_000_000], [5000, 12_000]]) {
    const a = new RibDelta(room);
    const b = new ChangeList(room);
    for (let i = 0; i < n; i++) {
      const x = i % 1000 === 7 ? best(i) : null;
      a.change(key(i), x as unknown as RibPath | null, i % 4);
      b.record(key(i), x as unknown as PathEntry | null, i % 4);
    }
    for (const d of [a, b]) {
      assert.is(d.locRib[12_000 - 1 - 5].prefix, key(12_000 - 1 - 5));
      let i = 0;
      d.forEachLocChange((p, x, c) => {
        assert.is(p, key(i));
        assert.is(x === null, i % 1000 !== 7);
        assert.is(c, i % 4);
        i++;
      });
      assert.is(i, n);
    }
  }
});

test.run();
