/**
 * One decision replica (DESIGN principle 1: the replicated part): the Piscina task handler of a
 * single-thread pool. It parses the round's raw UPDATE bytes (from the shared input buffer), applies them to
 * its own engine (impl knob) with its diversity knobs, and returns the round result as typed arrays plus
 * the running whole-RIB digest (protocol.ts). State lives in this module: one replica per thread.
 */
import Piscina from 'piscina';
import { getHeapStatistics } from 'node:v8';
import { queryRoutes, type RouteQuery, type RouteQueryResult, type RouteSource } from '../lib/api/routes.js';
import { match } from 'ts-pattern';
import { decodeUpdate } from '../lib/wire/update.js';
import { checkImportLimits, type ImportLimits } from '../lib/policy/limits.js';
import { parseIpv4, parseIpv6 } from '../lib/wire/address.js';
import { parsePrefix, prefixContains, type PrefixKey } from '../lib/wire/prefix.js';
import type { CodecContext, PathAttributes, UpdateMessage } from '../lib/wire/types.js';
import { selectBestPath } from '../lib/decision/best-path.js';
import type { EngineDelta, EngineOptions, LocBest, PeerOut, Route } from '../lib/rib/types.js';
import { IMPLS, type ReplicaEngine } from '../lib/replica/impls.js';
import { PrefixCoverage, seededRandom, shuffleInPlace, type ReplicaKnobs } from '../lib/replica/knobs.js';
import { FaultInjector } from '../lib/replica/faults.js';
import { encodeAdjRibIn } from '../lib/replica/resync.js';
import { RoundInput, applicationOrder } from '../lib/replica/mux.js';
import { digestAttributes, digestOutcome, digestRoute, exportTerm, ribTerm, xor53 } from '../lib/replica/digest.js';
import { RibTree, corruptLocEntry, type RibTreeResult } from '../lib/replica/rib-tree.js';
import { ReportedRib, routeOf } from '../lib/replica/reported-rib.js';
import { sortKeysWithRows } from '../lib/replica/key-sort.js';
import {
  ROUNDS_KEPT,
  type AdjRibOutResult, type CountsResult, type DirectResult, type EngineConfig, type FetchAttrsResult, type InitTask, type InputError,
  type DumpAdjRibInResult, type NextHopTable, type ReplicaTask, type RestateResult, type RoundResult, type RoundTask,
} from '../lib/replica/protocol.js';

interface ReplicaState {
  readonly index: number;
  readonly knobs: ReplicaKnobs;
  readonly direct: boolean;
  readonly engine: ReplicaEngine;
  readonly coverage: PrefixCoverage;
  readonly codecs: Map<number, CodecContext>;
  /** Peers' import limits, to report UPDATEs over them (the engine applies them itself). */
  readonly importLimits: Map<number, ImportLimits>;
  /** Peers whose input hit a session-reset error: their later entries are skipped until removed/re-added. */
  readonly resetPeers: Set<number>;
  /** Per prefix: reported (possibly rescanned / fault-altered) best, Loc-RIB digest, export XOR; Adj-RIB-Out mirror. */
  readonly rib: ReportedRib;
  /**
   * Hash tree of the reported Loc-RIB (voted mode), for the FIB writer's audit (lib/replica/rib-tree.ts).
   * Kept from the start when the daemon has a FIB to audit (InitTask.ribTree); otherwise built on the first
   * tree request (it is ~15 % of a replica's round cost at table load).
   */
  ribTree: RibTree | null;
  ribDigest: number;
  /** Attribute sets reported in the last ROUNDS_KEPT rounds, by digest (fetch-attrs). */
  readonly recent: Map<number, PathAttributes>[];
  readonly padding: unknown[];
  applied: number;
  readonly tiebreakRand: (() => number) | null;
  /** TEST ONLY deliberate bugs (lib/replica/faults.ts); inert unless configured. */
  readonly faults: FaultInjector;
}

let state: ReplicaState | null = null;

function resolver(t: NextHopTable): EngineOptions['resolveNextHop'] {
  if ('all' in t) return () => ({ igpCost: 0 });
  const routes = t.routes.map((r) => ({ key: parsePrefix(r.prefix), igpCost: r.igpCost })).sort((a, b) => lengthOf(b.key) - lengthOf(a.key));
  return (nh) => {
    const key = nh.includes(':') ? parsePrefix(`${nh}/128`) : parsePrefix(`${nh}/32`);
    for (const r of routes) if (prefixContains(r.key, key)) return { igpCost: r.igpCost };
    return undefined;
  };
}

function lengthOf(k: PrefixKey): number {
  return typeof k === 'number' ? k % 64 : Number(k.slice(33));
}

function init(t: InitTask): null {
  const e: EngineConfig = t.engine;
  const opts: EngineOptions = { ...e, resolveNextHop: resolver(e.resolveNextHop) };
  const impl = t.knobs.impl ?? 'a';
  const engine = IMPLS[impl](opts);
  state = {
    index: t.replica,
    knobs: t.knobs,
    direct: t.direct,
    engine,
    coverage: new PrefixCoverage(t.knobs.prefixes),
    codecs: new Map(),
    importLimits: new Map(),
    resetPeers: new Set(),
    rib: new ReportedRib((p) => {
      const b = engine.best(p);
      return b === null ? null : routeOf(p, b);
    }),
    ribTree: t.ribTree === false ? null : new RibTree(),
    ribDigest: 0,
    recent: [],
    padding: [],
    applied: 0,
    tiebreakRand: t.knobs.tiebreakSeed !== undefined ? seededRandom(t.knobs.tiebreakSeed) : null,
    faults: new FaultInjector(t.knobs.fault, impl),
  };
  // Touch parsers once so that a replica's first round does not pay module warm-up alone.
  parseIpv4('0.0.0.0');
  parseIpv6('::');
  return null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Keep only covered prefixes of an UPDATE (prefixes knob). */
function filterUpdate(u: UpdateMessage, cov: PrefixCoverage): UpdateMessage {
  const keep = <T extends PrefixKey>(keys: readonly T[], ids: readonly number[] | undefined): [T[], number[] | undefined] => {
    const k: T[] = [];
    const p: number[] | undefined = ids ? [] : undefined;
    for (let i = 0; i < keys.length; i++) {
      if (!cov.covers(keys[i])) continue;
      k.push(keys[i]);
      if (p && ids) p.push(ids[i]);
    }
    return [k, p];
  };
  const [withdrawn, withdrawnPathIds] = keep(u.withdrawn, u.withdrawnPathIds);
  const [nlri, nlriPathIds] = keep(u.nlri, u.nlriPathIds);
  const r: UpdateMessage = { ...u, withdrawn, withdrawnPathIds, nlri, nlriPathIds };
  if (u.mpReach) {
    const [mn, mp] = keep(u.mpReach.nlri, u.mpReach.pathIds);
    (r as { mpReach: typeof u.mpReach }).mpReach = { ...u.mpReach, nlri: mn, pathIds: mp };
  }
  if (u.mpUnreach) {
    const [mw, mp] = keep(u.mpUnreach.withdrawn, u.mpUnreach.pathIds);
    (r as { mpUnreach: typeof u.mpUnreach }).mpUnreach = { ...u.mpUnreach, withdrawn: mw, pathIds: mp };
  }
  return r;
}

/** Accumulates the engine deltas of one round: final values per touched prefix and (peer, prefix). */
class RoundAccumulator {
  readonly loc = new Map<PrefixKey, Route | null>();
  readonly out = new Map<number, Map<PrefixKey, PathAttributes | null>>();
  readonly removedPeers = new Set<number>();

  add(d: EngineDelta): void {
    for (let i = 0; i < d.locRib.length; i++) this.loc.set(d.locRib[i].prefix, d.locRib[i].best);
    for (const [peerId, o] of d.out) {
      let m = this.out.get(peerId);
      if (m === undefined) this.out.set(peerId, (m = new Map()));
      for (const p of o.withdraw) m.set(p, null);
      for (const [p, a] of o.announce) m.set(p, a);
    }
  }
}

/** Loc-RIB changes offered to the ReportedRib at a time. */
const BATCH = 256;

/**
 * Voted mode: engine deltas go straight into the replica's ReportedRib (round-start values recorded on
 * first touch) — no per-round Maps per prefix. Export changes remember each (peer, row)'s digest at round
 * start, so a change undone within the round is not reported.
 */
class VotedRound {
  /** peer → row → export digest at round start (first change only). */
  readonly expStart = new Map<number, Map<number, number>>();
  readonly removedPeers = new Set<number>();

  /** One closure per round, not per UPDATE: collects an engine's Loc-RIB change into the batch. */
  private readonly onLocChange: (prefix: PrefixKey, best: LocBest | null, candidates?: number) => void;
  /** Changes offered in batches of BATCH (ReportedRib.touchMany overlaps the index probes of a batch). */
  private readonly batchKeys: PrefixKey[] = [];
  private readonly batchBests: (LocBest | null)[] = [];
  private readonly batchCandidates = new Int32Array(BATCH);
  private readonly batchRows = new Int32Array(BATCH);
  private batched = 0;

  constructor(private readonly s: ReplicaState) {
    s.rib.beginRound();
    this.onLocChange = (prefix, best, candidates) => {
      const i = this.batched++;
      this.batchKeys[i] = prefix;
      this.batchBests[i] = best;
      this.batchCandidates[i] = candidates ?? -1;
      if (i + 1 === BATCH) this.offerBatch();
    };
  }

  private offerBatch(): void {
    const rib = this.s.rib;
    const n = this.batched;
    const rows = this.batchRows;
    rib.touchMany(this.batchKeys, n, rows);
    for (let i = 0; i < n; i++) rib.offer(rows[i], this.batchBests[i], this.batchCandidates[i]);
    this.batched = 0;
  }

  add(d: EngineDelta): void {
    const rib = this.s.rib;
    if (d.locRibChanges !== undefined && d.locRibChanges > 0) rib.reserve(d.locRibChanges);
    if (d.forEachLocChange !== undefined) {
      d.forEachLocChange(this.onLocChange);
      if (this.batched > 0) this.offerBatch();
    } else for (let i = 0; i < d.locRib.length; i++) rib.offer(rib.touch(d.locRib[i].prefix), d.locRib[i].best);
    for (const [peerId, o] of d.out) {
      for (const p of o.withdraw) this.setExport(peerId, p, null);
      for (const [p, a] of o.announce) this.setExport(peerId, p, a);
    }
  }

  setExport(peerId: number, p: PrefixKey, a: PathAttributes | null): void {
    const s = this.s;
    const row = s.rib.touch(p);
    const old = s.rib.setExport(peerId, row, a !== null && s.faults.active ? s.faults.exportAttrs(p, a) : a);
    let m = this.expStart.get(peerId);
    if (m === undefined) this.expStart.set(peerId, (m = new Map()));
    if (!m.has(row)) m.set(row, old);
  }
}

/**
 * The best this replica reports for a changed prefix: tiebreak rescan and (test-only) fault applied.
 * `candidates`: the count the engine gave with its change (-1: ask it).
 */
function reportedBest(s: ReplicaState, prefix: PrefixKey, engineBest: LocBest | null, counters: { selfCheck: number }, candidates = -1): LocBest | null {
  let best = engineBest;
  // With one candidate there is no scan order to vary (and the engine's best is that candidate). The count
  // is the one at the engine's last best change this round: a path added later without changing the best
  // is not rescanned (a prefix whose best did not change is not rescanned either).
  if (s.tiebreakRand !== null && best !== null && (candidates >= 0 ? candidates : s.engine.candidateCount(prefix)) > 1) {
    const cands = shuffleInPlace(s.engine.candidates(prefix), s.tiebreakRand);
    const again = selectBestPath(cands).best;
    if (again === null || again.peerId !== best.peerId || again.pathId !== best.pathId || again.attributes !== best.attributes) {
      counters.selfCheck++;
      best = again;
    }
  }
  if (s.faults.active && best !== null) {
    const b = routeOf(prefix, best);
    const r = s.faults.wrongBest(prefix, b, () => s.engine.candidates(prefix)) ?? b;
    const nh = s.faults.nextHop(prefix, r.nextHop);
    best = nh !== r.nextHop ? { ...routeOf(prefix, r), nextHop: nh } : r === b ? best : r;
  }
  return best;
}

function mergeDirect(acc: RoundAccumulator): EngineDelta {
  const delta: EngineDelta = { locRib: [], out: new Map() };
  for (const [prefix, best] of acc.loc) delta.locRib.push({ prefix, best: best === null ? null : routeOf(prefix, best) });
  for (const [peerId, m] of acc.out) {
    if (acc.removedPeers.has(peerId)) continue;
    const o: PeerOut = { announce: new Map(), withdraw: new Set() };
    for (const [p, a] of m) {
      if (a === null) o.withdraw.add(p);
      else o.announce.set(p, a);
    }
    delta.out.set(peerId, o);
  }
  return delta;
}

function movable<T extends object>(value: T, buffers: ArrayBufferLike[]): T {
  return Piscina.move({ [Piscina.transferableSymbol]: buffers, [Piscina.valueSymbol]: value } as unknown as ArrayBuffer) as unknown as T;
}

async function runRound(t: RoundTask): Promise<RoundResult | DirectResult> {
  const s = state;
  if (s === null) throw new Error('replica not initialised');
  const t0 = performance.now();
  const k = s.knobs;
  await s.faults.onRound(t.round, sleep);
  const rand = k.jitterMs ? seededRandom(((k.orderSeed ?? 0) ^ t.round) >>> 0) : null;
  const delay = (k.delayMs ?? 0) + (rand ? rand() * k.jitterMs! : 0);
  if (delay > 0) await sleep(delay);

  const acc = s.direct ? new RoundAccumulator() : new VotedRound(s);
  const inputErrors: InputError[] = [];
  if (t.kind === 'updates') {
    const input = new RoundInput(t.input);
    const order = applicationOrder(input.count, (i) => input.peerId(i), k, t.round);
    const padEvery = k.layout?.padEveryUpdates ?? 0;
    const yieldAt = rand ? Math.floor(rand() * input.count) : -1;
    for (let j = 0; j < order.length; j++) {
      if (j === yieldAt) await sleep(0);
      const i = order[j];
      const peerId = input.peerId(i);
      const codec = s.codecs.get(peerId);
      if (codec === undefined) {
        inputErrors.push({ index: i, peerId, kind: 'unknown-peer', code: 0, subcode: 0, message: `unknown peer ${peerId}` });
        continue;
      }
      // RFC 4271 §6: after a session-reset error nothing more from this session is processed.
      if (s.resetPeers.has(peerId)) continue;
      let u: UpdateMessage;
      const body = input.message(i).subarray(19);
      s.faults.onRaw(body); // outside the try: an injected parser crash is uncaught, like a real one
      try {
        u = decodeUpdate(body, codec);
      } catch (e) {
        const n = (e as { notification?: { code: number; subcode: number; data?: Uint8Array } }).notification;
        // A throw without a notification is a parser bug: still a session reset (RFC 4271 §6.3 subcode 1, Malformed Attribute List).
        inputErrors.push({ index: i, peerId, kind: 'session-reset', code: n?.code ?? 3, subcode: n?.subcode ?? 1, ...(n?.data && n.data.length > 0 ? { data: n.data.slice() } : {}), message: (e as Error).message });
        s.resetPeers.add(peerId);
        continue;
      }
      s.faults.onParsed(u);
      if (u.treatment === 'treat-as-withdraw' || u.treatment === 'attribute-discard') {
        inputErrors.push({ index: i, peerId, kind: u.treatment, code: 0, subcode: 0, message: u.issues.map((x) => x.reason).join('; ') });
      }
      // Import limits: the engine decides (treat-as-withdraw); reported for the main thread's counters,
      // voted like the parser's verdicts so that an UPDATE is counted once, not once per replica.
      const limits = s.importLimits.get(peerId);
      if (limits !== undefined && u.attributes) {
        const verdict = checkImportLimits(u.attributes, limits, codec);
        if (verdict !== 'within-limits') inputErrors.push({ index: i, peerId, kind: 'import-limit', code: 0, subcode: 0, message: verdict, prefixes: u.nlri.length + (u.mpReach?.nlri.length ?? 0) });
      }
      if (!s.coverage.all) u = filterUpdate(u, s.coverage);
      acc.add(s.engine.applyUpdate(peerId, u));
      s.faults.onApplied(j);
      if (padEvery > 0 && ++s.applied % padEvery === 0) s.padding.push(new Array<number>((k.layout?.padBytes ?? 4096) >> 3).fill(s.applied));
    }
  } else if (t.kind === 'add-peer') {
    s.codecs.set(t.peer.id, t.peer.codec);
    if (t.peer.importLimits) s.importLimits.set(t.peer.id, t.peer.importLimits);
    else s.importLimits.delete(t.peer.id);
    s.resetPeers.delete(t.peer.id);
    acc.add(s.engine.addPeer(t.peer));
  } else {
    acc.add(s.engine.removePeer(t.peerId));
    s.codecs.delete(t.peerId);
    s.importLimits.delete(t.peerId);
    s.resetPeers.delete(t.peerId);
    acc.removedPeers.add(t.peerId);
  }

  if (acc instanceof VotedRound) return finishRound(s, t, acc, inputErrors, t0);
  if (s.faults.active) for (const m of acc.out.values()) for (const [p, a] of m) if (a !== null) m.set(p, s.faults.exportAttrs(p, a));
  {
    if (s.faults.active || s.tiebreakRand !== null) {
      const counters = { selfCheck: 0 };
      for (const [p, b] of acc.loc) {
        const r = reportedBest(s, p, b, counters);
        acc.loc.set(p, r === null ? null : routeOf(p, r));
      }
    }
    const delta = mergeDirect(acc);
    for (const [peerId, m] of acc.out) if (!acc.removedPeers.has(peerId)) for (const [p, a] of m) s.rib.mirror(peerId, p, a);
    if (t.kind === 'remove-peer') s.rib.out.delete(t.peerId);
    return { kind: 'direct', replica: s.index, round: t.round, ms: performance.now() - t0, delta, inputErrors };
  }
}

function finishRound(s: ReplicaState, t: RoundTask, acc: VotedRound, inputErrors: InputError[], t0: number): RoundResult {
  // Two passes in functions of their own: each loop is optimized on its own (as one function, V8 re-entered
  // it through on-stack replacement at every loop whose type feedback was new, about ten times per load).
  const counters = { selfCheck: 0 };
  const recent = new Map<number, PathAttributes>();
  s.recent.push(recent);
  if (s.recent.length > ROUNDS_KEPT) s.recent.shift();
  const rib = s.rib;

  // A removed peer's exports go (not reported: the peer is gone; its removal changes the digests).
  for (const peerId of acc.removedPeers) {
    const m = rib.out.get(peerId);
    const keys: PrefixKey[] = [];
    m?.forEach((_a, p) => keys.push(p));
    for (const p of keys) acc.setExport(peerId, p, null);
    rib.out.delete(peerId);
  }
  const outcomes = new OutcomeMemo();
  const cols = resultColumns(rib, settleTouched(s, counters, outcomes), recent);
  const exps = exportChanges(rib, acc, recent);
  rib.endRound();
  const expPrefix = Uint32Array.from(exps.index);
  const expPeer = Uint32Array.from(exps.peer);
  const expAttrs = Float64Array.from(exps.digest);
  const { prefixes4, keys6, outcome, locChanged, bestPeer, bestPathId, bestAttrs, bestNextHop, bestLinkLocal, strings } = cols;
  const result: RoundResult = {
    kind: 'round', replica: s.index, round: t.round, ms: performance.now() - t0,
    prefixes4, prefixes6: keys6, outcome, locChanged, bestPeer, bestPathId, bestAttrs, bestNextHop, bestLinkLocal, strings,
    expPrefix, expPeer, expAttrs, ribDigest: s.ribDigest, selfCheckFailures: counters.selfCheck, inputErrors,
    heapUsedBytes: getHeapStatistics().used_heap_size,
  };
  return movable(result, [prefixes4.buffer, outcome.buffer, locChanged.buffer, bestPeer.buffer, bestPathId.buffer, bestAttrs.buffer, bestNextHop.buffer, bestLinkLocal.buffer, expPrefix.buffer, expPeer.buffer, expAttrs.buffer]);
}

/** digestOutcome memoized on the last pair: consecutive prefixes mostly have equal (Loc-RIB digest, export XOR) pairs. */
class OutcomeMemo {
  private loc = 0;
  private exp = 0;
  private out = 0;

  of(loc: number, exp: number): number {
    if (loc === 0 && exp === 0) return 0; // no route, no export (new or gone prefixes: not a memo miss)
    if (loc !== this.loc || exp !== this.exp) {
      this.loc = loc;
      this.exp = exp;
      this.out = digestOutcome(loc, exp);
    }
    return this.out;
  }
}

interface ChangedPrefixes {
  keys4: Float64Array;
  /** Touch positions (ReportedRib) of keys4's prefixes. */
  at4: Int32Array;
  n4: number;
  keys6: string[];
  at6: number[];
  /** By touch position, for the prefixes listed: the outcome digest after the round, and whether the Loc-RIB entry changed. */
  outcomeAt: Float64Array;
  locChangedAt: Uint8Array;
  /** By touch position, where a best was reported: its attribute set's digest (resultColumns needs it in key order). */
  attrsDigestAt: Float64Array;
}

/** settleTouched's block of rows' fields (one replica per thread: module scratch). */
const GATHER = 256;
const gatherKey = new Float64Array(GATHER);
const gatherLoc = new Float64Array(GATHER);
const gatherExp = new Float64Array(GATHER);

/**
 * One pass over the rows touched this round, in touch order: the reported best of each prefix the engine
 * changed (tie-break rescan, test faults) and its Loc-RIB digest; then the prefixes whose outcome changed
 * (IPv4 keys with their touch positions, IPv6 keys), folded into the whole-RIB digest.
 */
function settleTouched(s: ReplicaState, counters: { selfCheck: number }, outcomes: OutcomeMemo): ChangedPrefixes {
  const rib = s.rib;
  const touched = rib.touched;
  const count = rib.touchedCount;
  const keys4 = new Float64Array(count);
  const at4 = new Int32Array(count);
  const outcomeAt = new Float64Array(count);
  const locChangedAt = new Uint8Array(count);
  const attrsDigestAt = new Float64Array(count);
  let n4 = 0;
  const keys6: string[] = [];
  const at6: number[] = [];
  let ribDigest = s.ribDigest;
  // Prefixes of one UPDATE share peer, path id, next hops and attribute object: their route digest (which
  // does not include the prefix) is computed once per run of equal routes.
  let memo: LocBest | null = null;
  let memoD = 0;
  let memoAd = 0;
  // The rows' fields a block at a time (ReportedRib.gatherTouched), then the block's work on them.
  const keyAt = gatherKey;
  const locAt = gatherLoc;
  const expAt = gatherExp;
  for (let j = 0; j < count; j++) {
    const g = j % GATHER;
    if (g === 0) rib.gatherTouched(j, Math.min(GATHER, count - j), keyAt, locAt, expAt);
    const k = keyAt[g];
    const p: PrefixKey = k === k ? k : rib.keyOf(touched[j]);
    let loc = locAt[g];
    if (rib.hasOfferAt(j)) {
      const offered = rib.offeredAt(j);
      const best = reportedBest(s, p, offered, counters, rib.offeredCandidatesAt(j));
      let d = 0;
      if (best !== null) {
        if (memo !== null && best.attributes === memo.attributes && best.peerId === memo.peerId && best.pathId === memo.pathId && best.nextHop === memo.nextHop && best.nextHopLinkLocal === memo.nextHopLinkLocal) d = memoD;
        else {
          if (memo === null || best.attributes !== memo.attributes) memoAd = digestAttributes(best.attributes);
          d = digestRoute(best.peerId, best.pathId, best.nextHop, best.nextHopLinkLocal, memoAd);
          memo = best;
          memoD = d;
        }
        attrsDigestAt[j] = memoAd;
      }
      if (d !== loc) {
        rib.setLocAt(j, best, d, best === offered);
        loc = d;
        if (s.ribTree !== null) {
          if (d === 0) s.ribTree.delete(p);
          else s.ribTree.set(p, best!, d);
        }
      }
    }
    const loc0 = rib.startLocAt(j);
    const before = outcomes.of(loc0, rib.startExpAt(j));
    const after = outcomes.of(loc, expAt[g]);
    if (before === after) continue;
    outcomeAt[j] = after;
    locChangedAt[j] = loc !== loc0 ? 1 : 0;
    ribDigest = xor53(xor53(ribDigest, ribTerm(p, before)), ribTerm(p, after));
    if (typeof p === 'number') {
      keys4[n4] = p;
      at4[n4++] = j;
    } else {
      keys6.push(p);
      at6.push(j);
    }
  }
  s.ribDigest = ribDigest;
  return { keys4, at4, n4, keys6, at6, outcomeAt, locChangedAt, attrsDigestAt };
}

interface ResultColumns {
  prefixes4: Float64Array;
  keys6: string[];
  outcome: Float64Array;
  locChanged: Uint8Array;
  bestPeer: Int32Array;
  bestPathId: Float64Array;
  bestAttrs: Float64Array;
  bestNextHop: Int32Array;
  bestLinkLocal: Int32Array;
  strings: string[];
}

/**
 * The result's columns in index order: IPv4 first, then IPv6, each sorted by key. Sorted, every agreeing
 * replica lists the same prefixes in the same order whatever its order seed, and the voter maps their
 * results onto each other without hashing a prefix (voter.ts RoundVote.index). Per prefix: the outcome
 * digest and, when its Loc-RIB entry changed, the route (attribute sets by digest, next hops as string
 * indexes). Records each row's result index. Reads only round-local tables, by touch position.
 */
function resultColumns(rib: ReportedRib, c: ChangedPrefixes, recent: Map<number, PathAttributes>): ResultColumns {
  const { keys4, at4, n4, outcomeAt, locChangedAt } = c;
  sortKeysWithRows(keys4, at4, n4); // the touch positions come along: no lookup per prefix afterwards
  const prefixes4 = keys4.slice(0, n4);
  const order6 = c.keys6.map((_k, x) => x).sort((x, y) => (c.keys6[x] < c.keys6[y] ? -1 : c.keys6[x] > c.keys6[y] ? 1 : 0));
  const keys6 = order6.map((x) => c.keys6[x]);
  const n = n4 + keys6.length;
  const outcome = new Float64Array(n);
  const locChanged = new Uint8Array(n);
  const bestPeer = new Int32Array(n).fill(-1);
  const bestPathId = new Float64Array(n);
  const bestAttrs = new Float64Array(n);
  const bestNextHop = new Int32Array(n).fill(-1);
  const bestLinkLocal = new Int32Array(n).fill(-1);
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const str = (x: string): number => {
    let i = stringIndex.get(x);
    if (i === undefined) {
      stringIndex.set(x, (i = strings.length));
      strings.push(x);
    }
    return i;
  };
  let lastAttrs: PathAttributes | null = null;
  let lastAd = 0;
  let lastNh = '';
  let lastNhI = -1;
  for (let i = 0; i < n; i++) {
    const at = i < n4 ? at4[i] : c.at6[order6[i - n4]];
    rib.setResultIndexAt(at, i);
    outcome[i] = outcomeAt[at];
    if (locChangedAt[at] === 0) continue;
    locChanged[i] = 1;
    const best = rib.offeredAt(at);
    if (best === null) continue;
    const attrs = best.attributes;
    if (attrs !== lastAttrs) {
      lastAttrs = attrs;
      lastAd = c.attrsDigestAt[at]; // settleTouched's digest of this best's attributes (no WeakMap lookup per prefix)
      recent.set(lastAd, attrs);
    }
    const nh = best.nextHop;
    if (nh !== lastNh || lastNhI < 0) {
      lastNh = nh;
      lastNhI = str(nh);
    }
    bestPeer[i] = best.peerId;
    bestPathId[i] = best.pathId;
    bestAttrs[i] = lastAd;
    bestNextHop[i] = lastNhI;
    const ll = best.nextHopLinkLocal;
    if (ll !== undefined) bestLinkLocal[i] = str(ll);
  }
  return { prefixes4, keys6, outcome, locChanged, bestPeer, bestPathId, bestAttrs, bestNextHop, bestLinkLocal, strings };
}

/** Export changes relative to round start, of prefixes whose outcome changed (result index, peer, attribute digest). */
function exportChanges(rib: ReportedRib, acc: VotedRound, recent: Map<number, PathAttributes>): { index: number[]; peer: number[]; digest: number[] } {
  const index: number[] = [];
  const peer: number[] = [];
  const digest: number[] = [];
  for (const [peerId, m] of acc.expStart) {
    if (acc.removedPeers.has(peerId)) continue;
    for (const [row, startD] of m) {
      const i = rib.resultIndex(row);
      if (i < 0) continue;
      const a = rib.exported(peerId, rib.keyOf(row));
      const d = a === undefined ? 0 : digestAttributes(a);
      if (d === startD) continue;
      index.push(i);
      peer.push(peerId);
      digest.push(d);
      if (a !== undefined) recent.set(d, a);
    }
  }
  return { index, peer, digest };
}

/** The Loc-RIB tree, built from the reported bests on the first request when it is not kept. */
function ribTree(s: ReplicaState): RibTree {
  if (s.ribTree === null) {
    const tree = new RibTree();
    s.rib.forEachBest((p, best, d) => tree.set(p, best, d));
    s.ribTree = tree;
  }
  return s.ribTree;
}

function fetchAttrs(digests: Float64Array): FetchAttrsResult {
  const s = state!;
  const out: FetchAttrsResult = new Array(digests.length);
  for (let i = 0; i < digests.length; i++) {
    let a: PathAttributes | null = null;
    for (let r = s.recent.length - 1; r >= 0 && a === null; r--) a = s.recent[r].get(digests[i]) ?? null;
    out[i] = a;
  }
  return out;
}

function restate(prefixes: PrefixKey[]): RestateResult {
  const s = state!;
  const best = prefixes.map((p) => s.rib.best(p)); // already plain Routes (ReportedRib.bestOf)
  const exports = [...s.rib.out.entries()].sort((a, b) => a[0] - b[0]).map(([peerId, m]) => ({ peerId, attrs: prefixes.map((p) => m.get(p) ?? null) }));
  return { best, exports };
}

/** Re-sync source: every peer's pre-policy Adj-RIB-In re-encoded as UPDATE messages (resync.ts). */
function dumpAdjRibIn(maxMessageLength: number): DumpAdjRibInResult {
  const s = state!;
  const peers = [...s.codecs.entries()].sort((a, b) => a[0] - b[0]).map(([peerId, codec]) => ({ peerId, messages: encodeAdjRibIn(s.engine.adjRibIn(peerId), codec, maxMessageLength) }));
  return { peers, ribDigest: s.ribDigest };
}

/** Operator route queries (API) against what this replica reports (its `bests`, which the voter checks). */
function routes(q: RouteQuery): RouteQueryResult {
  const s = state!;
  const src: RouteSource = {
    best: (p) => s.rib.best(p),
    candidates: (p) => s.engine.candidates(p),
    bests: () => s.rib.allBests(),
    bestCount: () => s.rib.bestCount,
    adjRibOut: (peerId) => ({ announce: s.rib.exportsTo(peerId), withdraw: new Set() }),
  };
  return { ...queryRoutes(src, q), replica: s.index };
}

export default async function handle(task: ReplicaTask): Promise<null | RoundResult | DirectResult | FetchAttrsResult | RestateResult | AdjRibOutResult | CountsResult | DumpAdjRibInResult | RouteQueryResult | boolean | RibTreeResult> {
  return match(task)
    .with({ kind: 'init' }, (t) => init(t))
    .with({ kind: 'updates' }, { kind: 'add-peer' }, { kind: 'remove-peer' }, (t) => runRound(t))
    .with({ kind: 'fetch-attrs' }, (t) => fetchAttrs(t.digests))
    .with({ kind: 'restate' }, (t) => restate([...t.prefixes4, ...t.prefixes6]))
    .with({ kind: 'rib-tree' }, (t) => ribTree(state!).handle(t))
    .with({ kind: 'test-corrupt-loc' }, (t) => corruptLocEntry(state!, t))
    .with({ kind: 'adj-rib-out' }, (t) => {
      return { announce: state!.rib.exportsTo(t.peerId), withdraw: new Set<PrefixKey>() };
    })
    .with({ kind: 'dump-adj-rib-in' }, (t) => dumpAdjRibIn(t.maxMessageLength))
    .with({ kind: 'counts' }, (): CountsResult => {
      const c = state!.engine.counts();
      return { paths: c.paths, best: c.best, perPeer: [...c.perPeer].map(([id, p]) => [id, p.received, p.accepted, p.advertised] as const) };
    })
    .with({ kind: 'routes' }, (t) => routes(t.query))

    .exhaustive();
}
