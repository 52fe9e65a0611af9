/**
 * Charts for results that had none (issue 7): renders bench/results/e2e-before.svg (the end-to-end
 * baseline, from e2e-before.json) and bench/results/fuzz.svg (the fuzz campaign, from fuzz.json). Only reads
 * the committed JSON; no figure is computed here that the JSON does not hold.
 *
 *   npm run -s build && node dist/bench/charts.js
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBarChart, type Bar } from './chart.js';

const results = fileURLToPath(new URL('../../bench/results/', import.meta.url));

interface E2eRow {
  workload: string;
  peers: number;
  prefixes: number;
  target: string;
  converge_s_median: number | null;
  peak_rss_mb: number;
}

const before = JSON.parse(readFileSync(join(results, 'e2e-before.json'), 'utf8')) as { rows: E2eRow[] };
const e2eBars: Bar[] = before.rows
  .filter((r) => r.converge_s_median !== null)
  .map((r) => ({ label: `${r.workload === 'jinx' ? 'jinx RIB' : `${r.peers}×${r.prefixes / 1000}k`} ${r.target} (${r.peak_rss_mb} MB)`, value: r.converge_s_median! }));
writeBarChart(join(results, 'e2e-before.svg'), 'Baseline (f225df7) convergence: first Established → all paths (s, median; peak RSS in brackets)', 's', e2eBars);

interface Fuzz {
  seconds: number;
  messagesSent: number;
  predicted: Record<string, number>;
  notifications: Record<string, number>;
}
const fuzz = JSON.parse(readFileSync(join(results, 'fuzz.json'), 'utf8')) as Fuzz;
const fuzzBars: Bar[] = [
  ...Object.entries(fuzz.predicted).filter(([, n]) => n > 0).map(([k, n]) => ({ label: `predicted: ${k}`, value: n })),
  ...Object.entries(fuzz.notifications).sort((a, b) => b[1] - a[1]).map(([k, n]) => ({ label: `NOTIFICATION ${k} (as predicted)`, value: n })),
];
writeBarChart(join(results, 'fuzz.svg'), `Fuzz campaign, ${fuzz.seconds} s: ${fuzz.messagesSent.toLocaleString('en-US')} mutated UPDATEs by predicted treatment, resets by NOTIFICATION`, 'msgs', fuzzBars);
console.log(`wrote ${join(results, 'e2e-before.svg')} (${e2eBars.length} bars), ${join(results, 'fuzz.svg')} (${fuzzBars.length} bars)`);
