/**
 * The cross-thread hash-tree diff (lib/fib/remote-tree.ts) against a full comparison: for random pairs of
 * tables (IPv4 and IPv6, nested prefixes, host routes, shared and disjoint parts), `diffRemote` — which
 * sees the other table only through describe/within/entries answers, as it sees a replica's tree — must
 * list exactly the prefixes whose entries differ, also when restricted to address blocks.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Fib, type FibView } from '../../lib/fib/cow-fib.js';
import { describeRanges, diffRemote, entriesAt, entriesWithin, type RemoteTree } from '../../lib/fib/remote-tree.js';
import { sameFibEntry } from '../../lib/fib/types.js';
import { ipv4Key, ipv6Key, parsePrefix, prefixContains, type PrefixKey } from '../../lib/wire/prefix.js';

const test = suite('fib/remote-tree');
const RUNS = Number(process.env.FC_RUNS ?? 300);

const arbV4: fc.Arbitrary<PrefixKey> = fc
  .tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 255 }), fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constant(32), fc.integer({ min: 20, max: 24 })))
  .map(([hi, lo, len]) => ipv4Key(((hi << 26) | (lo << 4)) >>> 0, len));
const arbV6: fc.Arbitrary<PrefixKey> = fc
  .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 255 }), fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constant(128), fc.integer({ min: 40, max: 72 })))
  .map(([hi, b, len]) => {
    const bytes = new Uint8Array(16);
    bytes[0] = 0x20 | hi;
    bytes[1] = b;
    bytes[15] = b;
    return ipv6Key(bytes, 0, len);
  });
const arbEntry = fc.tuple(fc.oneof({ weight: 3, arbitrary: arbV4 }, { weight: 1, arbitrary: arbV6 }), fc.constantFrom('192.0.2.1', '192.0.2.2', '2001:db8::1'), fc.integer({ min: 0, max: 2 }));
const arbTable = fc.array(arbEntry, { maxLength: 60 });

function build(rows: readonly [PrefixKey, string, number][]): Fib {
  const f = new Fib();
  for (const [p, h, r] of rows) f.set(p, [h], r);
  return f;
}

/** The other table, reachable only through the answers a replica thread would give (structured-cloned). */
function remoteOf(view: FibView): RemoteTree & { requests: number } {
  const clone = <T>(x: T): Promise<T> => Promise.resolve(structuredClone(x));
  const r = {
    requests: 0,
    describe: (k: readonly PrefixKey[]) => (r.requests++, clone(describeRanges(view, k))),
    within: (k: readonly PrefixKey[]) => (r.requests++, clone(entriesWithin(view, k).map((e) => ({ ...e })))),
    entries: (k: readonly PrefixKey[]) => (r.requests++, clone(entriesAt(view, k).map((e) => (e ? { ...e } : null)))),
  };
  return r;
}

/** The full comparison: every prefix of either table whose entries differ (within `blocks` when given). */
function brute(a: Fib, b: Fib, blocks?: readonly PrefixKey[]): string[] {
  const keys = new Set<PrefixKey>([...a.toArray(), ...b.toArray()].map((e) => e.prefix));
  return [...keys].filter((p) => !sameFibEntry(a.get(p), b.get(p)) && (!blocks || blocks.some((x) => prefixContains(x, p)))).map(String).sort();
}

test('diffRemote lists exactly the differing prefixes (random IPv4/IPv6 tables, one a variation of the other)', async () => {
  await fc.assert(
    fc.asyncProperty(arbTable, arbTable, fc.array(fc.nat(), { maxLength: 10 }), async (base, extra, drop) => {
      const a = build(base);
      const bRows = [...base.filter((_, i) => !drop.includes(i)), ...extra];
      const b = build(bRows);
      const got = (await diffRemote(a, remoteOf(b))).prefixes.map(String).sort();
      assert.equal(got, brute(a, b));
    }),
    { numRuns: RUNS },
  );
});

test('restricted to address blocks (a replica with the prefixes knob): only differences inside them', async () => {
  const blocks = [parsePrefix('0.0.0.0/2'), parsePrefix('2000::/4')];
  await fc.assert(
    fc.asyncProperty(arbTable, arbTable, async (x, y) => {
      const a = build(x);
      const b = build(y);
      const got = (await diffRemote(a, remoteOf(b), blocks)).prefixes.map(String).sort();
      assert.equal(got, brute(a, b, blocks));
    }),
    { numRuns: RUNS },
  );
});

test('equal tables built in different orders: one request per family root, nothing found', async () => {
  const rows: [PrefixKey, string, number][] = [];
  for (let i = 0; i < 5000; i++) rows.push([ipv4Key((i * 2654435761) >>> 0, 16 + (i % 9)), '192.0.2.1', i % 3]);
  const a = build(rows);
  const b = build([...rows].reverse());
  const remote = remoteOf(b);
  const d = await diffRemote(a, remote);
  assert.is(d.prefixes.length, 0);
  assert.is(remote.requests, 1);
  // One differing entry: found with one request per trie level, a few digests per level.
  b.set(rows[1234][0], ['198.51.100.1'], 0);
  const one = await diffRemote(a, remoteOf(b));
  assert.equal(one.prefixes, [rows[1234][0]]);
  assert.ok(one.digestComparisons < 60, `${one.digestComparisons} comparisons`);
});

test.run();
