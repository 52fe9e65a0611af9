/** Shared by the MRT specs: a suite that can print each test's time, and reading a whole data file. */
import { suite } from 'uvu';
import { dataPath } from '../helpers/corpus.js';
import { readMrtBatches, type MrtRecord } from '../../lib/mrt/index.js';

/** A uvu suite whose tests print their time when BTRD_TEST_TIMING is set; `run` runs the suite. */
export function timedSuite(title: string): { test: (name: string, fn: () => unknown) => void; run: () => void } {
  const s = suite(title);
  return {
    test: (name, fn) =>
      s(name, async () => {
        const t0 = performance.now();
        await fn();
        if (process.env.BTRD_TEST_TIMING) process.stdout.write(`\n  ${(performance.now() - t0).toFixed(0).padStart(6)} ms  ${name}\n`);
      }),
    run: () => s.run(),
  };
}

/** Every record of ../shared/data/mrt/<rel>. */
export async function readAll(rel: string): Promise<MrtRecord[]> {
  const out: MrtRecord[] = [];
  for await (const batch of readMrtBatches(dataPath(`mrt/${rel}`))) for (const r of batch) out.push(r);
  return out;
}
