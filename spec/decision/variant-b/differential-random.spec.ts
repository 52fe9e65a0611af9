/**
 * Differential test A vs B over real MRT data, random seeds: BTRD_DIFF_RUNS (default 2) scenarios on
 * random subsets of the slices' peers (BTRD_DIFF_SEED reproduces a run). See differential-harness.ts.
 */
import { suite } from 'uvu';
import { loadData, stats, runSeeded, type Feed, type Pools } from './differential-harness.js';

const RANDOM_RUNS = Number(process.env.BTRD_DIFF_RUNS ?? 2);
const test = suite('decision/variant-b differential A vs B (real MRT data, random seeds)');
let data: { v4: Feed[]; v6: Feed[]; pool: Pools };

test.before(async () => {
  data = await loadData();
});

test(`${RANDOM_RUNS} random seeds on random peer subsets: every call and step identical in A and B`, () => {
  const t0 = Date.now();
  const seed = Number(process.env.BTRD_DIFF_SEED ?? Date.now() % 2 ** 31);
  console.log(`  random seed ${seed} (reproduce: BTRD_DIFF_SEED=${seed})`);
  runSeeded(data, seed, RANDOM_RUNS, false);
  console.log(`  random: ${stats.runs} runs, ${stats.calls} calls (deltas compared), ${stats.steps} steps (Loc-RIB, every Adj-RIB-Out, counts compared), ${stats.prefixes} Loc-RIB entries compared, ${Date.now() - t0} ms`);
});

test.run();
