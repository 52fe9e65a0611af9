/**
 * Fault injection under a real table replay with churn (issue 5, "Benchmark"): each fault of the fault table
 * in 1 of 3 replicas, and 2 simultaneous faults in 5 replicas, in continuous-majority and master mode.
 *
 * Input: the RouteViews RIB slice (P peers, the jinx/route-views2 2014 slice) replayed as UPDATEs, then
 * real churn — the BGP4MP UPDATEs of mrt/updates/updates.example.gz (route-views2, 2013; 4-octet-AS IPv4
 * sessions, as separate peers, in file order) — all in rounds of ROUND UPDATEs, as fast as the set answers.
 * The faults are the `only-impl: a` kind (the restarted replica runs impl b and is healthy).
 *
 * Reported per run (fault-free runs give the baselines):
 *   - wrong FIB entries: voted Loc-RIB entries (what the FIB writer installs) that differ from a plain
 *     RoutingEngine fed the same input (the oracle) at that point — count, and how long each lived until a
 *     later voted delta made it right (wall clock);
 *   - fired: the round where the fault's trigger first occurs in the input (computed from the input, not by
 *     the replica); detect = its verdict − the start of that round; recover = back in the vote − verdict;
 *   - throughput: UPDATEs/s over the churn phase, and the dip: the slowest 0.5-second window of the faulty
 *     run against the slowest of the fault-free runs (same mode and replica count; one run before and one
 *     after the group, averaged, since the shared machine's load drifts), all in the churn phase.
 *
 * BTRD_BENCH_SANITY=1: only check that the wrong-entry checker sees the flip fault when all replicas have it.
 *
 *   npm run -s build && node dist/bench/faults/matrix.js [--peers 3] [--per-peer 1500] [--churn 6000]
 *
 * Writes bench/results/faults-matrix.json and .svg. No sockets: the ReplicaSet runs in this process.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ReplicaSet, type VotedDelta, type VotingMode } from '../../lib/replica/replica-set.js';
import type { ReplicaKnobs, ReplicaFaultKnob } from '../../lib/replica/knobs.js';
import type { RoundUpdate } from '../../lib/replica/mux.js';
import { asPathLength, attributeTypes, prefixesOf } from '../../lib/replica/faults.js';
import { RoutingEngine } from '../../lib/rib/engine.js';
import type { EnginePeer } from '../../lib/rib/types.js';
import { readMrt } from '../../lib/mrt/reader.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { formatPrefix, type PrefixKey } from '../../lib/wire/prefix.js';
import { ACCEPT_ALL } from '../../lib/policy/types.js';
import { ENGINE, OWN_AS, loadRawJinx } from '../../spec/replica/feed.js';
import { dataPath } from '../../spec/helpers/corpus.js';
import { writeBarChart } from '../chart.js';

const here = dirname(fileURLToPath(import.meta.url));
const results = join(here, '../../../bench/results');
const { values: argv } = parseArgs({ options: { peers: { type: 'string', default: '3' }, 'per-peer': { type: 'string', default: '1500' }, churn: { type: 'string', default: '6000' } } });
const PEERS = Number(argv.peers);
const PER_PEER = Number(argv['per-peer']);
const CHURN = Number(argv.churn);
const ROUND = 200;
const WINDOW_MS = 500;
const CHURN_FILE = 'mrt/updates/updates.example.gz';

interface Input { readonly peers: EnginePeer[]; readonly rounds: RoundUpdate[][]; readonly tableRounds: number }

async function loadInput(): Promise<Input> {
  const table = (await loadRawJinx(PEERS)).map((f) => ({ peer: f.peer, messages: f.messages.slice(0, PER_PEER) }));
  const rounds: RoundUpdate[][] = [];
  const all: RoundUpdate[] = [];
  for (let i = 0; i < PER_PEER; i++) for (const f of table) if (i < f.messages.length) all.push({ peerId: f.peer.id, message: f.messages[i] });
  for (let i = 0; i < all.length; i += ROUND) rounds.push(all.slice(i, i + ROUND));
  const tableRounds = rounds.length;
  // Churn: UPDATEs received on 4-octet-AS IPv4 sessions, each session a peer of its own.
  const churnPeers = new Map<string, EnginePeer>();
  const churn: RoundUpdate[] = [];
  for await (const r of readMrt(dataPath(CHURN_FILE))) {
    if (churn.length >= CHURN) break;
    if (r.kind !== 'bgp4mp-message' || r.local || r.addPath || !r.as4 || r.afi !== 1 || r.message[18] !== 2) continue;
    let p = churnPeers.get(r.peerIp);
    if (p === undefined) {
      const id = 1000 + churnPeers.size;
      p = {
        id, name: `${r.peerIp} AS${r.peerAs}`, address: r.peerIp, asn: r.peerAs, localAs: OWN_AS, routerId: r.peerIp, ebgp: true,
        routeReflectorClient: false, routeServerClient: false, families: { ipv4: true, ipv6: true }, codec: { fourOctetAs: true, ebgp: true }, nextHopSelf: false,
        localAddress: { ipv4: '192.0.2.254', ipv6: '2001:db8::fe' }, importPolicy: ACCEPT_ALL, exportPolicy: ACCEPT_ALL,
      };
      churnPeers.set(r.peerIp, p);
    }
    churn.push({ peerId: p.id, message: r.message.slice() });
  }
  for (let i = 0; i < churn.length; i += ROUND) rounds.push(churn.slice(i, i + ROUND));
  return { peers: [...table.map((f) => f.peer), ...churnPeers.values()], rounds, tableRounds };
}

/** The oracle: per prefix, its best (peer + next hop) after each input round. */
interface Oracle { at(prefix: PrefixKey, input: number): string; firstChange: number[]; multi: Set<PrefixKey>[] }
const key = (r: { peerId: number; nextHop: string } | null | undefined): string => (r ? `${r.peerId} ${r.nextHop}` : '-');

function buildOracle(inp: Input): Oracle {
  const e = new RoutingEngine({ ...ENGINE, resolveNextHop: () => ({ igpCost: 0 }) });
  const codec = new Map(inp.peers.map((p) => [p.id, p.codec]));
  const hist = new Map<PrefixKey, { input: number; v: string }[]>();
  const note = (p: PrefixKey, input: number, v: string): void => {
    let h = hist.get(p);
    if (h === undefined) hist.set(p, (h = []));
    h.push({ input, v });
  };
  let input = 0;
  for (const p of inp.peers) {
    for (const x of e.addPeer(p).locRib) note(x.prefix, input, key(x.best));
    input++;
  }
  const firstChange: number[] = [];
  const multi: Set<PrefixKey>[] = [];
  for (const round of inp.rounds) {
    const m = new Set<PrefixKey>();
    for (const u of round) for (const x of e.applyUpdate(u.peerId, decodeUpdate(u.message.subarray(19), codec.get(u.peerId)!)).locRib) {
      note(x.prefix, input, key(x.best));
      if (e.candidates(x.prefix).length >= 2) m.add(x.prefix);
    }
    multi.push(m);
    firstChange.push(input++);
  }
  return {
    at(prefix, i) {
      const h = hist.get(prefix);
      if (!h) return '-';
      let v = '-';
      for (const x of h) if (x.input <= i) v = x.v; else break;
      return v;
    },
    firstChange,
    multi,
  };
}

interface Scenario { readonly name: string; readonly replicas: number; readonly faulty: number[]; readonly faults: ReplicaFaultKnob[]; readonly controller?: object; readonly deadlineMs?: number; readonly fires: number[] }

interface Row {
  scenario: string; mode: VotingMode; replicas: number; faulty: number[];
  firedRound: number[]; verdicts: string[]; detectMs: (number | null)[]; recoverMs: (number | null)[];
  wrongFib: number; wrongMaxMs: number; wrongMedianMs: number; wrongOpenAtEnd: number;
  churnUpdatesPerS: number; worstWindowUpdatesPerS: number | null; dipPct: number | null; totalS: number;
}

async function run(inp: Input, oracle: Oracle, sc: Scenario, mode: VotingMode, baseline: Row | null): Promise<Row> {
  const knobs: ReplicaKnobs[] = Array.from({ length: sc.replicas }, (_, i) => ({ impl: 'b', orderSeed: 11 + i, reverseScan: i % 2 === 1 }));
  sc.faulty.forEach((r, j) => (knobs[r] = { impl: 'a', orderSeed: 101 + j, fault: { ...sc.faults[j], onlyImpl: 'a' } }));
  const verdictAt = new Map<number, { at: number; cause: string }>();
  const backAt = new Map<number, number>();
  const roundStart: number[] = [];
  const roundEnd: number[] = [];
  let current = -1;
  const inputAt = new Map<number, number>();
  // Voted Loc-RIB (what the FIB gets): wrong-since per prefix, and the closed wrong lifetimes.
  const wrongSince = new Map<PrefixKey, number>();
  const lifetimes: number[] = [];
  const check = (d: VotedDelta): void => {
    const now = performance.now();
    const i = inputAt.get(d.round) ?? current;
    for (const x of d.locRib) {
      const v = key(x.best);
      // Master mode: a correction restates the standby's current state, which may be the next input's already.
      const ok = v === oracle.at(x.prefix, i) || v === oracle.at(x.prefix, i + 1);
      if (!ok) {
        if (!wrongSince.has(x.prefix)) wrongSince.set(x.prefix, now);
      } else if (wrongSince.has(x.prefix)) {
        lifetimes.push(now - wrongSince.get(x.prefix)!);
        wrongSince.delete(x.prefix);
      }
    }
  };
  const set = new ReplicaSet({
    engine: ENGINE, replicas: knobs, mode, roundDeadlineMs: sc.deadlineMs ?? 2000, maxRoundUpdates: ROUND,
    controller: { restartBackoffMs: 50, wrongThreshold: { m: 2, w: 4 }, ...sc.controller }, onCorrection: check,
    logger: {
      info: (o, m) => { if (m.includes('back in the vote')) backAt.set((o as { replica: number }).replica, performance.now()); },
      warn: (o, m) => { const v = o as { replica: number; cause: string }; if (m.includes('judged faulty') && !verdictAt.has(v.replica)) verdictAt.set(v.replica, { at: performance.now(), cause: v.cause }); },
      error: () => undefined,
    },
  });
  await set.start();
  const t0 = performance.now();
  try {
    let input = 0;
    for (const p of inp.peers) {
      const d = await set.addPeer(p);
      inputAt.set(d.round, input);
      current = input++;
      check(d);
    }
    for (const [ri, round] of inp.rounds.entries()) {
      roundStart.push(performance.now());
      current = oracle.firstChange[ri];
      const d = await set.applyRound(round);
      inputAt.set(d.round, oracle.firstChange[ri]);
      check(d);
      roundEnd.push(performance.now());
    }
    const until = performance.now() + 30_000;
    while (performance.now() < until && sc.faulty.some((r) => !backAt.has(r) || set.controllerStatus().replicas[r].state !== 'voting')) await new Promise((r) => setTimeout(r, 20));
    const last = await set.settle();
    if (last) check(last);
  } finally {
    await set.close();
  }
  const end = performance.now();
  // Churn throughput: per round, then 1-second windows.
  const c0 = inp.tableRounds;
  const churnUpdates = inp.rounds.slice(c0).reduce((n, r) => n + r.length, 0);
  const churnS = (roundEnd[roundEnd.length - 1] - roundStart[c0]) / 1000;
  // Slowest WINDOW_MS window of the churn phase, as UPDATEs/s (each round's UPDATEs spread over its duration).
  let worst = Infinity;
  for (let w = roundStart[c0]; w + WINDOW_MS <= roundEnd[roundEnd.length - 1]; w += WINDOW_MS / 4) {
    let n = 0;
    for (let r = c0; r < inp.rounds.length; r++) {
      const a = Math.max(w, roundStart[r]);
      const b = Math.min(w + WINDOW_MS, roundEnd[r]);
      if (b > a) n += (inp.rounds[r].length * (b - a)) / (roundEnd[r] - roundStart[r]);
    }
    worst = Math.min(worst, (n * 1000) / WINDOW_MS);
  }
  const sorted = [...lifetimes].sort((a, b) => a - b);
  return {
    scenario: sc.name, mode, replicas: sc.replicas, faulty: sc.faulty,
    firedRound: sc.fires,
    verdicts: sc.faulty.map((r) => verdictAt.get(r)?.cause ?? 'none'),
    detectMs: sc.faulty.map((r, j) => (verdictAt.has(r) && sc.fires[j] >= 0 ? Math.round(verdictAt.get(r)!.at - roundStart[sc.fires[j]]) : null)),
    recoverMs: sc.faulty.map((r) => (verdictAt.has(r) && backAt.has(r) ? Math.round(backAt.get(r)! - verdictAt.get(r)!.at) : null)),
    wrongFib: lifetimes.length + wrongSince.size,
    wrongMaxMs: Math.round(Math.max(0, ...lifetimes)),
    wrongMedianMs: sorted.length ? Math.round(sorted[sorted.length >> 1]) : 0,
    wrongOpenAtEnd: wrongSince.size,
    churnUpdatesPerS: Math.round(churnUpdates / churnS),
    worstWindowUpdatesPerS: Number.isFinite(worst) ? Math.round(worst) : null,
    dipPct: baseline?.worstWindowUpdatesPerS && Number.isFinite(worst) ? Math.round((1 - worst / baseline.worstWindowUpdatesPerS) * 100) : null,
    totalS: Math.round((end - t0) / 100) / 10,
  };
}

/** The first round (index into inp.rounds) where an input property holds, or -1. */
function firstRound(inp: Input, pred: (u: RoundUpdate, ri: number) => boolean, from = 0): number {
  for (let ri = from; ri < inp.rounds.length; ri++) if (inp.rounds[ri].some((u) => pred(u, ri))) return ri;
  return -1;
}

const inp = await loadInput();
const oracle = buildOracle(inp);
const codec = new Map(inp.peers.map((p) => [p.id, p.codec]));
const dec = (u: RoundUpdate) => decodeUpdate(u.message.subarray(19), codec.get(u.peerId)!, null);
const c0 = inp.tableRounds;
// Fault parameters chosen so each fires in the churn phase where the input allows it (stated per row).
const tableLongest = Math.max(...inp.rounds.slice(0, c0).flatMap((r) => r.map((u) => asPathLength(dec(u).attributes))));
const churnLongest = Math.max(...inp.rounds.slice(c0).flatMap((r) => r.map((u) => asPathLength(dec(u).attributes))));
const longL = churnLongest > tableLongest ? tableLongest : churnLongest - 1;
const typeSeen = (from: number, to: number): Set<number> => new Set(inp.rounds.slice(from, to).flatMap((r) => r.flatMap((u) => attributeTypes(u.message.subarray(19)))));
const tableTypes = typeSeen(0, c0);
const churnOnly = [...typeSeen(c0, inp.rounds.length)].filter((t) => !tableTypes.has(t) && t > 3);
const attrT = churnOnly[0] ?? [...typeSeen(c0, inp.rounds.length)].filter((t) => t > 3).sort((a, b) => b - a)[0];
const hangU = inp.rounds[c0 + 3].find((u) => dec(u).nlri.length > 0)!;
const hangP = formatPrefix(dec(hangU).nlri[0]);
const RANGE = '0.0.0.0/1';
const inRange = (p: PrefixKey): boolean => Number(formatPrefix(p).split('.')[0]) < 128; // 0.0.0.0/1 (IPv6 text is NaN: outside)
const fires = {
  long: firstRound(inp, (u) => asPathLength(dec(u).attributes) > longL),
  attr: firstRound(inp, (u) => attributeTypes(u.message.subarray(19)).includes(attrT)),
  wrong: oracle.multi.findIndex((m) => [...m].some(inRange)),
  hang: firstRound(inp, (u) => prefixesOf(dec(u)).some((p) => formatPrefix(p) === hangP)),
  leak: 0,
  flip: 0,
  // crash-after-rounds counts every round the instance runs, addPeer rounds included: the AFTER-th is rounds[c0 + 4].
  after: c0 + 4,
};
const AFTER = inp.peers.length + c0 + 5;
const ONE: Omit<Scenario, 'replicas' | 'faulty'>[] = [
  { name: `crash: AS_PATH > ${longL}`, faults: [{ crashAsPathLongerThan: longL }], fires: [fires.long] },
  { name: `crash: attribute type ${attrT}`, faults: [{ crashOnAttributeType: attrT }], fires: [fires.attr] },
  { name: `wrong best in ${RANGE}`, faults: [{ wrongBestInRange: RANGE, wrongBestPrefers: 'longest-as-path' }], fires: [fires.wrong] },
  { name: `hang on ${hangP}`, faults: [{ hangOnPrefix: hangP, hangMs: 60_000 }], fires: [fires.hang], deadlineMs: 1500 },
  { name: 'leak 200 kB/UPDATE', faults: [{ leakBytesPerUpdate: 200_000 }], fires: [fires.leak], controller: { heapLimitMb: 160 } },
  { name: 'next-hop bit flip', faults: [{ flipNextHopBit: { bit: 0 } }], fires: [fires.flip] },
  { name: `crash after ${AFTER} rounds`, faults: [{ crashAfterRounds: AFTER }], fires: [fires.after] },
];
const TWO: Omit<Scenario, 'replicas' | 'faulty'>[] = [
  { name: `crash: AS_PATH > ${longL} + wrong best in ${RANGE}`, faults: [ONE[0].faults[0], ONE[2].faults[0]], fires: [fires.long, fires.wrong] },
  { name: `hang on ${hangP} + next-hop bit flip`, faults: [ONE[3].faults[0], ONE[5].faults[0]], fires: [fires.hang, fires.flip], deadlineMs: 1500 },
];
const MODES: VotingMode[] = ['continuous-majority', 'master'];
if (process.env.BTRD_BENCH_SANITY) {
  // The checker must see wrong entries when every replica has the bug (nothing to out-vote it).
  const r = await run(inp, oracle, { name: 'flip on all', replicas: 3, faulty: [0, 1, 2], faults: [ONE[5].faults[0], ONE[5].faults[0], ONE[5].faults[0]], fires: [0, 0, 0], controller: { restart: false } }, 'continuous-majority', null);
  console.log(`sanity: ${r.wrongFib} wrong FIB entries, ${r.wrongOpenAtEnd} still wrong at the end`);
  process.exit(r.wrongFib > 0 ? 0 : 1);
}
const rows: Row[] = [];
console.log(`input: ${inp.peers.length} peers, ${c0} table rounds + ${inp.rounds.length - c0} churn rounds of ≤ ${ROUND} UPDATEs (${inp.rounds.reduce((n, r) => n + r.length, 0)} UPDATEs)`);
/** Baselines run before and after each group (the machine's load drifts): the dip is against their mean. */
function meanBaseline(a: Row, b: Row): Row {
  const w = a.worstWindowUpdatesPerS !== null && b.worstWindowUpdatesPerS !== null ? Math.round((a.worstWindowUpdatesPerS + b.worstWindowUpdatesPerS) / 2) : null;
  return { ...a, scenario: 'none (baseline, mean of the runs before and after)', churnUpdatesPerS: Math.round((a.churnUpdatesPerS + b.churnUpdatesPerS) / 2), worstWindowUpdatesPerS: w };
}
for (const mode of MODES) {
  const none = (replicas: number): Scenario => ({ name: 'none (baseline)', replicas, faulty: [], faults: [], fires: [] });
  const b3 = await run(inp, oracle, none(3), mode, null);
  const group3: Row[] = [];
  for (const s of ONE) group3.push(await run(inp, oracle, { ...s, replicas: 3, faulty: [mode === 'master' ? 0 : 1] }, mode, null));
  const base3 = meanBaseline(b3, await run(inp, oracle, none(3), mode, null));
  rows.push(base3, ...group3.map((r) => ({ ...r, dipPct: base3.worstWindowUpdatesPerS && r.worstWindowUpdatesPerS !== null ? Math.round((1 - r.worstWindowUpdatesPerS / base3.worstWindowUpdatesPerS) * 100) : null })));
  const b5 = await run(inp, oracle, none(5), mode, null);
  const group5: Row[] = [];
  for (const s of TWO) group5.push(await run(inp, oracle, { ...s, replicas: 5, faulty: mode === 'master' ? [0, 3] : [1, 3] }, mode, null));
  const base5 = meanBaseline(b5, await run(inp, oracle, none(5), mode, null));
  rows.push(base5, ...group5.map((r) => ({ ...r, dipPct: base5.worstWindowUpdatesPerS && r.worstWindowUpdatesPerS !== null ? Math.round((1 - r.worstWindowUpdatesPerS / base5.worstWindowUpdatesPerS) * 100) : null })));
  console.error(`${mode} done`);
}
const ms = (v: number | null): string => (v === null ? '—' : `${(v / 1000).toFixed(2)} s`);
const lines = [
  '| mode | replicas | fault(s) on replica(s) | fires in round | verdict | detect | recover | wrong FIB entries (max / median life) | churn UPDATEs/s | slowest 0.5 s window, UPDATEs/s (dip vs the baselines) |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.mode} | ${r.replicas} | ${r.scenario}${r.faulty.length ? ` (${r.faulty.join(', ')})` : ''} | ${r.firedRound.map((x) => (x < 0 ? 'never' : x < c0 ? `${x} (table)` : `${x}`)).join(', ') || '—'} | ${r.verdicts.join(', ') || '—'} | ${r.detectMs.map(ms).join(', ') || '—'} | ${r.recoverMs.map(ms).join(', ') || '—'} | ${r.wrongFib}${r.wrongFib ? ` (${r.wrongMaxMs} / ${r.wrongMedianMs} ms${r.wrongOpenAtEnd ? `, ${r.wrongOpenAtEnd} still wrong at the end` : ''})` : ''} | ${r.churnUpdatesPerS.toLocaleString('en')} | ${r.worstWindowUpdatesPerS?.toLocaleString('en') ?? '—'}${r.dipPct !== null ? ` (${r.dipPct} %)` : ''} |`),
];
console.log(lines.join('\n'));
writeFileSync(join(results, 'faults-matrix.json'), JSON.stringify({ measuredAt: new Date().toISOString(), input: { peers: inp.peers.length, tableRounds: c0, churnRounds: inp.rounds.length - c0, round: ROUND, churnFile: CHURN_FILE, perPeer: PER_PEER }, rows }, null, 2) + '\n');
writeBarChart(join(results, 'faults-matrix.svg'), 'fault → back in the vote (detect + recover), 1 of 3 and 2 of 5 replicas', 's',
  rows.filter((r) => r.faulty.length > 0).map((r) => ({ label: `${r.mode === 'master' ? 'M' : 'CM'} ${r.replicas}: ${r.scenario}`.slice(0, 48), value: Math.max(0, ...r.faulty.map((_, j) => ((r.detectMs[j] ?? 0) + (r.recoverMs[j] ?? 0)) / 1000)) })));
