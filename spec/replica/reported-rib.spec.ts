/**
 * ReportedRib's row bookkeeping across rounds, against a plain Map: a prefix has a row exactly while it holds
 * a reported best or an export, rows are never shared, and rows freed at the end of a round are reused.
 * Rounds that empty most of the table (a peer's full table withdrawn) free their rows in bulk
 * (PrefixIndex.retain): the prefixes must then be found again, with fresh rows, when they come back.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ReportedRib } from '../../lib/replica/reported-rib.js';
import { ipv4Key, type PrefixKey } from '../../lib/wire/prefix.js';
import type { LocBest } from '../../lib/rib/types.js';
import type { PathAttributes } from '../../lib/wire/types.js';

const test = suite('replica/reported-rib');

const attrs: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '10.0.0.1' };
const routeA: LocBest = { peerId: 1, pathId: 0, attributes: attrs, nextHop: '10.0.0.1' };

/** A universe of IPv4 and IPv6 keys. */
function universe(n: number): PrefixKey[] {
  const keys: PrefixKey[] = [];
  for (let i = 0; i < n; i++) keys.push(i % 5 === 4 ? `2001:0db8:${(i & 0xffff).toString(16).padStart(4, '0')}:0000:0000:0000:0000:0000/48` : ipv4Key(((i * 2654435761) >>> 8 << 8) >>> 0, 24));
  return [...new Set(keys)];
}

/** One round: for each (prefix index, digest, export) set the prefix's reported best (digest 0 = none) and peer 2's export. */
type Round = { reserve: boolean; changes: [number, number, boolean][] };

function run(keys: readonly PrefixKey[], rounds: readonly Round[]): void {
  const rib = new ReportedRib((p) => ({ ...routeA, prefix: p }));
  const loc = new Map<PrefixKey, number>();
  const exp = new Set<PrefixKey>();
  for (const r of rounds) {
    rib.beginRound();
    if (r.reserve) rib.reserve(r.changes.length);
    // Rounds with `reserve` touch their prefixes in batches (touchMany, as a replica does), the others one by one.
    const batchRows = new Int32Array(r.changes.length);
    if (r.reserve) {
      const ps = r.changes.map(([i]) => keys[i % keys.length]);
      for (let at = 0; at < ps.length; at += 7) {
        const part = ps.slice(at, at + 7);
        const rows = new Int32Array(part.length);
        rib.touchMany(part, part.length, rows);
        batchRows.set(rows, at);
      }
    }
    for (const [x, [i, d, e]] of r.changes.entries()) {
      const p = keys[i % keys.length];
      const row = r.reserve ? batchRows[x] : rib.touch(p);
      assert.is(rib.keyOf(row), p);
      rib.offer(row, d === 0 ? null : routeA, 1);
      rib.setLoc(row, d === 0 ? null : routeA, d, true);
      rib.setExport(2, row, e ? attrs : null);
      if (d === 0) loc.delete(p);
      else loc.set(p, d);
      if (e) exp.add(p);
      else exp.delete(p);
    }
    // This round's offer of each touched prefix is its last change's best (a later null replaces an earlier route).
    const last = new Map<PrefixKey, number>();
    for (const [i, d] of r.changes) last.set(keys[i % keys.length], d);
    const atOf = new Map<number, number>();
    for (let at = 0; at < rib.touchedCount; at++) atOf.set(rib.touched[at], at);
    for (const [p, d] of last) {
      assert.is(rib.offered(rib.find(p)), d === 0 ? null : routeA, `offer of ${String(p)}`);
      assert.is(rib.offeredAt(atOf.get(rib.find(p))!), d === 0 ? null : routeA);
    }
    const touched = new Set(r.changes.map(([i]) => keys[i % keys.length]));
    assert.is(rib.touchedCount, touched.size);
    for (let j = 0; j < rib.touchedCount; j++) assert.ok(touched.has(rib.keyOf(rib.touched[j])));
    rib.endRound();
    const rows = new Map<number, PrefixKey>();
    for (const p of keys) {
      const row = rib.find(p);
      const held = loc.has(p) || exp.has(p);
      assert.is(row >= 0, held, `${String(p)}: row ${row}, held ${held}`);
      if (row < 0) continue;
      assert.is(rib.keyOf(row), p);
      assert.is(rib.locOf(row), loc.get(p) ?? 0);
      assert.not.ok(rows.has(row), `row ${row} shared by ${String(rows.get(row))} and ${String(p)}`);
      rows.set(row, p);
      assert.is(rib.best(p) !== null, loc.has(p));
    }
    assert.is(rib.bestCount, loc.size);
    let n = 0;
    rib.forEachBest((p, _b, d) => {
      n++;
      assert.is(d, loc.get(p));
    });
    assert.is(n, loc.size);
    assert.is(rib.exportsTo(2).size, exp.size);
  }
}

test('rows follow the prefixes holding something, through small rounds and rounds that empty the table', () => {
  const keys = universe(300);
  const change = fc.tuple(fc.nat({ max: keys.length - 1 }), fc.constantFrom(0, 0, 1, 2, 3), fc.boolean());
  // A round that clears (almost) everything: every prefix withdrawn, a few re-announced.
  const flush = fc.array(fc.nat({ max: keys.length - 1 }), { maxLength: 10 }).map((keep) => ({ reserve: true, changes: [...keys.map((_k, i): [number, number, boolean] => [i, 0, false]), ...keep.map((i): [number, number, boolean] => [i, 1, false])] }));
  const fill = fc.constant({ reserve: true, changes: keys.map((_k, i): [number, number, boolean] => [i, 1 + (i % 3), i % 7 === 0]) });
  const small = fc.record({ reserve: fc.boolean(), changes: fc.array(change, { maxLength: 40 }) });
  fc.assert(
    fc.property(fc.array(fc.oneof(small, small, fill, flush), { minLength: 1, maxLength: 12 }), (rounds) => run(keys, rounds)),
    { numRuns: 150 },
  );
});

test('a full table withdrawn in one round, then announced again (bulk free, then row reuse)', () => {
  const keys = universe(5000);
  const all = (d: number): Round => ({ reserve: true, changes: keys.map((_k, i): [number, number, boolean] => [i, d, false]) });
  run(keys, [all(1), all(0), all(2), { reserve: false, changes: [[3, 0, false], [4, 0, true]] }, all(0)]);
});

test.run();
