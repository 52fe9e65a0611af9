/**
 * Audit benchmark (issue 6): what the FIB writer's steady-state audit and the speaker's FIB writes cost on a
 * full real table (route-views.jinx RIB, 2014-05-30: each prefix with its first entry's next hop).
 *
 *  - the cross-thread hash-tree diff the audit runs (lib/fib/remote-tree.ts diffRemote): the FIB here, a
 *    replica's Loc-RIB tree (lib/replica/rib-tree.ts) in a worker thread, differing in 0, 1, 100, 10,000
 *    prefixes: time, worker requests, digest comparisons;
 *  - heap of a replica's Loc-RIB tree (what each replica pays for being auditable);
 *  - FibWriter.applyLocRib routes/s on the main thread (route digest + trie write: the speaker's per-route
 *    cost of having a FIB).
 *
 *   npm run -s build && node --expose-gc dist/bench/fib/audit.js
 *
 * Prints a table, writes bench/results/fib-audit.json and bench/results/fib-audit.svg.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { PrefixKey } from '../../lib/wire/prefix.js';
import type { Route } from '../../lib/rib/types.js';
import type { PathAttributes } from '../../lib/wire/types.js';
import { RibTree, type RibTreeTask } from '../../lib/replica/rib-tree.js';
import { diffRemote, type RemoteTree } from '../../lib/fib/remote-tree.js';
import { FibWriter } from '../../lib/fib/writer.js';
import { routeDigest } from '../../lib/fib/route-entry.js';
import { writeBarChart } from '../chart.js';
import { ipv4Rows } from './jinx-table.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const outDir = join(repo, 'bench', 'results');

const gc = (globalThis as { gc?: () => void }).gc;
function heap(): number {
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}
const MB = (b: number): number => Math.round((b / 1048576) * 10) / 10;

/** [prefix, next hop] of the table (IPv4 NEXT_HOP of the first RIB entry). */
type Row = [PrefixKey, string];

/** Synthetic best routes: real prefixes and next hops, one shared attribute object per 50 routes. */
function routes(rows: readonly Row[]): Route[] {
  const attrs: PathAttributes[] = [];
  return rows.map(([prefix, nextHop], i) => {
    if (i % 50 === 0) attrs.push({ origin: 0, asPath: [{ type: 2, asns: [64512 + (i % 1000), 3356, i % 65000] }], nextHop } as unknown as PathAttributes);
    return { peerId: 1 + (i % 4), prefix, pathId: 0, attributes: attrs[attrs.length - 1], nextHop };
  });
}

// ── worker: one replica's Loc-RIB tree ─────────────────────────────────────────────────────────────────
type Msg = { id: number; task: RibTreeTask } | { id: number; corrupt: number; seed: number } | { id: number; heap: true };

if (!isMainThread) {
  const rows = workerData as Row[];
  const tree = new RibTree();
  const rs = routes(rows);
  const h0 = heap();
  for (const r of rs) tree.set(r.prefix, r, routeDigest(r));
  tree.handle({ kind: 'rib-tree', op: 'describe', keys: [0] }); // first digest (cold), as after a bulk load
  const treeHeap = heap() - h0;
  parentPort!.on('message', (m: Msg) => {
    if ('task' in m) parentPort!.postMessage({ id: m.id, result: tree.handle(m.task) });
    else if ('corrupt' in m) {
      // Rewrite m.corrupt routes with another next hop (the divergence the audit must find).
      let s = m.seed;
      for (let i = 0; i < m.corrupt; i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const r = rs[s % rs.length];
        const wrong = { ...r, nextHop: '192.0.2.199' };
        tree.set(r.prefix, wrong, routeDigest(wrong));
      }
      parentPort!.postMessage({ id: m.id, result: null });
    } else parentPort!.postMessage({ id: m.id, result: treeHeap });
  });
  parentPort!.postMessage({ ready: true });
} else {
  await main();
}

async function main(): Promise<void> {
  const rows: Row[] = await ipv4Rows();
  const rs = routes(rows);

  // Main thread: the FIB through the writer (digest + trie write per route).
  const quiet = { info() {}, warn() {}, error() {} };
  const writer = new FibWriter({ backends: ['memory'] }, quiet);
  const h0 = heap();
  const changes = rs.map((best) => ({ prefix: best.prefix, best }));
  let t0 = performance.now();
  for (let at = 0; at < changes.length; at += 2000) writer.applyLocRib(changes.slice(at, at + 2000));
  const writeMs = performance.now() - t0;
  const fibHeap = heap() - h0;
  writer.fib.digest();

  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: rows });
  let nextId = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  await new Promise<void>((r) => worker.once('message', () => r()));
  worker.on('message', (m: { id: number; result: unknown }) => {
    waiting.get(m.id)?.(m.result);
    waiting.delete(m.id);
  });
  const ask = <T>(m: Record<string, unknown>): Promise<T> => {
    const id = nextId++;
    return new Promise<T>((r) => {
      waiting.set(id, r as (v: unknown) => void);
      worker.postMessage({ id, ...m });
    });
  };
  const remote: RemoteTree = {
    describe: (keys) => ask({ task: { kind: 'rib-tree', op: 'describe', keys } }),
    within: (keys) => ask({ task: { kind: 'rib-tree', op: 'within', keys } }),
    entries: (keys) => ask({ task: { kind: 'rib-tree', op: 'entries', keys } }),
  };
  const treeHeap = await ask<number>({ heap: true });

  const diffs: Record<string, { ms: number; requests: number; comparisons: number; found: number }> = {};
  let done = 0;
  for (const d of [0, 1, 100, 10_000]) {
    await ask({ corrupt: d - done, seed: d + 7 });
    done = d;
    const snap = writer.fib.snapshot();
    t0 = performance.now();
    const r = await diffRemote(snap, remote);
    const ms = performance.now() - t0;
    diffs[String(d)] = { ms: Math.round(ms * 100) / 100, requests: r.requests, comparisons: r.digestComparisons, found: r.prefixes.length };
  }
  await worker.terminate();

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    input: 'routeviews.route-views.jinx.ribs.1401487200 (first entry next hop per prefix)',
    prefixes: rows.length,
    writer: { ms: Math.round(writeMs), routesPerSec: Math.round(rows.length / (writeMs / 1000)), fibHeapMB: MB(fibHeap) },
    replicaTree: { heapMB: MB(treeHeap), bytesPerPrefix: Math.round(treeHeap / rows.length) },
    crossThreadDiff: diffs,
  };
  const rowsOut: [string, string][] = [
    ['prefixes (jinx RIB)', rows.length.toLocaleString('en-US')],
    ['FibWriter.applyLocRib (main thread)', `${results.writer.routesPerSec.toLocaleString('en-US')} routes/s (${results.writer.ms} ms), FIB heap ${results.writer.fibHeapMB} MB`],
    ['replica Loc-RIB tree heap', `${results.replicaTree.heapMB} MB (${results.replicaTree.bytesPerPrefix} B/prefix)`],
    ...Object.entries(diffs).map(([d, r]): [string, string] => [`audit diff vs worker, ${d} differing`, `${r.ms} ms, ${r.requests} requests, ${r.comparisons} digest comparisons, ${r.found} found`]),
  ];
  const w = Math.max(...rowsOut.map((r) => r[0].length));
  for (const [k, v] of rowsOut) console.log(`${k.padEnd(w)}  ${v}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'fib-audit.json'), JSON.stringify(results, null, 2) + '\n');
  writeBarChart(join(outDir, 'fib-audit.svg'), `FIB audit across threads (${rows.length.toLocaleString('en-US')} prefixes)`, 'ms', [
    { label: 'FibWriter: write the full table', value: writeMs },
    ...Object.entries(diffs).map(([d, r]) => ({ label: `audit diff vs worker, ${d} differing`, value: r.ms })),
  ]);
}
