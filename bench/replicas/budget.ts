/**
 * The CPU budget of issue 4's target on this machine: how much CPU "replicas = 3 within 1.6× replicas = 1"
 * leaves on the machine's cores once the three decision engines have done their own work, and how much the
 * replicated path spends today, split by where it goes. Socket-free, one 1M-prefix table (bench/replicas/
 * feed.ts), each measurement in a fresh process, one after another:
 *
 *   engine-a, engine-b   the bare decision engine (decode + applyUpdate of every UPDATE), single thread —
 *                        the work replicas = 1 does (the daemon's r1 runs engine A on its main thread)
 *   replica-0..2         one replica's round handler (workers/decision.ts) in process, with the daemon's
 *                        default knobs for replica i of 3: engine + the replica's own bookkeeping
 *                        (reported RIB, digests, result columns), no threads, no voting
 *   set-3                the real ReplicaSet: 3 worker threads, continuous-majority voting on the main thread
 *
 * CPU is the process's user + system time (all threads: V8's GC and compiler threads count, they compete
 * for the same cores). Prints two tables, writes bench/results/replicas-budget.json and .svg.
 *
 *   npm run -s build && node dist/bench/replicas/budget.js [PREFIXES=1000000]
 *   env: ROUND (2000 UPDATEs per round), REPEATS (1: each part's best of REPEATS runs), CORES (os.availableParallelism())
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Piscina from 'piscina';
import handle from '../../workers/decision.js';
import { IMPLS } from '../../lib/replica/impls.js';
import { writeRound } from '../../lib/replica/mux.js';
import type { RoundResult } from '../../lib/replica/protocol.js';
import { ReplicaSet } from '../../lib/replica/replica-set.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { writeBarChart } from '../chart.js';
import { benchCodec, benchEngine, benchKnobs, interleave, syntheticFeed, threadCpu } from './feed.js';

const here = dirname(fileURLToPath(import.meta.url));
const results = join(here, '../../../bench/results');
const ROUND = Number(process.env.ROUND ?? 2000);

interface PartResult {
  readonly part: string;
  readonly wallS: number;
  /** Whole process, all threads. */
  readonly cpuS: number;
  readonly mainS: number;
  /** set-3 only: each replica worker thread. */
  readonly replicaS: readonly number[];
  /** Threads that are neither the main thread nor a replica: V8's platform workers (GC, compiler), libuv. */
  readonly otherS: number;
  readonly minorFaults: number;
}

function measure(part: string, run: () => Promise<void> | void, workerTids?: () => Set<string>): Promise<PartResult> {
  return (async () => {
    const before = threadCpu();
    const f0 = process.resourceUsage().minorPageFault;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    const wallS = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const after = threadCpu();
    const workers = workerTids?.() ?? new Set<string>();
    const delta = (t: string): number => Math.max(0, (after.get(t) ?? 0) - (before.get(t) ?? 0));
    const replicaS = [...workers].map(delta);
    const mainS = delta(String(process.pid));
    const cpuS = (c.user + c.system) / 1e6;
    return { part, wallS, cpuS, mainS, replicaS, otherS: Math.max(0, cpuS - mainS - replicaS.reduce((a, b) => a + b, 0)), minorFaults: process.resourceUsage().minorPageFault - f0 };
  })();
}

async function runPart(part: string, prefixes: number): Promise<PartResult> {
  const feed = syntheticFeed(prefixes, 1);
  const peer = feed.peers[0];
  const msgs = feed.feeds[0];
  if (part === 'engine-a' || part === 'engine-b') {
    const engine = IMPLS[part === 'engine-a' ? 'a' : 'b']({ ...benchEngine, resolveNextHop: () => ({ igpCost: 0 }) });
    engine.addPeer(peer);
    return measure(part, () => {
      for (const m of msgs) engine.applyUpdate(peer.id, decodeUpdate(m.subarray(19), benchCodec));
    });
  }
  const replica = /^replica-(\d)$/.exec(part);
  if (replica) {
    const i = Number(replica[1]);
    await handle({ kind: 'init', replica: i, engine: benchEngine, knobs: benchKnobs(3)[i], direct: false, ribTree: false });
    await handle({ kind: 'add-peer', round: 0, peer });
    const inputs: SharedArrayBuffer[] = [];
    for (let p = 0; p < msgs.length; p += ROUND) inputs.push(writeRound(msgs.slice(p, p + ROUND).map((message) => ({ peerId: peer.id, message }))));
    let changed = 0;
    const r = await measure(part, async () => {
      for (let k = 0; k < inputs.length; k++) changed += (unwrap(await handle({ kind: 'updates', round: k + 1, input: inputs[k] })) as RoundResult).outcome.length;
    });
    if (changed !== prefixes) throw new Error(`${part}: ${changed} prefixes changed, expected ${prefixes}`);
    return r;
  }
  if (part === 'set-3') {
    const before = new Set(threadCpu().keys());
    const set = new ReplicaSet({ engine: benchEngine, replicas: benchKnobs(3), mode: 'continuous-majority', roundDeadlineMs: 60000, maxRoundUpdates: ROUND, ribTree: false });
    await set.start();
    // Piscina's replica workers are the threads started by start() (V8's and libuv's existed before).
    const workers = new Set([...threadCpu().keys()].filter((t) => !before.has(t)));
    await set.addPeer(peer);
    const all = interleave(feed);
    let changed = 0;
    const r = await measure(part, async () => {
      for (let p = 0; p < all.length; p += ROUND) changed += (await set.applyRound(all.slice(p, p + ROUND))).locRib.length;
      await set.settle();
    }, () => workers);
    await set.close();
    if (changed !== prefixes) throw new Error(`${part}: ${changed} prefixes changed, expected ${prefixes}`);
    return r;
  }
  throw new Error(`unknown part ${part}`);
}

/** Piscina.move() wraps a transferable result; called in process, the handler returns the wrapper. */
function unwrap(v: unknown): unknown {
  const inner = (v as Record<symbol, unknown>)[Piscina.valueSymbol];
  return inner !== undefined ? inner : v;
}

// ── child: one part ──────────────────────────────────────────────────────────────────────────────────
const partArg = process.argv.indexOf('--part');
if (partArg > 0) {
  const r = await runPart(process.argv[partArg + 1], Number(process.argv[partArg + 2]));
  process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
  process.exit(0);
}

// ── parent: every part in a fresh process, then the budget ──────────────────────────────────────────────
const prefixes = Number(process.argv[2] ?? 1_000_000);
const repeats = Number(process.env.REPEATS ?? 1);
const cores = Number(process.env.CORES ?? availableParallelism());
const PARTS = ['engine-a', 'engine-b', 'replica-0', 'replica-1', 'replica-2', 'set-3'];
const best = new Map<string, PartResult>();
for (const part of PARTS) {
  for (let k = 0; k < repeats; k++) {
    const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--part', part, String(prefixes)], { encoding: 'utf8', env: { ...process.env, ROUND: String(ROUND) } });
    const line = out.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (out.status !== 0 || line === undefined) throw new Error(`part ${part} failed (exit ${out.status}): ${out.stderr.slice(-2000)}`);
    const r = JSON.parse(line.slice(7)) as PartResult;
    const prev = best.get(part);
    if (prev === undefined || r.wallS < prev.wallS) best.set(part, r);
  }
}
const get = (p: string): PartResult => best.get(p)!;
const f = (x: number): string => x.toFixed(2);

console.log(`\nmeasured parts (${prefixes.toLocaleString('en-US')} prefixes, one peer, rounds of ${ROUND}; best of ${repeats}; CPU = all threads of the process)`);
console.log('| part | wall s | CPU s | main thread s | replica threads s | other threads s | minor faults |');
console.log('|---|---|---|---|---|---|---|');
for (const p of PARTS) {
  const r = get(p);
  console.log(`| ${p} | ${f(r.wallS)} | ${f(r.cpuS)} | ${f(r.mainS)} | ${r.replicaS.length ? r.replicaS.map(f).join(' / ') : '–'} | ${f(r.otherS)} | ${r.minorFaults.toLocaleString('en-US')} |`);
}

// The budget. r1's reference is engine A alone (what the daemon's replicas = 1 runs, minus sessions, which
// the replicated daemon's main thread does as well); the target is 1.6 × its wall time, on `cores` cores.
const ea = get('engine-a');
const eb = get('engine-b');
const engines = [ea, eb, ea].reduce((a, r) => a + r.cpuS, 0); // replicas 0 and 2 run A, replica 1 runs B
const target = 1.6 * ea.wallS;
const allowed = cores * target;
const replicaAlone = [0, 1, 2].map((i) => get(`replica-${i}`));
const set3 = get('set-3');
const rows: [string, number][] = [
  ['r1 reference: engine A alone, wall', ea.wallS],
  [`target: 1.6 × r1`, target],
  [`CPU the target allows on ${cores} cores (${cores} × target)`, allowed],
  ['CPU the 3 engines need (A + B + A, each with its GC threads)', engines],
  ['left for everything else (allowed − engines)', allowed - engines],
  ['lower bound for r3 with nothing else (engines / cores)', engines / cores],
  ['replicas alone: engine + own bookkeeping, 3 × in process', replicaAlone.reduce((a, r) => a + r.cpuS, 0)],
  ['set-3: CPU of the whole replicated path', set3.cpuS],
  ['set-3: CPU beyond the engines (bookkeeping, voting, transport, 4 isolates\' GC and JIT)', set3.cpuS - engines],
  ['set-3: wall', set3.wallS],
  ['slowest replica alone vs r1 (the bound with one core per replica), ×', Math.max(...replicaAlone.map((r) => r.wallS)) / ea.wallS],
];
console.log(`\nthe budget of "replicas = 3 within 1.6× replicas = 1" on this machine (${cores} cores)`);
console.log('| | s |');
console.log('|---|---|');
for (const [k, v] of rows) console.log(`| ${k} | ${f(v)} |`);

// The same bound against the daemon's own r1 (sessions included), from the last bench/replicas/run.sh.
let daemon: { r1ConvergeS: number; r1CpuS: number; sessionCpuS: number; boundS: number; targetS: number; measured: string } | null = null;
const rep = join(results, 'replicas.json');
if (existsSync(rep)) {
  const j = JSON.parse(readFileSync(rep, 'utf8')) as { measured: string; raw: { target: string; peers: string; prefixes: string; converge_s: string; cpu_s: string }[] };
  const r1 = j.raw.find((x) => x.target === 'btrd/r1' && x.peers === '1' && Number(x.prefixes) === prefixes);
  if (r1 !== undefined) {
    const r1ConvergeS = Number(r1.converge_s);
    const r1CpuS = Number(r1.cpu_s);
    // What r1 spends beyond its engine (sessions, framing, API polls): r3's main thread does it too.
    const sessionCpuS = Math.max(0, r1CpuS - ea.cpuS);
    daemon = { r1ConvergeS, r1CpuS, sessionCpuS, boundS: (engines + sessionCpuS) / cores, targetS: 1.6 * r1ConvergeS, measured: j.measured };
    console.log(`\nagainst the daemon's r1 (bench/results/replicas.json, ${j.measured}): r1 ${f(r1ConvergeS)} s wall, ${f(r1CpuS)} s CPU; target ${f(daemon.targetS)} s; r3 lower bound (engines + r1's non-engine CPU ${f(sessionCpuS)} s) / ${cores} cores = ${f(daemon.boundS)} s: ${f((cores * daemon.targetS - engines - sessionCpuS))} s of CPU left for the whole replication overhead`);
  }
}

writeFileSync(join(results, 'replicas-budget.json'), JSON.stringify({ measured: new Date().toISOString(), prefixes, round: ROUND, repeats, cores, parts: PARTS.map(get), budget: Object.fromEntries(rows), daemon }, null, 2) + '\n');
writeBarChart(join(results, 'replicas-budget.svg'), `CPU of 1M prefixes vs the 1.6× target's budget (${cores} cores)`, 's', [
  { label: `allowed by the target (${cores} × 1.6 × r1)`, value: allowed },
  { label: 'engines A + B + A', value: engines },
  { label: 'replicas alone (3, in process)', value: replicaAlone.reduce((a, r) => a + r.cpuS, 0) },
  { label: 'set-3 replica threads', value: set3.replicaS.reduce((a, b) => a + b, 0) },
  { label: 'set-3 main thread (voting)', value: set3.mainS },
  { label: 'set-3 other threads (V8 GC, JIT)', value: set3.otherS },
  { label: 'set-3 total', value: set3.cpuS },
]);
console.log(`\nwrote ${join(results, 'replicas-budget.json')} and .svg`);
