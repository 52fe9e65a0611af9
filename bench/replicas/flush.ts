/**
 * Withdrawing a full table (peer removal) without sockets: one synthetic peer announces P prefixes (feed.ts:
 * the DFZ-like mix of threads.ts, groups of 10–50 prefixes per attribute set), then
 * the peer is removed and only that removal is timed: wall, CPU (process.cpuUsage: every thread of the
 * process) and minor page faults (process.resourceUsage).
 *
 * Subjects, each in a process of its own (a fresh heap; the parent only collects and prints):
 *   engine-a / engine-b   the bare decision engine (IMPLS[impl]), removePeer + reading its changes
 *   replica-a / replica-b one replica's round handler in-process (workers/decision.ts, voted mode, no
 *                         threads): the engine plus the replica's bookkeeping (ReportedRib, result columns)
 *   set-3                 a ReplicaSet of 3 worker threads (the daemon's default knobs: impl a, b, a), voted: the round
 *                         as the daemon runs it (CPU is then the sum over the threads)
 *
 *   node dist/bench/replicas/flush.js [PREFIXES=1000000] [RUNS=1] [SUBJECTS=engine-a,engine-b,replica-a,replica-b,set-3] [PEERS=1]
 *   (PEERS > 1: that many peers announce the same prefixes and the first is removed: every best moves to
 *   another peer instead of disappearing, and no row is freed)
 *   env: FLUSH_OUT=<name> writes bench/results/<name>.json/.svg (default replicas-flush; the chart also shows
 *        bench/results/<name>-before.json's figures when that file exists);
 *        FLUSH_PROFILE=<file> (one subject, one run): a V8 CPU profile of the removal only (main thread)
 */
import { fork } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeUpdate } from '../../lib/wire/update.js';
import { IMPLS } from '../../lib/replica/impls.js';
import { ReplicaSet, locRibChanges } from '../../lib/replica/replica-set.js';
import { writeRound } from '../../lib/replica/mux.js';
import type { RoundResult } from '../../lib/replica/protocol.js';
import Piscina from 'piscina';
import { writeBarChart } from '../chart.js';
import { benchCodec as codec, benchEngine as engineConfig, benchKnobs, interleave, syntheticFeed } from './feed.js';

const SUBJECTS = ['engine-a', 'engine-b', 'replica-a', 'replica-b', 'set-3'] as const;
type Subject = (typeof SUBJECTS)[number];

interface Measure {
  subject: Subject;
  run: number;
  /** Removal only. */
  wallMs: number;
  cpuMs: number;
  minorFaults: number;
  /** Loc-RIB changes the removal reported (should be P). */
  changes: number;
  loadWallMs: number;
}

const ROUND = 2000;

/** Time `f` (the removal): wall, CPU of the whole process, minor faults. */
async function timed(f: () => Promise<number> | number): Promise<{ wallMs: number; cpuMs: number; minorFaults: number; changes: number }> {
  (globalThis as { gc?: () => void }).gc?.(); // the load's garbage is not the removal's
  const profile = process.env.FLUSH_PROFILE;
  const session = profile ? new Session() : null;
  if (session !== null) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  const f0 = process.resourceUsage().minorPageFault;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const changes = await f();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  if (session !== null) {
    const { profile: p } = await session.post('Profiler.stop');
    writeFileSync(profile!, JSON.stringify(p));
    session.disconnect();
  }
  return { wallMs, cpuMs: (c.user + c.system) / 1000, minorFaults: process.resourceUsage().minorPageFault - f0, changes };
}

async function measure(subject: Subject, prefixes: number, run: number, peers: number): Promise<Measure> {
  // K peers announce the same prefixes (each its own AS paths); the first one is removed.
  const feed = syntheticFeed(prefixes, peers);
  const peer = feed.peers[0];
  const all = interleave(feed);
  const t0 = performance.now();
  let r: { wallMs: number; cpuMs: number; minorFaults: number; changes: number };
  if (subject === 'engine-a' || subject === 'engine-b') {
    const engine = IMPLS[subject === 'engine-a' ? 'a' : 'b']({ ...engineConfig, resolveNextHop: () => ({ igpCost: 0 }) });
    for (const q of feed.peers) engine.addPeer(q);
    for (const x of all) engine.applyUpdate(x.peerId, decodeUpdate(x.message.subarray(19), codec));
    const loadWallMs = performance.now() - t0;
    r = await timed(() => {
      const d = engine.removePeer(peer.id);
      // What a replica reads: the changes (without building route objects when the engine can say them).
      let n = 0;
      if (d.forEachLocChange !== undefined) d.forEachLocChange(() => n++);
      else n = d.locRib.length;
      return n;
    });
    return { subject, run, ...r, loadWallMs };
  }
  if (subject === 'replica-a' || subject === 'replica-b') {
    const handle = (await import('../../workers/decision.js')).default;
    const impl = subject === 'replica-a' ? 'a' : 'b';
    await handle({ kind: 'init', replica: 0, engine: engineConfig, knobs: benchKnobs(3)[impl === 'a' ? 0 : 1], direct: false, ribTree: false });
    let round = 0;
    for (const q of feed.peers) await handle({ kind: 'add-peer', round: round++, peer: q });
    for (let p = 0; p < all.length; p += ROUND) await handle({ kind: 'updates', round: round++, input: writeRound(all.slice(p, p + ROUND)) });
    const loadWallMs = performance.now() - t0;
    r = await timed(async () => {
      const res = unwrap(await handle({ kind: 'remove-peer', round: round++, peerId: peer.id }));
      return res.outcome.length;
    });
    return { subject, run, ...r, loadWallMs };
  }
  const set = new ReplicaSet({ engine: engineConfig, replicas: benchKnobs(3), mode: 'continuous-majority', roundDeadlineMs: 120000, maxRoundUpdates: ROUND, ribTree: false });
  await set.start();
  for (const q of feed.peers) await set.addPeer(q);
  for (let p = 0; p < all.length; p += ROUND) await set.applyRound(all.slice(p, p + ROUND));
  await set.settle();
  const loadWallMs = performance.now() - t0;
  r = await timed(async () => {
    const d = await set.removePeer(peer.id);
    await set.settle();
    return locRibChanges(d); // without building the entries (the daemon builds them only for a FIB)
  });
  await set.close();
  return { subject, run, ...r, loadWallMs };
}

/** A handler's result may be wrapped for Piscina's transfer list (workers/decision.ts movable). */
function unwrap(x: unknown): RoundResult {
  const inner = (x as Record<symbol, unknown>)[Piscina.valueSymbol];
  return (inner ?? x) as RoundResult;
}

const self = fileURLToPath(import.meta.url);

if (process.env.FLUSH_CHILD) {
  const [subject, prefixes, run, peers] = process.env.FLUSH_CHILD.split(':');
  const m = await measure(subject as Subject, Number(prefixes), Number(run), Number(peers ?? 1));
  process.send!(m);
  process.exit(0);
} else {
  const prefixes = Number(process.argv[2] ?? 1_000_000);
  const runs = Number(process.argv[3] ?? 1);
  const subjects = (process.argv[4]?.split(',') ?? SUBJECTS) as Subject[];
  const peers = Number(process.argv[5] ?? 1);
  for (const s of subjects) if (!SUBJECTS.includes(s)) throw new Error(`unknown subject ${s} (${SUBJECTS.join(', ')})`);
  const results: Measure[] = [];
  for (let run = 1; run <= runs; run++) {
    for (const subject of subjects) {
      const m = await new Promise<Measure>((resolve, reject) => {
        const child = fork(self, [], { env: { ...process.env, FLUSH_CHILD: `${subject}:${prefixes}:${run}:${peers}` }, execArgv: ['--expose-gc', '--max-old-space-size=6144'] });
        let got: Measure | null = null;
        child.on('message', (x) => (got = x as Measure));
        child.on('exit', (code) => (got !== null ? resolve(got) : reject(new Error(`${subject}: child exited ${code}`))));
      });
      results.push(m);
      console.log(`${m.subject.padEnd(10)} run ${run}: removal wall ${m.wallMs.toFixed(0).padStart(6)} ms  cpu ${m.cpuMs.toFixed(0).padStart(6)} ms  minor faults ${String(m.minorFaults).padStart(7)}  changes ${m.changes}  (load ${(m.loadWallMs / 1000).toFixed(1)} s)`);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = subjects.map((subject) => {
    const ms = results.filter((r) => r.subject === subject);
    return { subject, wallMs: median(ms.map((m) => m.wallMs)), cpuMs: median(ms.map((m) => m.cpuMs)), minorFaults: median(ms.map((m) => m.minorFaults)), runs: ms.length };
  });
  console.log(`\nremoval of a peer with ${prefixes} prefixes (of ${peers} announcing them), median of ${runs} run(s)`);
  console.log('subject      wall ms   cpu ms  minor faults');
  for (const s of summary) console.log(`${s.subject.padEnd(10)} ${s.wallMs.toFixed(0).padStart(9)} ${s.cpuMs.toFixed(0).padStart(8)} ${String(s.minorFaults).padStart(13)}`);
  const name = process.env.FLUSH_OUT ?? 'replicas-flush';
  const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}${name}.json`, JSON.stringify({ prefixes, peers, runs, node: process.version, date: new Date().toISOString(), summary, results }, null, 2) + '\n');
  // With a <name>-before.json beside it (an earlier tree's run), the chart shows both per subject.
  let before: { subject: string; cpuMs: number }[] = [];
  try {
    before = (JSON.parse(readFileSync(`${dir}${name}-before.json`, 'utf8')) as { summary: { subject: string; cpuMs: number }[] }).summary;
  } catch {
    // no earlier run
  }
  const bars = summary.flatMap((s) => {
    const b = before.find((x) => x.subject === s.subject);
    return b === undefined ? [{ label: s.subject, value: s.cpuMs }] : [{ label: `${s.subject} before`, value: b.cpuMs }, { label: `${s.subject} after`, value: s.cpuMs }];
  });
  writeBarChart(`${dir}${name}.svg`, `Peer removal, ${prefixes.toLocaleString('en-US')} prefixes: CPU ms (median of ${runs})`, 'ms', bars);
  console.log(`wrote bench/results/${name}.json and .svg`);
}
