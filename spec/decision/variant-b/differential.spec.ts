/**
 * Differential test A (RoutingEngine) vs B (IncrementalEngine) over REAL MRT data, fixed seed: the whole
 * RouteViews jinx slice (35 peers × 9,072 prefixes) plus the head of the IPv6 slice, with fast-check
 * generated peer kinds, policies and churn; every call's delta and every step's Loc-RIB, Adj-RIB-Outs and
 * counts compared. The harness (what is generated and compared) is in differential-harness.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadData, stats, runSeeded, type Feed, type Pools } from './differential-harness.js';

const FIXED_SEED = 4271;
const test = suite('decision/variant-b differential A vs B (real MRT data, fixed seed)');
let data: { v4: Feed[]; v6: Feed[]; pool: Pools };

test.before(async () => {
  data = await loadData();
});

test('the slices: 35 IPv4 peers with 9,072 prefixes, plus IPv6 peers', () => {
  assert.is(data.v4.length, 35);
  const prefixes = new Set(data.v4.flatMap((f) => f.updates.flatMap((u) => u.nlri)));
  assert.is(prefixes.size, 9072);
  assert.ok(data.v6.length > 5);
});

test(`fixed seed ${FIXED_SEED}: all 35 IPv4 peers + IPv6 head, every call and step identical in A and B`, () => {
  const t0 = Date.now();
  runSeeded(data, FIXED_SEED, 1, true);
  console.log(`  fixed seed: ${stats.runs} run, ${stats.calls} calls (deltas compared), ${stats.steps} steps (Loc-RIB, every Adj-RIB-Out, counts compared), ${stats.prefixes} Loc-RIB entries compared, ${Date.now() - t0} ms`);
});

test(`fixed seed ${FIXED_SEED}, nothing rejected on import: 3 runs on peer subsets, every call and step identical in A and B`, () => {
  const t0 = Date.now();
  const before = stats.runs;
  runSeeded(data, FIXED_SEED, 3, false, true);
  assert.is(stats.runs - before, 3);
  console.log(`  no rejections: ${stats.runs - before} runs, ${Date.now() - t0} ms`);
});

test.run();
