/**
 * Turn the result lines of bench/e2e/run.sh (peer-bench lines plus jinx lines) into bench/results/e2e.json,
 * bench/results/e2e.svg and a table on stdout: per (workload, K, P, target) the median convergence time
 * over runs that ended `ok`, every run's time, the largest peak RSS, and btrd/BIRD ratios.
 *
 *   node dist/bench/e2e/report.js bench/results/e2e-raw.txt
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeBarChart, type Bar } from '../chart.js';

interface Run { [k: string]: string }
const rawPath = process.argv[2] ?? 'bench/results/e2e-raw.txt';
const runs: Run[] = readFileSync(rawPath, 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('target='))
  .map((l) => Object.fromEntries(l.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));

const name = (t: string) => (t === 'custom' ? 'btrd' : t);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Row {
  workload: string; target: string; peers: number; prefixes: number; paths: number;
  runs: { converge_s: number; status: string; peak_rss_mb: number; cpu_s: number }[];
  converge_s_median: number | null; cpu_s_median: number | null; peak_rss_mb: number; status: string;
}
const rows = new Map<string, Row>();
for (const r of runs) {
  const workload = r.workload ?? 'peer-bench';
  const target = name(r.target!);
  const key = `${workload}|${r.peers}|${r.prefixes}|${target}`;
  let row = rows.get(key);
  if (!row) rows.set(key, (row = {
    workload, target, peers: Number(r.peers), prefixes: Number(r.prefixes),
    paths: Number(r.want_paths ?? Number(r.peers) * Number(r.prefixes)), runs: [], converge_s_median: null, cpu_s_median: null, peak_rss_mb: 0, status: '',
  }));
  row.runs.push({ converge_s: Number(r.converge_s), status: r.status!, peak_rss_mb: Number(r.peak_rss_mb), cpu_s: Number(r.cpu_s) });
}
for (const row of rows.values()) {
  const ok = row.runs.filter((r) => r.status === 'ok');
  row.converge_s_median = ok.length ? median(ok.map((r) => r.converge_s)) : null;
  row.cpu_s_median = ok.length ? median(ok.map((r) => r.cpu_s)) : null;
  row.peak_rss_mb = Math.max(...row.runs.map((r) => r.peak_rss_mb || 0));
  row.status = ok.length === row.runs.length ? 'ok' : `${ok.length}/${row.runs.length} ok (${[...new Set(row.runs.map((r) => r.status))].join(',')})`;
}
const order = [...rows.values()].sort((a, b) =>
  (a.workload === 'jinx' ? 1 : 0) - (b.workload === 'jinx' ? 1 : 0) || a.prefixes - b.prefixes || a.peers - b.peers || (a.target === 'btrd' ? -1 : 1));

const fmt = (n: number | null) => (n === null ? 'timeout' : n.toFixed(2));
const lines = [
  '| workload | K | P | target | converge_s (median) | runs | CPU s (median) | peak RSS MB (max) | btrd/BIRD time | btrd/BIRD RSS |',
  '|---|---:|---:|---|---:|---|---:|---:|---:|---:|',
];
for (const r of order) {
  const bird = rows.get(`${r.workload}|${r.peers}|${r.prefixes}|bird`);
  const tr = r.target === 'btrd' && bird && r.converge_s_median !== null && bird.converge_s_median ? `${(r.converge_s_median / bird.converge_s_median).toFixed(1)}×` : '';
  const mr = r.target === 'btrd' && bird && bird.peak_rss_mb ? `${(r.peak_rss_mb / bird.peak_rss_mb).toFixed(1)}×` : '';
  const runsText = r.runs.map((x) => (x.status === 'ok' ? x.converge_s.toFixed(2) : `${x.status}@${x.converge_s.toFixed(0)}s`)).join(', ');
  lines.push(`| ${r.workload} | ${r.peers} | ${r.prefixes.toLocaleString('en-US')} | ${r.target} | ${fmt(r.converge_s_median)} | ${runsText} | ${r.cpu_s_median === null ? '' : r.cpu_s_median.toFixed(1)} | ${r.peak_rss_mb} | ${tr} | ${mr} |`);
}
console.log(lines.join('\n'));

const dir = dirname(rawPath);
writeFileSync(join(dir, 'e2e.json'), JSON.stringify({ measured: new Date().toISOString(), raw: runs, rows: order }, null, 2) + '\n');
const bars: Bar[] = order
  .filter((r) => r.converge_s_median !== null)
  .map((r) => ({ label: `${r.workload === 'jinx' ? 'jinx RIB' : `${r.peers}×${r.prefixes / 1000}k`} ${r.target} (${r.peak_rss_mb} MB)`, value: r.converge_s_median! }));
writeBarChart(join(dir, 'e2e.svg'), 'End-to-end convergence: first Established → all paths (s, median; peak RSS in brackets)', 's', bars);
