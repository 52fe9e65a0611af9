/**
 * Full-table MRT files against bgpdump's stored output (mrt/bgpdump-m-oracle: bgpdump 1.6.2 -m, gzipped) —
 * running bgpdump on these takes seconds each. Key columns (the reader's own fields) are compared for every
 * line; attribute columns (lib/wire decoding) for a sample of records to keep the file under ~20 s.
 */
import * as assert from 'uvu/assert';
import type { MrtRecord } from '../../lib/mrt/index.js';
import { timedSuite, readAll } from './common.js';
import { column, diffMultisets, keyColumns, oracleLines, renderBgpdump } from './bgpdump.js';

const { test: full, run } = timedSuite('mrt/full-table');

function same(actual: string[], expected: string[], what: string): void {
  const d = diffMultisets(actual, expected);
  if (d) assert.unreachable(`${what}: ${d}`);
}

function kinds(recs: readonly MrtRecord[]): Record<string, number> {
  const k: Record<string, number> = {};
  for (const r of recs) k[r.kind] = (k[r.kind] ?? 0) + 1;
  return k;
}

/** Every `step`-th RIB/TABLE_DUMP record, and the oracle lines of the same entries (same key columns). */
function sample(recs: readonly MrtRecord[], expected: readonly string[], step: number): [MrtRecord[], string[]] {
  const picked = recs.filter((r, i) => (r.kind === 'rib' || r.kind === 'table-dump') && i % step === 0);
  const keys = new Set(renderBgpdump(picked, false));
  const ek = keyColumns(expected);
  return [picked, expected.filter((_, i) => keys.has(ek[i]))];
}

full('jinx full-table RIB (497,407 prefixes, 503,590 entries, 14 peers) matches bgpdump -m', async () => {
  const rel = 'rib/routeviews.route-views.jinx.ribs.1401487200.gz';
  const t0 = performance.now();
  const recs = await readAll(rel);
  const ms = performance.now() - t0;
  const expected = oracleLines(rel);
  assert.equal(kinds(recs), { 'peer-index-table': 1, rib: new Set(expected.map((l) => column(l, 5))).size });
  const table = recs[0];
  assert.ok(table.kind === 'peer-index-table');
  if (table.kind !== 'peer-index-table') return;
  assert.is(table.peers.length, new Set(expected.map((l) => column(l, 3) + '|' + column(l, 4))).size);
  same(renderBgpdump(recs, false), keyColumns(expected), 'key columns');
  const [recSample, lineSample] = sample(recs, expected, 16);
  same(renderBgpdump(recSample, true), lineSample, 'all columns (1/16 of the records)');
  assert.ok(ms < 15_000, `read took ${ms.toFixed(0)} ms`);
});

full('rib6 slice (IPv6, full-form MP_REACH in RIB entries, 27 peers × 6,870 prefixes) matches bgpdump -m', async () => {
  const rel = 'rib/rib6.20151101.0600_firstMB.complete-records.gz';
  const recs = await readAll(rel);
  const expected = oracleLines(rel);
  assert.equal(kinds(recs), { 'peer-index-table': 1, rib: new Set(expected.map((l) => column(l, 5))).size });
  same(renderBgpdump(recs, false), keyColumns(expected), 'key columns');
  const [recSample, lineSample] = sample(recs, expected, 8);
  same(renderBgpdump(recSample, true), lineSample, 'all columns (1/8 of the records)');
});

full('legacy TABLE_DUMP bview (2002, 115,521 routes) matches bgpdump -m', async () => {
  const rel = 'rib-legacy/bview.20020722.2337.gz';
  const recs = await readAll(rel);
  const expected = oracleLines(rel);
  assert.equal(kinds(recs), { 'table-dump': expected.length });
  same(renderBgpdump(recs, false), keyColumns(expected), 'key columns');
  const [recSample, lineSample] = sample(recs, expected, 4);
  same(renderBgpdump(recSample, true), lineSample, 'all columns (1/4 of the records)');
});

full('updates.et-header.2015 (BGP4MP_ET full table, 577,706 prefixes) matches bgpdump -m key columns', async () => {
  const rel = 'updates/updates.et-header.2015.gz';
  const recs = await readAll(rel);
  assert.equal(kinds(recs), { 'bgp4mp-state-change': 4, 'bgp4mp-message': 89682 });
  const first = recs.find((r) => r.kind === 'bgp4mp-message');
  assert.ok(first?.kind === 'bgp4mp-message' && first.microseconds !== undefined && first.type === 17);
  same(renderBgpdump(recs, false), keyColumns(oracleLines(rel)), 'key columns');
});

run();
