/**
 * Wire decode throughput on real data (issue: "Benchmark (bench/wire)").
 *
 * Inputs:
 *  - the largest real RIB dump in ../shared/data (route-views.jinx, 2014-05-30, ~500k IPv4 routes from 14
 *    peers), converted to per-peer UPDATE messages by lib/mrt's RibToUpdates (what a peer would send);
 *  - a real full-table UPDATE stream (updates.et-header.2015: 89.7k UPDATEs, 577k prefixes, one iBGP feed).
 * For each: frame + decodeUpdate of every message, with interning (fresh interner per run) and without.
 * Prints a table, writes bench/results/wire-decode.json and bench/results/wire-decode.svg.
 *
 *   npm run bench:wire            (BENCH_RUNS=5 by default; best run reported, all runs in the JSON)
 *
 * The script runs Node with --max-semi-space-size=64: decoding makes many short-lived objects, and a larger
 * young generation keeps them out of the old-generation collector (the same flag the daemon uses).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { execFileSync } from 'node:child_process';
import { readMrt } from '../../lib/mrt/reader.js';
import { ribToUpdates } from '../../lib/mrt/to-updates.js';
import { frameMessage } from '../../lib/wire/framing.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { AttributeInterner } from '../../lib/wire/intern.js';
import type { CodecContext } from '../../lib/wire/types.js';
import { writeBarChart } from '../chart.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const data = process.env.BTRD_SHARED_DATA ?? join(repo, '..', 'shared', 'data');
const outDir = join(repo, 'bench', 'results');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface Input {
  name: string;
  messages: Uint8Array[];
  ctx: CodecContext;
  bytes: number;
}

async function loadRib(): Promise<Input> {
  const messages: Uint8Array[] = [];
  for await (const u of ribToUpdates(readMrt(join(data, 'mrt/rib/routeviews.route-views.jinx.ribs.1401487200.gz')))) messages.push(u.message);
  return { name: 'jinx RIB → UPDATEs', messages, ctx: { fourOctetAs: true }, bytes: messages.reduce((a, m) => a + m.length, 0) };
}

async function loadStream(): Promise<Input> {
  const messages: Uint8Array[] = [];
  for await (const r of readMrt(join(data, 'mrt/updates/updates.et-header.2015.gz'))) {
    if (r.kind === 'bgp4mp-message' && r.message[18] === 2) messages.push(r.message);
  }
  return { name: 'et-header 2015 UPDATE stream', messages, ctx: { fourOctetAs: true }, bytes: messages.reduce((a, m) => a + m.length, 0) };
}

interface RunResult {
  seconds: number;
  prefixes: number;
  hitRate: number | null;
}

type Mode = 'no interning' | 'interning, cold' | 'interning, warm';
const MODES: Mode[] = ['no interning', 'interning, cold', 'interning, warm'];

/** cold: a fresh interner per run (first sight of a table); warm: the table seen before (re-learning after a flap). */
function runOnce(input: Input, mode: Mode, warm: AttributeInterner): RunResult {
  const interner = mode === 'no interning' ? null : mode === 'interning, warm' ? warm : new AttributeInterner();
  if (mode === 'interning, warm') interner!.hits = interner!.misses = 0;
  let prefixes = 0;
  const t0 = process.hrtime.bigint();
  for (const m of input.messages) {
    const u = decodeUpdate(frameMessage(m).body, input.ctx, interner);
    prefixes += u.nlri.length + u.withdrawn.length + (u.mpReach?.nlri.length ?? 0) + (u.mpUnreach?.withdrawn.length ?? 0);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, prefixes, hitRate: interner ? interner.hitRate : null };
}

interface ChildResult {
  input: string;
  mode: Mode;
  messages: number;
  bytes: number;
  runs: RunResult[];
  best: RunResult;
  peakRssBytes: number;
  heapUsedAfterBytes: number;
}

/** One (input, mode) measurement, in its own process so that one mode's heap does not slow another. */
async function measure(inputIndex: number, mode: Mode): Promise<ChildResult> {
  const input = inputIndex === 0 ? await loadRib() : await loadStream();
  const warm = new AttributeInterner(1_000_000);
  if (mode === 'interning, warm') for (const m of input.messages) decodeUpdate(frameMessage(m).body, input.ctx, warm);
  const runs: RunResult[] = [];
  let peakRss = process.memoryUsage().rss;
  for (let i = 0; i < RUNS; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    runs.push(runOnce(input, mode, warm));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  return { input: input.name, mode, messages: input.messages.length, bytes: input.bytes, runs, best, peakRssBytes: peakRss, heapUsedAfterBytes: process.memoryUsage().heapUsed };
}

function spawnMeasure(inputIndex: number, mode: Mode): ChildResult {
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', String(inputIndex), mode], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    process.stdout.write(JSON.stringify(await measure(Number(process.argv[3]), process.argv[4] as Mode)) + '\n');
    return;
  }
  const rows: Record<string, string | number>[] = [];
  const results: ChildResult[] = [];
  const bars: { label: string; value: number }[] = [];
  for (const inputIndex of [0, 1]) {
    for (const mode of MODES) {
      const r = spawnMeasure(inputIndex, mode);
      results.push(r);
      const prefixesPerSec = r.best.prefixes / r.best.seconds;
      rows.push({
        input: r.input,
        mode,
        messages: r.messages,
        prefixes: r.best.prefixes,
        'MB/s': +(r.bytes / 1e6 / r.best.seconds).toFixed(1),
        'msgs/s': Math.round(r.messages / r.best.seconds),
        'prefixes/s': Math.round(prefixesPerSec),
        'hit rate': r.best.hitRate === null ? '-' : `${(r.best.hitRate * 100).toFixed(1)}%`,
        'peak RSS MB': Math.round(r.peakRssBytes / 1e6),
      });
      bars.push({ label: `${r.input}, ${mode}`, value: prefixesPerSec / 1e6 });
    }
  }
  console.table(rows);
  mkdirSync(outDir, { recursive: true });
  const meta = { node: process.version, execArgv: process.execArgv, cpu: cpus()[0]?.model ?? 'unknown', date: new Date().toISOString(), runs: RUNS };
  writeFileSync(join(outDir, 'wire-decode.json'), JSON.stringify({ meta, results }, null, 2) + '\n');
  writeBarChart(join(outDir, 'wire-decode.svg'), 'UPDATE decode, one core (million prefixes/s, best of runs)', 'M/s', bars);
  console.log(`wrote ${join('bench/results', 'wire-decode.json')} and wire-decode.svg`);
}

await main();
