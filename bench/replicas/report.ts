/**
 * Report of bench/replicas/run.sh: per (workload, K, P) and variant (bird, btrd/r1, btrd/rN/MODE) the
 * median convergence time and CPU time over runs that ended `ok`, the largest peak RSS, the ratios to
 * replicas = 1 and to BIRD, and the memory one extra replica costs per route (bytes) next to BIRD's whole
 * footprint per route. Issue 4's targets are checked for replicas = 3 continuous-majority: ≤ 1.6× the time
 * of replicas = 1 and ≤ 2× BIRD's time. Writes replicas.json and replicas.svg next to the raw file.
 *
 *   node dist/bench/replicas/report.js bench/results/replicas-raw.txt
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeBarChart, type Bar } from '../chart.js';

type Fields = Record<string, string>;
const rawPath = process.argv[2] ?? 'bench/results/replicas-raw.txt';
const lines: Fields[] = readFileSync(rawPath, 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('target='))
  .map((l) => Object.fromEntries(l.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));

interface Row {
  readonly workload: string;
  readonly peers: number;
  readonly prefixes: number;
  readonly paths: number;
  readonly variant: string;
  readonly replicas: number;
  readonly runs: { converge_s: number; cpu_s: number; peak_rss_mb: number; status: string }[];
  converge_s: number | null;
  cpu_s: number | null;
  peak_rss_mb: number;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const replicasOf = (variant: string): number => (variant === 'bird' ? 0 : Number(/^btrd\/r(\d+)/.exec(variant)?.[1] ?? 1));

const rows = new Map<string, Row>();
for (const l of lines) {
  const workload = l.workload ?? 'peer-bench';
  const variant = l.target === 'custom' ? 'btrd/r?' : l.target!;
  const key = `${workload}|${l.peers}|${l.prefixes}|${variant}`;
  let row = rows.get(key);
  if (row === undefined) {
    row = { workload, peers: Number(l.peers), prefixes: Number(l.prefixes), paths: Number(l.want_paths ?? Number(l.peers) * Number(l.prefixes)), variant, replicas: replicasOf(variant), runs: [], converge_s: null, cpu_s: null, peak_rss_mb: 0 };
    rows.set(key, row);
  }
  row.runs.push({ converge_s: Number(l.converge_s), cpu_s: Number(l.cpu_s), peak_rss_mb: Number(l.peak_rss_mb), status: l.status! });
}
for (const r of rows.values()) {
  const ok = r.runs.filter((x) => x.status === 'ok');
  r.converge_s = median(ok.map((x) => x.converge_s));
  r.cpu_s = median(ok.map((x) => x.cpu_s));
  r.peak_rss_mb = Math.max(0, ...r.runs.map((x) => x.peak_rss_mb || 0));
}
const order = [...rows.values()].sort((a, b) => a.workload.localeCompare(b.workload) || a.prefixes - b.prefixes || a.peers - b.peers || a.replicas - b.replicas || a.variant.localeCompare(b.variant));

const ratio = (a: number | null, b: number | null | undefined): string => (a !== null && b ? `${(a / b).toFixed(2)}×` : '');
const out = [
  '| workload | K×P | variant | converge s | CPU s | peak RSS MB | vs replicas=1 | vs BIRD time | vs BIRD RSS | bytes/route per extra replica | status |',
  '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
];
const findings: string[] = [];
for (const r of order) {
  const group = `${r.workload}|${r.peers}|${r.prefixes}`;
  const one = rows.get(`${group}|btrd/r1`);
  const bird = rows.get(`${group}|bird`);
  const perReplica = r.replicas > 1 && one && r.paths > 0 ? Math.round(((r.peak_rss_mb - one.peak_rss_mb) * 2 ** 20) / (r.replicas - 1) / r.paths) : null;
  const birdPerRoute = r.variant === 'bird' && r.paths > 0 ? Math.round((r.peak_rss_mb * 2 ** 20) / r.paths) : null;
  const status = r.runs.every((x) => x.status === 'ok') ? 'ok' : r.runs.map((x) => x.status).join(',');
  out.push(`| ${r.workload} | ${r.peers}×${r.prefixes.toLocaleString('en-US')} | ${r.variant} | ${r.converge_s?.toFixed(2) ?? 'none ok'} | ${r.cpu_s?.toFixed(1) ?? ''} | ${r.peak_rss_mb} | ${r.replicas >= 1 ? ratio(r.converge_s, one?.converge_s) : ''} | ${r.replicas >= 1 ? ratio(r.converge_s, bird?.converge_s) : ''} | ${r.replicas >= 1 ? ratio(r.peak_rss_mb, bird?.peak_rss_mb) : ''} | ${perReplica ?? (birdPerRoute !== null ? `BIRD total: ${birdPerRoute}` : '')} | ${status} |`);
  if (r.variant === 'btrd/r3/continuous-majority' && r.converge_s !== null) {
    const vsOne = one?.converge_s ? r.converge_s / one.converge_s : null;
    const vsBird = bird?.converge_s ? r.converge_s / bird.converge_s : null;
    findings.push(`${r.workload} ${r.peers}×${r.prefixes}: replicas=3 continuous-majority = ${vsOne?.toFixed(2) ?? '?'}× replicas=1 (target ≤ 1.6: ${vsOne !== null && vsOne <= 1.6 ? 'met' : 'NOT met'}), ${vsBird?.toFixed(2) ?? '?'}× BIRD (target ≤ 2: ${vsBird !== null && vsBird <= 2 ? 'met' : 'NOT met'})`);
  }
}
console.log(out.join('\n'));
for (const f of findings) console.log(f);

const dir = dirname(rawPath);
writeFileSync(join(dir, 'replicas.json'), JSON.stringify({ measured: new Date().toISOString(), raw: lines, rows: order, findings }, null, 2) + '\n');
const bars: Bar[] = order
  .filter((r) => r.converge_s !== null)
  .map((r) => ({ label: `${r.workload === 'jinx' ? 'jinx' : `${r.peers}×${r.prefixes / 1000}k`} ${r.variant} (${r.peak_rss_mb} MB)`, value: r.converge_s! }));
writeBarChart(join(dir, 'replicas.svg'), 'Convergence with voted replicas vs BIRD (s, median; peak RSS in brackets)', 's', bars);
