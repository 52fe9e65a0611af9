/**
 * FIB benchmark (issue 6 "Benchmark (bench/fib)"), on the real route-views.jinx RIB (2014-05-30): every
 * prefix with its first entry's next hop.
 *
 *  - writes/s filling an empty FIB with the full table; snapshot() cost;
 *  - a full-table churn (every prefix rewritten with another next hop) without and with one snapshot held:
 *    writes/s and retained heap (the snapshot's memory overhead);
 *  - hash-tree diff of two independently built full tables differing in 1, 100, 10,000 prefixes;
 *  - kernel backend: routes/s installing the full table into a Linux routing table in a network namespace
 *    created for the run (skipped with a reason when namespaces are not available).
 *
 *   npm run -s build && node --expose-gc dist/bench/fib/fib.js
 *   FIB_BENCH_KERNEL=0 node --expose-gc dist/bench/fib/fib.js   # in-memory parts only (~1 min, no root):
 *                                                                # bench/results/fib-memory.{json,svg}
 *
 * Prints a table, writes bench/results/fib.json and bench/results/fib.svg.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMrt } from '../../lib/mrt/reader.js';
import type { PrefixKey } from '../../lib/wire/prefix.js';
import { Fib, KernelFibBackend, diffFibs, makeFibEntry, type FibEntry } from '../../lib/fib/index.js';
import { writeBarChart } from '../chart.js';
import { JINX_RIB, nextHopOf } from './jinx-table.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const outDir = join(repo, 'bench', 'results');
/** FIB_BENCH_KERNEL=0: skip the kernel backend part (root, minutes); results go to fib-memory.*. */
const WITH_KERNEL = process.env.FIB_BENCH_KERNEL !== '0';
const OUT_NAME = WITH_KERNEL ? 'fib' : 'fib-memory';

const gc = (globalThis as { gc?: () => void }).gc;
function heap(): number {
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}
const MB = (b: number): number => Math.round((b / 1048576) * 10) / 10;

async function loadTable(): Promise<FibEntry[]> {
  const out: FibEntry[] = [];
  let id = 0;
  for await (const r of readMrt(JINX_RIB)) {
    if (r.kind !== 'rib' || r.safi !== 1 || r.entries.length === 0) continue;
    const hop = nextHopOf(r.entries[0].attributes);
    if (hop) out.push(makeFibEntry(r.prefix, [hop], ++id));
  }
  return out;
}

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
}

function best<T>(runs: number, f: () => T): [T, number] {
  let res!: T;
  let ms = Infinity;
  for (let i = 0; i < runs; i++) {
    const [r, t] = time(f);
    res = r;
    ms = Math.min(ms, t);
  }
  return [res, ms];
}

/** Deterministic shuffle (xorshift) so runs are repeatable. */
function pick<T>(xs: readonly T[], n: number, seed: number): T[] {
  const idx = Array.from(xs.keys());
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = i + ((s >>> 0) % (idx.length - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, n).map((i) => xs[i]);
}

async function kernelBench(table: readonly FibEntry[]): Promise<Record<string, number | string>> {
  if (!WITH_KERNEL) return { skipped: 'FIB_BENCH_KERNEL=0' };
  const ns = `btrd-fib-bench-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'pipe' });
  } catch (e) {
    return { skipped: `cannot create a network namespace: ${(e as Error).message.split('\n')[0]}` };
  }
  try {
    const ip = (...a: string[]): void => void execFileSync('ip', ['-n', ns, ...a], { stdio: 'pipe' });
    ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ip('link', 'set', 'v0', 'up');
    ip('link', 'set', 'v1', 'up');
    ip('addr', 'add', '10.0.0.1/16', 'dev', 'v0');
    ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    // The real next hops are not on any link in the namespace: map each to one of 250 on-link gateways.
    const gw = new Map<string, string>();
    const mapped = table.map((e) => {
      const h = e.nextHops[0];
      let g = gw.get(h);
      if (!g) gw.set(h, (g = typeof e.prefix === 'number' ? `10.0.${gw.size % 250}.${2 + (gw.size % 200)}` : `2001:db8::${(gw.size % 250) + 2}`));
      return makeFibEntry(e.prefix, [g], e.routeId);
    });
    const backend = new KernelFibBackend({ table: 4200, protocol: 201, netns: ns });
    let t0 = performance.now();
    await backend.apply(mapped.map((e) => ({ prefix: e.prefix, entry: e })));
    const installMs = performance.now() - t0;
    t0 = performance.now();
    const r = await backend.reconcile(mapped);
    const reconcileMs = performance.now() - t0;
    // Rewrite 10,000 routes (a failover batch).
    const changed = pick(mapped, 10_000, 7).map((e) => makeFibEntry(e.prefix, [typeof e.prefix === 'number' ? '10.0.255.254' : '2001:db8::fe'], e.routeId));
    t0 = performance.now();
    await backend.apply(changed.map((e) => ({ prefix: e.prefix, entry: e })));
    const rewriteMs = performance.now() - t0;
    t0 = performance.now();
    const flushed = await backend.reconcile([]);
    const flushMs = performance.now() - t0;
    return {
      routes: mapped.length,
      installMs: Math.round(installMs),
      installRoutesPerSec: Math.round(mapped.length / (installMs / 1000)),
      reconcileUnchangedMs: Math.round(reconcileMs),
      reconcileUnchanged: r.unchanged,
      rewrite10kMs: Math.round(rewriteMs),
      flushMs: Math.round(flushMs),
      flushed: flushed.removed,
      deleteRoutesPerSec: Math.round(flushed.removed / (flushMs / 1000)),
    };
  } finally {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'pipe' });
  }
}

async function main(): Promise<void> {
  if (!gc) console.warn('run with --expose-gc for memory figures');
  const table = await loadTable();
  const v4 = table.filter((e) => typeof e.prefix === 'number').length;
  console.log(`jinx RIB: ${table.length} prefixes (${v4} IPv4, ${table.length - v4} IPv6)`);
  const keys: PrefixKey[] = table.map((e) => e.prefix);
  const hops = table.map((e) => e.nextHops);

  // 1. Fill.
  const h0 = heap();
  const [, fillMs] = best(3, () => {
    const f = new Fib();
    for (let i = 0; i < keys.length; i++) f.set(keys[i], hops[i], i + 1);
    return f;
  });
  const base = new Fib();
  for (const e of table) base.setEntry(e);
  const fibHeap = heap() - h0;
  const nodes = base.nodeCount();

  // 2. snapshot() cost, and the first write after a snapshot (path copy) vs an owned write.
  const SN = 1_000_000;
  const [, snapMs] = time(() => {
    for (let i = 0; i < SN; i++) base.snapshot();
  });
  const churnHops = table.map((e) => [typeof e.prefix === 'number' ? '192.0.2.1' : '2001:db8::1'] as const);

  // 3. Full-table churn without / with a held snapshot.
  const churn = (f: Fib): number => {
    const [, ms] = time(() => {
      for (let i = 0; i < keys.length; i++) f.set(keys[i], churnHops[i], i + 1);
    });
    return ms;
  };
  const restore = (f: Fib): void => {
    for (let i = 0; i < keys.length; i++) f.set(keys[i], hops[i], i + 1);
  };
  // Without: the table owns its nodes (fresh epoch, then a warm-up churn so every node is owned).
  const live = new Fib();
  for (const e of table) live.setEntry(e);
  const hA0 = heap();
  const churnNoSnapMs = churn(live);
  const hA1 = heap();
  restore(live);
  // With: a snapshot taken before the churn and held until after it.
  const hB0 = heap();
  const held = live.snapshot();
  const churnSnapMs = churn(live);
  const hB1 = heap();
  const sharedAfter = held.size; // keep `held` alive across the measurement
  const snapOverhead = hB1 - hB0 - (hA1 - hA0);
  // A 10 % churn (every 10th prefix) with a snapshot held: the overhead follows the touched paths.
  restore(live);
  const hC0 = heap();
  const held10 = live.snapshot();
  const [, churn10Ms] = time(() => {
    for (let i = 0; i < keys.length; i += 10) live.set(keys[i], churnHops[i], i + 1);
  });
  const hC1 = heap();
  const overhead10 = hC1 - hC0 - (hA1 - hA0) / 10;
  const held10Size = held10.size;

  // 4. Hash-tree diff, independently built tables.
  const a = new Fib();
  for (const e of table) a.setEntry(e);
  const b = new Fib();
  for (let i = table.length - 1; i >= 0; i--) b.setEntry(table[i]);
  const [, digestColdMs] = time(() => a.digest());
  b.digest();
  const diffs: Record<string, { ms: number; comparisons: number; found: number; rehashMs: number }> = {};
  for (const d of [1, 100, 10_000]) {
    const c = new Fib();
    c.resetTo(b.snapshot());
    for (const e of pick(table, d, d)) c.set(e.prefix, ['198.51.100.1'], e.routeId);
    // Rehash the written paths first (a write marks its path dirty; the next diff or digest() hashes it).
    const [, rehashMs] = time(() => c.digest());
    const stats = { digestComparisons: 0 };
    const [found, ms] = best(5, () => {
      stats.digestComparisons = 0;
      return diffFibs(a, c, stats);
    });
    diffs[String(d)] = { ms, comparisons: stats.digestComparisons, found: found.length, rehashMs };
  }
  const [, fullCompareMs] = time(() => {
    // What the hash tree saves: comparing every entry of the two tables.
    let n = 0;
    const ia = a.toArray();
    const ib = b.toArray();
    for (let i = 0; i < ia.length; i++) if (ia[i].nextHops[0] !== ib[i].nextHops[0] || ia[i].routeId !== ib[i].routeId) n++;
    return n;
  });

  // 5. Kernel backend.
  const kernel = await kernelBench(table);

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    input: 'routeviews.route-views.jinx.ribs.1401487200 (first entry next hop per prefix)',
    prefixes: table.length,
    ipv4: v4,
    ipv6: table.length - v4,
    fill: { ms: Math.round(fillMs), writesPerSec: Math.round(table.length / (fillMs / 1000)), heapMB: MB(fibHeap), bytesPerPrefix: Math.round(fibHeap / table.length), trieNodes: nodes },
    snapshot: { nsPerSnapshot: Math.round((snapMs * 1e6) / SN) },
    churn: {
      noSnapshot: { ms: Math.round(churnNoSnapMs), writesPerSec: Math.round(table.length / (churnNoSnapMs / 1000)), retainedHeapDeltaMB: MB(hA1 - hA0) },
      heldSnapshot: { ms: Math.round(churnSnapMs), writesPerSec: Math.round(table.length / (churnSnapMs / 1000)), retainedHeapDeltaMB: MB(hB1 - hB0), snapshotSize: sharedAfter },
      snapshotOverheadMB: MB(snapOverhead),
      snapshotOverheadPctOfTable: Math.round((snapOverhead / fibHeap) * 100),
      tenPercentChurnSnapshotHeld: { ms: Math.round(churn10Ms), snapshotOverheadMB: MB(overhead10), pctOfTable: Math.round((overhead10 / fibHeap) * 100), snapshotSize: held10Size },
    },
    hashTree: { digestColdMs: Math.round(digestColdMs), fullEntryCompareMs: Math.round(fullCompareMs), diffs },
    kernel,
  };

  const rows: [string, string][] = [
    ['prefixes (jinx RIB)', `${table.length.toLocaleString('en-US')} (${v4.toLocaleString('en-US')} IPv4)`],
    ['fill: writes/s', `${results.fill.writesPerSec.toLocaleString('en-US')} (${results.fill.ms} ms)`],
    ['FIB heap', `${results.fill.heapMB} MB (${results.fill.bytesPerPrefix} B/prefix, ${nodes.toLocaleString('en-US')} nodes)`],
    ['snapshot()', `${results.snapshot.nsPerSnapshot} ns`],
    ['churn, no snapshot: writes/s', `${results.churn.noSnapshot.writesPerSec.toLocaleString('en-US')} (retained +${results.churn.noSnapshot.retainedHeapDeltaMB} MB)`],
    ['churn, snapshot held: writes/s', `${results.churn.heldSnapshot.writesPerSec.toLocaleString('en-US')} (retained +${results.churn.heldSnapshot.retainedHeapDeltaMB} MB)`],
    ['snapshot overhead (full churn)', `${results.churn.snapshotOverheadMB} MB (${results.churn.snapshotOverheadPctOfTable} % of the table)`],
    ['snapshot overhead (10 % churn)', `${results.churn.tenPercentChurnSnapshotHeld.snapshotOverheadMB} MB (${results.churn.tenPercentChurnSnapshotHeld.pctOfTable} % of the table)`],
    ['hash tree: first digest (cold)', `${results.hashTree.digestColdMs} ms`],
    ['full entry-by-entry compare', `${results.hashTree.fullEntryCompareMs} ms`],
    ...Object.entries(diffs).map(([d, r]): [string, string] => [`diff, ${d} differing`, `${r.ms.toFixed(3)} ms, ${r.comparisons} digest comparisons, ${r.found} found (rehash ${r.rehashMs.toFixed(1)} ms)`]),
    ...Object.entries(kernel).map(([k, v]): [string, string] => [`kernel: ${k}`, String(typeof v === 'number' ? v.toLocaleString('en-US') : v)]),
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);

  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${OUT_NAME}.json`), JSON.stringify(results, null, 2) + '\n');
  const bars = [
    { label: 'fill empty FIB (full table)', value: fillMs },
    { label: 'full churn, no snapshot', value: churnNoSnapMs },
    { label: 'full churn, snapshot held', value: churnSnapMs },
    { label: 'first digest of the table (cold)', value: digestColdMs },
    { label: 'entry-by-entry compare (no hash tree)', value: fullCompareMs },
    ...Object.entries(diffs).map(([d, r]) => ({ label: `hash-tree diff, ${d} differing`, value: r.ms })),
    ...(typeof kernel.installMs === 'number' ? [{ label: 'kernel: install full table', value: kernel.installMs }] : []),
    ...(typeof kernel.rewrite10kMs === 'number' ? [{ label: 'kernel: rewrite 10,000 routes', value: kernel.rewrite10kMs }] : []),
  ];
  writeBarChart(join(outDir, `${OUT_NAME}.svg`), `FIB on the jinx RIB (${table.length.toLocaleString('en-US')} prefixes)`, 'ms', bars);
}

await main();
