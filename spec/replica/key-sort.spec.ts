/**
 * key-sort: the radix sort of a round's changed IPv4 keys (with their rows) agrees with the engine's own
 * numeric sort on real prefixes (the JINX slice's NLRI) and on random keys over the whole key range,
 * above and below the comparison-sort cutoff, and keeps every row with its key.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { sortKeysWithRows } from '../../lib/replica/key-sort.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { loadRawJinx } from './feed.js';

const test = suite('replica/key-sort');

function check(keys: number[]): void {
  const k = Float64Array.from(keys);
  const rows = Int32Array.from(keys, (_x, i) => i * 7 + 3);
  sortKeysWithRows(k, rows, k.length);
  const oracle = Float64Array.from(keys).sort();
  assert.equal([...k], [...oracle]);
  for (let i = 0; i < k.length; i++) assert.is(keys[(rows[i] - 3) / 7], k[i], `row of ${k[i]}`);
}

test('real prefixes from the JINX slice, every round size from 1 to the whole table', async () => {
  const feeds = await loadRawJinx(2);
  const seen = new Set<number>();
  for (const f of feeds) {
    for (const m of f.messages) {
      for (const p of decodeUpdate(m.subarray(19), f.peer.codec).nlri) if (typeof p === 'number') seen.add(p);
    }
  }
  const all = [...seen];
  assert.ok(all.length > 1000, `${all.length} prefixes`);
  for (const n of [1, 2, 3, 100, 255, 256, 257, 5000, all.length]) check(all.slice(0, n));
});

test('random distinct keys over [0, 2^38)', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 38 - 1 }), { maxLength: 3000 }), (keys) => check(keys)),
    { numRuns: 60 },
  );
  check([2 ** 38 - 1, 0, 2 ** 32, 2 ** 32 - 1, 2 ** 26, 2 ** 13, 8191, 8192]);
});

test.run();
