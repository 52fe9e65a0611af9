/**
 * ReplicaSet — the orchestrator the speaker uses instead of one RoutingEngine: N diverse decision replicas,
 * each a single-thread Piscina pool (workers/decision.ts), fed the same rounds through the mux and voted
 * by the voter. Results are `VotedDelta`s: EngineDelta-shaped, so the export path (packUpdates) is unchanged.
 *
 * Rounds: `applyRound` / `addPeer` / `removePeer` are rounds. A round is posted once the previous one has
 * resolved (at most one unresolved round: a replica's recent attribute sets are then always the voted
 * round's), and voted strictly in order; a lagging standby may still be working on an earlier round.
 * Emission: for each decided prefix whose voted outcome changed, the delta is taken from a winning replica's
 * result (best route record + export changes); the attribute sets it names by digest come from a main-thread
 * LRU cache or are fetched once from that replica (`fetch-attrs`, structured clone of the unique sets).
 * Corrections (audit after every replica answered: majority ≠ voted; master fail-over) restate the full
 * state of the prefix (best + every peer's export: announce or withdraw) from a majority replica; they are
 * merged into the round's delta when the round has not resolved yet, else passed to `onCorrection`, or
 * (without it) prepended to the next returned delta / returned by `settle()`.
 *
 * N = 1 is the plain-router fast path: the replica returns its merged EngineDelta (no digests, no voting).
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { LRUCache } from 'lru-cache';
import type { EngineDelta, PeerOut, Route } from '../rib/types.js';
import type { PrefixKey } from '../wire/prefix.js';
import type { PathAttributes } from '../wire/types.js';
import { ReplicaConfigError, ReplicaFault, ReplicaSetError, type ReplicaFaultKind } from './errors.js';
import { PrefixCoverage, leastCovered, validateKnobs, type ReplicaKnobs } from './knobs.js';
import { writeRound, type RoundUpdate } from './mux.js';
import type {
  AdjRibOutResult, CountsResult, DirectResult, EngineConfig, FetchAttrsResult, InputError, PeerConfig, ReplicaTask, RestateResult, RoundResult, RoundTask,
} from './protocol.js';
import { ResultView, RoundVote, Voter, type Disagreement, type PrefixDecision, type VotingMode } from './voter.js';

export type { VotingMode, Disagreement, ReplicaKnobs, EngineConfig, PeerConfig, RoundUpdate, InputError };

export interface ReplicaSetOptions {
  readonly engine: EngineConfig;
  readonly replicas: readonly ReplicaKnobs[];
  readonly mode: VotingMode;
  /** k-of-n only: how many agreeing replicas decide. */
  readonly k?: number;
  /** A replica that has not answered a round within this time is faulty ('hang') and is stopped. */
  readonly roundDeadlineMs: number;
  /** Most UPDATEs in one applyRound call (larger rounds are refused: split them). */
  readonly maxRoundUpdates: number;
  /** Corrections issued after a round resolved (audit, master fail-over). */
  readonly onCorrection?: (delta: VotedDelta) => void;
}

/** EngineDelta plus what the voter knows about the round. */
export interface VotedDelta extends EngineDelta {
  /** Round number (0-based, counting addPeer/removePeer/applyRound calls). */
  readonly round: number;
  /** Prefixes without quorum this round: their previous voted state was kept. */
  readonly noQuorum: PrefixKey[];
  /** Inputs the replicas' parsers rejected as session resets (from the replica the delta came from). */
  readonly inputErrors: InputError[];
}

export interface ReplicaStatus {
  readonly index: number;
  readonly knobs: ReplicaKnobs;
  readonly alive: boolean;
  readonly master: boolean;
  readonly rounds: number;
  readonly lastRoundMs: number;
  readonly disagreements: number;
  /** Prefixes where it currently differs from the voted state. */
  readonly divergentPrefixes: number;
  readonly selfCheckFailures: number;
  /** Whole-RIB digest differed from the voted one although it had no known divergence (full-coverage replicas). */
  readonly auditMismatches: number;
  readonly fault: ReplicaFaultKind | null;
}

interface Replica {
  readonly index: number;
  readonly knobs: ReplicaKnobs;
  readonly pool: Piscina<ReplicaTask, unknown>;
  alive: boolean;
  rounds: number;
  lastRoundMs: number;
  selfCheckFailures: number;
  auditMismatches: number;
  fault: ReplicaFault | null;
}

const WORKER = fileURLToPath(new URL('../../workers/decision.js', import.meta.url));

/** Minimum number of replicas covering every prefix that a mode needs. */
export function requiredCoverage(mode: VotingMode, n: number, k: number): number {
  switch (mode) {
    case 'k-of-n':
      return k;
    case 'continuous-majority':
      return Math.floor(n / 2) + 1;
    default:
      // master and consensus: one replica decides/agrees, a second one is needed to check it.
      return Math.min(2, n);
  }
}

export class ReplicaSet {
  private readonly replicas: Replica[];
  private readonly voter: Voter;
  private readonly direct: boolean;
  private readonly attrCache = new LRUCache<number, PathAttributes>({ max: 262_144 });
  private round = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private started = false;
  private closed = false;
  private pending: VotedDelta[] = [];
  /** Every round settled (all replicas answered or were declared faulty). */
  private settledChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ReplicaSetOptions) {
    const n = opts.replicas.length;
    if (n < 1) throw new ReplicaConfigError('replicas: at least one replica', 'replicas');
    opts.replicas.forEach((k, i) => validateKnobs(k, `replicas[${i}]`));
    const k = opts.k ?? 0;
    if (opts.mode === 'k-of-n' && !(Number.isInteger(k) && k >= 1 && k <= n)) throw new ReplicaConfigError(`k: k-of-n needs 1 ≤ k ≤ ${n}, got ${opts.k}`, 'k');
    if (!(opts.roundDeadlineMs > 0)) throw new ReplicaConfigError('roundDeadlineMs: must be > 0', 'roundDeadlineMs');
    if (!(opts.maxRoundUpdates >= 1)) throw new ReplicaConfigError('maxRoundUpdates: must be ≥ 1', 'maxRoundUpdates');
    const coverage = opts.replicas.map((r) => new PrefixCoverage(r.prefixes));
    const need = requiredCoverage(opts.mode, n, k);
    const worst = leastCovered(coverage);
    if (worst.replicas < need) {
      throw new ReplicaConfigError(`prefixes: ${worst.prefix} is covered by ${worst.replicas} replica(s); mode ${opts.mode} needs ${need} (a prefix is covered by a replica when it lies inside one of its blocks)`, 'replicas[].prefixes');
    }
    this.direct = n === 1;
    this.voter = new Voter(opts.mode, k, coverage);
    this.replicas = opts.replicas.map((knobs, index) => ({
      index,
      knobs,
      pool: new Piscina<ReplicaTask, unknown>({
        filename: WORKER,
        minThreads: 1,
        maxThreads: 1,
        idleTimeout: 2 ** 31 - 1,
        concurrentTasksPerWorker: 1,
        atomics: 'async',
        ...(knobs.layout?.resourceLimits ? { resourceLimits: { ...knobs.layout.resourceLimits } } : {}),
      }),
      alive: true,
      rounds: 0,
      lastRoundMs: 0,
      selfCheckFailures: 0,
      auditMismatches: 0,
      fault: null,
    }));
  }

  async start(): Promise<void> {
    if (this.closed) throw new ReplicaSetError('replica set is closed', 'BTRD_ERR_REPLICA_SET_CLOSED');
    await Promise.all(this.replicas.map((r) => r.pool.run({ kind: 'init', replica: r.index, engine: this.opts.engine, knobs: r.knobs, direct: this.direct })));
    this.started = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.replicas.map((r) => r.pool.destroy()));
  }

  addPeer(peer: PeerConfig): Promise<VotedDelta> {
    return this.submit(() => ({ kind: 'add-peer', round: this.round++, peer }));
  }

  removePeer(peerId: number): Promise<VotedDelta> {
    return this.submit(() => ({ kind: 'remove-peer', round: this.round++, peerId }));
  }

  applyRound(updates: readonly RoundUpdate[]): Promise<VotedDelta> {
    if (updates.length > this.opts.maxRoundUpdates) return Promise.reject(new RangeError(`round of ${updates.length} UPDATEs exceeds maxRoundUpdates ${this.opts.maxRoundUpdates}`));
    const input = writeRound(updates); // copy once, before queueing (the caller may reuse its buffers)
    return this.submit(() => ({ kind: 'updates', round: this.round++, input }));
  }

  /** Adj-RIB-Out of a peer (route refresh) from a live replica agreeing with the voted state (fewest divergences). */
  async adjRibOut(peerId: number): Promise<PeerOut> {
    await this.chain.catch(() => undefined);
    const r = this.bestReplica(() => true);
    return (await r.pool.run({ kind: 'adj-rib-out', peerId })) as AdjRibOutResult;
  }

  /** RIB counters from a live replica agreeing with the voted state (API, max-prefix). */
  async counts(): Promise<CountsResult> {
    await this.chain.catch(() => undefined);
    const r = this.bestReplica(() => true);
    return (await r.pool.run({ kind: 'counts' })) as CountsResult;
  }

  status(): ReplicaStatus[] {
    return this.replicas.map((r) => ({
      index: r.index,
      knobs: r.knobs,
      alive: r.alive,
      master: this.opts.mode === 'master' && this.voter.master === r.index,
      rounds: r.rounds,
      lastRoundMs: r.lastRoundMs,
      disagreements: this.voter.disagreementsPerReplica[r.index],
      divergentPrefixes: this.voter.divergent[r.index].size,
      selfCheckFailures: r.selfCheckFailures,
      auditMismatches: r.auditMismatches,
      fault: r.fault?.kind ?? null,
    }));
  }

  /** Recorded disagreements (bounded), for the controller and the API. */
  disagreements(): readonly Disagreement[] {
    return this.voter.disagreements;
  }

  /** Voted whole-RIB digest (XOR of per-prefix outcome terms). */
  get ribDigest(): number {
    return this.voter.ribDigest;
  }

  /** Wait until every posted round is settled (all replicas answered or faulty); returns pending corrections. */
  async settle(): Promise<VotedDelta | null> {
    await this.chain.catch(() => undefined);
    await this.settledChain.catch(() => undefined);
    const p = this.pending;
    this.pending = [];
    return p.length === 0 ? null : p.reduce((a, b) => mergeDeltas(a, b));
  }

  // ── rounds ──────────────────────────────────────────────────────────────────────────────────────────

  private submit(task: () => RoundTask): Promise<VotedDelta> {
    if (this.closed) return Promise.reject(new ReplicaSetError('replica set is closed', 'BTRD_ERR_REPLICA_SET_CLOSED'));
    if (!this.started) return Promise.reject(new ReplicaSetError('call start() first', 'BTRD_ERR_REPLICA_SET_NOT_STARTED'));
    const run = this.chain.catch(() => undefined).then(() => (this.direct ? this.runDirect(task()) : this.runVoted(task())));
    this.chain = run;
    return run.then((d) => this.withPending(d));
  }

  private withPending(d: VotedDelta): VotedDelta {
    if (this.pending.length === 0) return d;
    const all = [...this.pending, d].reduce((a, b) => mergeDeltas(a, b));
    this.pending = [];
    return all;
  }

  private async runDirect(task: RoundTask): Promise<VotedDelta> {
    const r = this.replicas[0];
    if (!r.alive) throw new ReplicaSetError('the only replica is faulty', 'BTRD_ERR_NO_LIVE_REPLICA');
    let res: DirectResult;
    try {
      res = (await r.pool.run(task)) as DirectResult;
    } catch (e) {
      this.fail(r, 'crash', task.round, e);
      throw r.fault;
    }
    r.rounds++;
    r.lastRoundMs = res.ms;
    return { ...res.delta, round: task.round, noQuorum: [], inputErrors: res.inputErrors };
  }

  private fail(r: Replica, kind: ReplicaFaultKind, round: number, cause?: unknown): void {
    if (!r.alive) return;
    r.alive = false;
    r.fault = new ReplicaFault(`replica ${r.index}: ${kind} in round ${round}${cause instanceof Error ? `: ${cause.message}` : ''}`, kind, r.index, round, { cause });
    void r.pool.destroy().catch(() => undefined);
  }

  private runVoted(task: RoundTask): Promise<VotedDelta> {
    const live = this.replicas.filter((r) => r.alive);
    if (live.length === 0) return Promise.reject(new ReplicaSetError('no live replica', 'BTRD_ERR_NO_LIVE_REPLICA'));
    const expected = new Set(live.map((r) => r.index));
    // Results are buffered here and handed to the voter only once the previous round has closed: rounds are
    // voted strictly in order (a round's start state is the previous round's voted state).
    const arrivals = new Map<number, RoundResult>();
    const faults = new Set<number>();
    const previousClosed = this.settledChain;
    let settledResolve!: () => void;
    this.settledChain = new Promise<void>((r) => (settledResolve = r));
    return new Promise<VotedDelta>((resolve, reject) => {
      let rv: RoundVote | null = null;
      let resolved = false;
      let closedDone = false;
      let busy: Promise<unknown> = previousClosed.catch(() => undefined);
      const emitted: PrefixDecision[] = [];
      // Serialize voter steps (result handling awaits attribute fetches).
      const step = (): void => {
        busy = busy.then(async () => {
          if (closedDone) return;
          if (rv === null) rv = new RoundVote(task.round, expected, this.voter);
          for (const [r, res] of arrivals) if (!rv.arrived.has(r) && !faults.has(r)) rv.arrived.set(r, new ResultView(res));
          for (const r of faults) rv.faulty.add(r);
          const fresh = this.voter.decide(rv);
          emitted.push(...fresh);
          if (!resolved && this.voter.resolvable(rv)) {
            resolved = true;
            if (rv.settled) {
              closedDone = true;
              clearTimeout(timer);
              const report = this.closeRound(rv);
              settledResolve();
              resolve(await this.buildDelta(rv, [...emitted, ...report.decided], report.corrections, report.noQuorum));
              return;
            }
            resolve(await this.buildDelta(rv, emitted, [], []));
          } else if (resolved && rv.settled) {
            closedDone = true;
            clearTimeout(timer);
            const report = this.closeRound(rv);
            const late = [...fresh, ...report.decided].filter((d) => d.previous !== d.value);
            if (report.corrections.length > 0 || late.length > 0) {
              const d = await this.buildDelta(rv, late, report.corrections, report.noQuorum);
              if (this.opts.onCorrection) this.opts.onCorrection(d);
              else this.pending.push(d);
            }
            settledResolve();
          }
        }).catch((e: unknown) => {
          if (!resolved) {
            resolved = true;
            reject(e);
          }
          closedDone = true;
          settledResolve();
        });
      };
      const timer = setTimeout(() => {
        for (const r of expected) if (!arrivals.has(r) && !faults.has(r)) {
          faults.add(r);
          this.fail(this.replicas[r], 'hang', task.round);
        }
        step();
      }, this.opts.roundDeadlineMs);
      for (const r of live) {
        r.pool.run(task).then(
          (res) => {
            const result = res as RoundResult;
            if (faults.has(r.index)) return;
            r.rounds++;
            r.lastRoundMs = result.ms;
            r.selfCheckFailures += result.selfCheckFailures;
            arrivals.set(r.index, result);
            step();
          },
          (e: unknown) => {
            if (faults.has(r.index)) return;
            faults.add(r.index);
            this.fail(r, 'crash', task.round, e);
            step();
          },
        );
      }
    });
  }

  private closeRound(rv: RoundVote): ReturnType<Voter['close']> {
    const report = this.voter.close(rv);
    // Audit: a full-coverage replica with no known divergence must have the voted whole-RIB digest.
    for (const [r, v] of rv.arrived) {
      const rep = this.replicas[r];
      if (rv.faulty.has(r) || rep.knobs.prefixes !== undefined) continue;
      if (this.voter.divergent[r].size === 0 && v.result.ribDigest !== this.voter.ribDigest) rep.auditMismatches++;
    }
    return report;
  }

  private bestReplica(ok: (r: Replica) => boolean): Replica {
    const live = this.replicas.filter((r) => r.alive && ok(r));
    if (live.length === 0) throw new ReplicaSetError('no live replica', 'BTRD_ERR_NO_LIVE_REPLICA');
    const master = this.opts.mode === 'master' ? live.find((r) => r.index === this.voter.master) : undefined;
    if (master !== undefined && this.voter.divergent[master.index].size === 0) return master;
    return live.reduce((a, b) => (this.voter.divergent[b.index].size < this.voter.divergent[a.index].size ? b : a));
  }

  // ── emission ────────────────────────────────────────────────────────────────────────────────────────

  private async buildDelta(rv: RoundVote, decisions: readonly PrefixDecision[], corrections: readonly PrefixDecision[], noQuorum: PrefixKey[]): Promise<VotedDelta> {
    const delta: VotedDelta = { locRib: [], out: new Map(), round: rv.round, noQuorum, inputErrors: [] };
    const restate = new Map<number, PrefixKey[]>();
    const relative: PrefixDecision[] = [];
    for (const d of decisions) {
      if (d.value === d.previous) continue;
      if (d.view === null) push(restate, d.from, d.prefix);
      else relative.push(d);
    }
    for (const d of corrections) push(restate, d.from, d.prefix);
    // Attribute sets named by digest, fetched once per set from a winning replica.
    const need = new Map<number, Set<number>>();
    for (const d of relative) {
      const r = d.view!.result;
      if (r.locChanged[d.index] && r.bestPeer[d.index] >= 0) this.want(need, d.from, r.bestAttrs[d.index]);
      for (const j of d.view!.exportsOf(d.index)) if (r.expAttrs[j] !== 0) this.want(need, d.from, r.expAttrs[j]);
    }
    await Promise.all([...need].map(async ([replica, set]) => {
      const digests = Float64Array.from(set);
      const got = (await this.replicas[replica].pool.run({ kind: 'fetch-attrs', digests: new Float64Array(digests) })) as FetchAttrsResult;
      for (let i = 0; i < digests.length; i++) if (got[i] !== null) this.attrCache.set(digests[i], got[i]!);
    }));
    for (const d of relative) {
      const v = d.view!;
      const r = v.result;
      const i = d.index;
      const attrsOk = (x: number): boolean => x === 0 || this.attrCache.has(x);
      const exps = v.exportsOf(i);
      if ((r.locChanged[i] && r.bestPeer[i] >= 0 && !attrsOk(r.bestAttrs[i])) || [...exps].some((j) => !attrsOk(r.expAttrs[j]))) {
        push(restate, d.from, d.prefix); // evicted in the replica: take its full state instead
        continue;
      }
      if (r.locChanged[i]) {
        let best: Route | null = null;
        if (r.bestPeer[i] >= 0) {
          best = { peerId: r.bestPeer[i], prefix: d.prefix, pathId: r.bestPathId[i], attributes: this.attrCache.get(r.bestAttrs[i])!, nextHop: r.strings[r.bestNextHop[i]] };
          if (r.bestLinkLocal[i] >= 0) best.nextHopLinkLocal = r.strings[r.bestLinkLocal[i]];
        }
        delta.locRib.push({ prefix: d.prefix, best });
      }
      for (const j of exps) setOut(delta, r.expPeer[j], d.prefix, r.expAttrs[j] === 0 ? null : this.attrCache.get(r.expAttrs[j])!);
    }
    await Promise.all([...restate].map(async ([replica, prefixes]) => {
      const p4 = prefixes.filter((p): p is number => typeof p === 'number');
      const p6 = prefixes.filter((p): p is string => typeof p === 'string');
      const got = (await this.replicas[replica].pool.run({ kind: 'restate', prefixes4: Float64Array.from(p4), prefixes6: p6 })) as RestateResult;
      const order = [...p4, ...p6];
      order.forEach((p, i) => {
        const at = delta.locRib.findIndex((x) => x.prefix === p);
        if (at >= 0) delta.locRib.splice(at, 1);
        delta.locRib.push({ prefix: p, best: got.best[i] });
        for (const e of got.exports) setOut(delta, e.peerId, p, e.attrs[i]);
      });
    }));
    const first = [...rv.arrived].find(([r]) => !rv.faulty.has(r));
    if (first !== undefined) delta.inputErrors.push(...first[1].result.inputErrors);
    return delta;
  }

  private want(need: Map<number, Set<number>>, replica: number, digest: number): void {
    if (this.attrCache.has(digest)) return;
    let s = need.get(replica);
    if (s === undefined) need.set(replica, (s = new Set()));
    s.add(digest);
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a === undefined) m.set(k, [v]);
  else a.push(v);
}

function setOut(delta: EngineDelta, peerId: number, prefix: PrefixKey, attrs: PathAttributes | null): void {
  let o = delta.out.get(peerId);
  if (o === undefined) delta.out.set(peerId, (o = { announce: new Map(), withdraw: new Set() }));
  if (attrs === null) {
    o.announce.delete(prefix);
    o.withdraw.add(prefix);
  } else {
    o.withdraw.delete(prefix);
    o.announce.set(prefix, attrs);
  }
}

/** b applied after a (later entries win). */
export function mergeDeltas(a: VotedDelta, b: VotedDelta): VotedDelta {
  const loc = new Map<PrefixKey, Route | null>();
  for (const x of a.locRib) loc.set(x.prefix, x.best);
  for (const x of b.locRib) loc.set(x.prefix, x.best);
  const out: VotedDelta = { locRib: [...loc].map(([prefix, best]) => ({ prefix, best })), out: new Map(), round: b.round, noQuorum: [...a.noQuorum, ...b.noQuorum], inputErrors: [...a.inputErrors, ...b.inputErrors] };
  for (const d of [a, b]) {
    for (const [peerId, o] of d.out) {
      for (const p of o.withdraw) setOut(out, peerId, p, null);
      for (const [p, attrs] of o.announce) setOut(out, peerId, p, attrs);
    }
  }
  return out;
}
