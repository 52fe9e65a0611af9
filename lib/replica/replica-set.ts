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
import { RoundInput, writeRound, type RoundUpdate } from './mux.js';
import type {
  AdjRibOutResult, CountsResult, DirectResult, DumpAdjRibInResult, EngineConfig, FetchAttrsResult, InputError, PeerConfig, ReplicaTask, RestateResult, RoundResult, RoundTask,
} from './protocol.js';
import { ReplicaController, SILENT, bisectPoison, type ControllerLogger, type ControllerOptions, type ControllerStatus, type ProbeOutcome, type QuarantineEntry, type ReplicaRole, type ReplicaState, type VerdictCause } from './controller.js';
import { IMPL_NAMES } from './impl-names.js';
import { withdrawalFor } from './resync.js';
import { decodeUpdate } from '../wire/update.js';
import { formatPrefix } from '../wire/prefix.js';
import type { RouteQuery, RouteQueryResult } from '../api/routes.js';
import { observeRound } from '../metrics/index.js';
import type { CorruptLocTask, RibTreeResult, RibTreeTask } from './rib-tree.js';
import type { RangeInfo } from '../fib/remote-tree.js';
import { sameFibEntry, type FibEntry } from '../fib/types.js';
import { ResultView, RoundVote, Voter, type Disagreement, type PrefixDecision, type VotingMode } from './voter.js';
import { LazyVotedDelta, VotedLocChanges } from './voted-delta.js';

export type { VotingMode, Disagreement, ReplicaKnobs, EngineConfig, PeerConfig, RoundUpdate, InputError, ControllerStatus, ControllerOptions, ControllerLogger, QuarantineEntry, ReplicaRole, ReplicaState, VerdictCause };

export interface ReplicaSetOptions {
  readonly engine: EngineConfig;
  /** The voting replicas (their number is the number of voting seats the quorum is counted over). */
  readonly replicas: readonly ReplicaKnobs[];
  /**
   * Warm spares (default none): full replicas that follow every round without voting, each checked against
   * the majority's whole-RIB digest; one takes a failed voting replica's seat at once (before the next
   * round), and the failed one, restarted and re-synced, becomes a spare. They cover every prefix, and their
   * knobs should differ from every voting replica's (another order seed at least) so that an input that
   * broke a voting replica is less likely to break its replacement. Needs ≥ 2 replicas.
   */
  readonly spares?: readonly ReplicaKnobs[];
  readonly mode: VotingMode;
  /** k-of-n only: how many agreeing replicas decide. */
  readonly k?: number;
  /**
   * A replica that has not answered a round within this time (and within HANG_FACTOR × the first answer's
   * time) is faulty ('hang') and is stopped. When none has answered, up to OVERLOAD_GRACE more deadlines
   * pass first (overload).
   */
  readonly roundDeadlineMs: number;
  /** Called when a round passes a deadline without any answer (overload), with the time waited so far. */
  readonly onSlowRound?: (round: number, waitedMs: number) => void;
  /** Most UPDATEs in one applyRound call (larger rounds are refused: split them). */
  readonly maxRoundUpdates: number;
  /** Corrections issued after a round resolved (audit, master fail-over) and controller rounds (quarantine, re-vote after a re-sync). */
  readonly onCorrection?: (delta: VotedDelta) => void;
  /** The controller (detection, restart, re-sync, quarantine); controller.ts. */
  readonly controller?: ControllerOptions;
  readonly logger?: ControllerLogger;
  /** master mode: a new master was chosen (the FIB writer rewrites what differs from it; lib/fib/writer.ts). */
  readonly onFailover?: (replica: number) => void;
  /** Replicas keep their Loc-RIB hash tree from the start (a FIB audits it; default true), else build it on first use. */
  readonly ribTree?: boolean;
  /** The FIB writer's hash-tree audit found this replica's Loc-RIB differing from the voted state (controller hook). */
  readonly onAuditDivergence?: (replica: number, prefixes: readonly PrefixKey[]) => void;
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
  /** Voting seat or warm spare (ReplicaRole). */
  readonly role: ReplicaRole;
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
  /** The last fault (kept after a restart until the replica is judged again). */
  readonly fault: ReplicaFaultKind | null;
  readonly state: ReplicaState;
  readonly generation: number;
  /** Prefixes the FIB writer's hash-tree audit found differing from the voted state (cumulative). */
  readonly treeAuditDivergences: number;
  /** Whole-RIB digest of its last round result (voting and agreeing: equals the voted `ribDigest`). */
  readonly ribDigest: number;
}

interface Replica {
  readonly index: number;
  /** Configured knobs; `knobs` is their rotation for the current generation. */
  readonly baseKnobs: ReplicaKnobs;
  knobs: ReplicaKnobs;
  pool: Piscina<ReplicaTask, unknown>;
  /** state === 'voting'. */
  alive: boolean;
  /** Holds a voting seat (role 'voting'): counted in quorums even while restarting; spares do not. */
  seat: boolean;
  state: ReplicaState;
  generation: number;
  rounds: number;
  lastRoundMs: number;
  selfCheckFailures: number;
  auditMismatches: number;
  fault: ReplicaFault | null;
  /** Last round result: its round and whole-RIB digest (re-sync checks, donor choice). */
  lastRound: number;
  lastDigest: number;
  /** Round whose input it last failed on (poison: a second failure on the same routes). */
  lastFailRound: number | null;
  /** syncing: what it was re-synced from, when, and whether a join is queued. */
  sync: { donor: number; startedAt: number; replay: RoundUpdate[]; joinQueued: boolean; replayed: boolean; quarantinedBefore: number } | null;
  treeAuditDivergences: number;
  /** syncing: its tasks are posted one after the other. */
  tail: Promise<void>;
}

const WORKER = fileURLToPath(new URL('../../workers/decision.js', import.meta.url));
const noop = (): void => undefined;
/** Rounds whose input (and majority digest) is kept for poison bisection and re-sync checks. */
const INPUTS_KEPT = 16;
const DIGESTS_KEPT = 256;
/** Re-sync messages are encoded for the standard size (RFC 4271 §4): every session accepts them. */
const RESYNC_MESSAGE_LENGTH = 4096;

function newPool(knobs: ReplicaKnobs): Piscina<ReplicaTask, unknown> {
  const pool = new Piscina<ReplicaTask, unknown>({
    filename: WORKER,
    minThreads: 1,
    maxThreads: 1,
    idleTimeout: 2 ** 31 - 1,
    concurrentTasksPerWorker: 1,
    atomics: 'async',
    ...(knobs.layout?.resourceLimits ? { resourceLimits: { ...knobs.layout.resourceLimits } } : {}),
  });
  // A result that arrives while a judged replica's pool is being destroyed has no task any more: Piscina
  // reports it as an 'error' event, which must not take the process down (the verdict is already made).
  pool.on('error', noop);
  return pool;
}

/**
 * Rotated diversity for a restarted replica (generation g ≥ 1): the next decision implementation, a new
 * order seed (and tie-break seed when set), the other scan order — so the input that triggered a bug is
 * less likely to trigger it again (an implementation-specific bug, fault `onlyImpl`, is gone).
 */
export function rotateKnobs(k: ReplicaKnobs, g: number): ReplicaKnobs {
  if (g === 0) return k;
  const impl = IMPL_NAMES[(IMPL_NAMES.indexOf(k.impl ?? 'a') + g) % IMPL_NAMES.length];
  const layout = { ...(k.layout ?? {}), reverseScan: g % 2 === 1 ? !(k.layout?.reverseScan ?? false) : (k.layout?.reverseScan ?? false) };
  return {
    ...k,
    impl,
    orderSeed: ((k.orderSeed ?? 0) + Math.imul(g, 0x9e3779b1)) >>> 0,
    ...(k.tiebreakSeed !== undefined ? { tiebreakSeed: (k.tiebreakSeed + Math.imul(g, 0x85ebca6b)) >>> 0 } : {}),
    layout,
  };
}

/** Agreeing replicas the mode needs for a decision among `members` non-retired replicas (status; see Voter.quorum). */
export function quorumNeeded(mode: VotingMode, members: number, k: number): number {
  switch (mode) {
    case 'master':
      return Math.min(1, members);
    case 'k-of-n':
      return Math.min(k, members);
    case 'consensus':
      return Math.min(2, members);
    default:
      return Math.floor(members / 2) + 1;
  }
}


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

/** Extra round deadlines granted when no replica at all has answered (see roundDeadlineMs). */
const OVERLOAD_GRACE = 2;
/** A replica is late (hung) only once the round has taken this many times the first answer's time too. */
const HANG_FACTOR = 3;
/** close() waits at most this long for running queries. */
const QUERY_DRAIN_MS = 2000;

export class ReplicaSet {
  private readonly replicas: Replica[];
  private readonly voter: Voter;
  private readonly direct: boolean;
  private readonly attrCache = new LRUCache<number, PathAttributes>({ max: 262_144 });
  private round = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private started = false;
  private closed = false;
  private readonly queries = new Set<Promise<unknown>>();
  private pending: VotedDelta[] = [];
  /** Every round settled (all replicas answered or were declared faulty). */
  private settledChain: Promise<unknown> = Promise.resolve();
  private readonly log: ControllerLogger;
  private readonly ctl: ReplicaController;
  /** Peers as of the last posted round (re-sync and bisection add them first, with their policies). */
  private readonly peers = new Map<number, PeerConfig>();
  /** Recent rounds' inputs (poison bisection). */
  private readonly inputs = new Map<number, SharedArrayBuffer>();
  /** Per closed round: the whole-RIB digest a strict majority of the answering full-coverage replicas reported. */
  private readonly majorityDigest = new Map<number, number>();
  private lastClosedRound = -1;
  /** Round → replicas that crashed or hung on its input; rounds already bisected. */
  private readonly roundFailures = new Map<number, Set<number>>();
  private readonly bisected = new Set<number>();
  /** Quarantined UPDATEs: `${peerId}:${hex}` → their treat-as-withdraw replacement. */
  private readonly quarantined = new Map<string, { entry: QuarantineEntry; withdrawal: Uint8Array }>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private degradedReason: string | null = null;
  private failovers = 0;

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
    const spares = opts.spares ?? [];
    if (spares.length > 0 && n < 2) throw new ReplicaConfigError('spares: a spare takes a voting replica\'s place in the vote: needs at least 2 replicas', 'spares');
    spares.forEach((sk, i) => {
      validateKnobs(sk, `spares[${i}]`);
      if (sk.prefixes !== undefined) throw new ReplicaConfigError(`spares[${i}].prefixes: a spare may replace any voting replica: it covers every prefix`, 'spares[].prefixes');
    });
    this.direct = n === 1;
    this.voter = new Voter(opts.mode, k, [...coverage, ...spares.map(() => new PrefixCoverage(undefined))]);
    this.log = opts.logger ?? SILENT;
    this.ctl = new ReplicaController(n + spares.length, opts.controller ?? {}, this.log);
    this.replicas = [...opts.replicas, ...spares].map((knobs, index) => ({
      index,
      baseKnobs: knobs,
      knobs,
      pool: newPool(knobs),
      alive: index < n,
      seat: index < n,
      state: (index < n ? 'voting' : 'spare') as ReplicaState,
      generation: 0,
      rounds: 0,
      lastRoundMs: 0,
      selfCheckFailures: 0,
      auditMismatches: 0,
      fault: null,
      lastRound: -1,
      lastDigest: 0,
      lastFailRound: null,
      sync: null,
      treeAuditDivergences: 0,
      tail: Promise.resolve(),
    }));
    this.majorityDigest.set(-1, 0);
  }

  async start(): Promise<void> {
    if (this.closed) throw new ReplicaSetError('replica set is closed', 'BTRD_ERR_REPLICA_SET_CLOSED');
    await Promise.all(this.replicas.map((r) => r.pool.run({ kind: 'init', replica: r.index, engine: this.opts.engine, knobs: r.knobs, direct: this.direct, ribTree: this.opts.ribTree ?? true })));
    this.started = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    // Destroying a pool under a running query makes Piscina throw asynchronously ("Unexpected message from
    // Worker") when the answer arrives: let queries finish first (bounded).
    if (this.queries.size > 0) await Promise.race([Promise.allSettled([...this.queries]), new Promise((r) => setTimeout(r, QUERY_DRAIN_MS).unref())]);
    await Promise.allSettled(this.replicas.map((r) => r.pool.destroy()));
  }

  /** A read-only query task on one replica, tracked so that close() can wait for it. */
  private query<T>(r: Replica, task: ReplicaTask): Promise<T> {
    if (this.closed) return Promise.reject(new ReplicaSetError('replica set is closed', 'BTRD_ERR_REPLICA_SET_CLOSED'));
    const run = r.pool.run(task) as Promise<T>;
    const tracked: Promise<unknown> = run.then(noop, noop).finally(() => this.queries.delete(tracked));
    this.queries.add(tracked);
    return run;
  }

  addPeer(peer: PeerConfig): Promise<VotedDelta> {
    return this.submit(() => {
      this.peers.set(peer.id, peer);
      return { kind: 'add-peer', round: this.round++, peer };
    });
  }

  removePeer(peerId: number): Promise<VotedDelta> {
    return this.submit(() => {
      this.peers.delete(peerId);
      return { kind: 'remove-peer', round: this.round++, peerId };
    });
  }

  applyRound(updates: readonly RoundUpdate[]): Promise<VotedDelta> {
    if (updates.length > this.opts.maxRoundUpdates) return Promise.reject(new RangeError(`round of ${updates.length} UPDATEs exceeds maxRoundUpdates ${this.opts.maxRoundUpdates}`));
    if (this.quarantined.size > 0) updates = this.screen(updates);
    const input = writeRound(updates); // copy once, before queueing (the caller may reuse its buffers)
    return this.submit(() => ({ kind: 'updates', round: this.round++, input }));
  }

  /** Adj-RIB-Out of a peer (route refresh) from a live replica agreeing with the voted state (fewest divergences). */
  async adjRibOut(peerId: number): Promise<PeerOut> {
    await this.chain.catch(() => undefined);
    const r = this.bestReplica(() => true);
    return this.query<AdjRibOutResult>(r, { kind: 'adj-rib-out', peerId });
  }

  /** RIB counters from a live replica agreeing with the voted state (API, max-prefix). */
  async counts(): Promise<CountsResult> {
    await this.chain.catch(() => undefined);
    const r = this.bestReplica(() => true);
    return this.query<CountsResult>(r, { kind: 'counts' });
  }

  /**
   * An operator's route query (API), answered by a live replica agreeing with the voted state, preferring
   * full-coverage replicas. It does not wait for queued rounds: the pool runs it after the round in progress.
   */
  async routes(query: RouteQuery): Promise<RouteQueryResult> {
    const full = this.replicas.some((r) => r.alive && r.knobs.prefixes === undefined);
    const r = this.bestReplica((x) => !full || x.knobs.prefixes === undefined);
    return this.query<RouteQueryResult>(r, { kind: 'routes', query });
  }

  /** The voter's counters (API, metrics). */
  voterStatus(): { mode: VotingMode; k: number | null; master: number | null; rounds: number; quorumMisses: number; failovers: number } {
    return { mode: this.opts.mode, k: this.opts.mode === 'k-of-n' ? (this.opts.k ?? null) : null, master: this.opts.mode === 'master' ? this.voter.master : null, rounds: this.round, quorumMisses: this.voter.noQuorumTotal, failovers: this.failovers };
  }

  status(): ReplicaStatus[] {
    return this.replicas.map((r) => ({
      index: r.index,
      role: r.seat ? 'voting' : 'spare',
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
      state: r.state,
      generation: r.generation,
      treeAuditDivergences: r.treeAuditDivergences,
      ribDigest: r.lastDigest,
    }));
  }

  /** The controller's view: states, verdicts and restarts by cause, retired replicas, quarantine, degradation. */
  controllerStatus(): ControllerStatus {
    return this.ctl.status(this.replicas.map((r) => ({ ...r, role: r.seat ? 'voting' : 'spare' })), this.quorum(), this.opts.replicas.length, this.opts.spares?.length ?? 0);
  }

  /**
   * Operator restart (API): a voting replica leaves the vote, restarts with rotated diversity and re-syncs
   * like a failed one (no verdict, no back-off). Refused when the others alone could not meet the quorum.
   */
  restartReplica(index: number): { readonly ok: boolean; readonly reason?: string } {
    const r = this.replicas[index];
    if (r === undefined) return { ok: false, reason: `no replica ${index}` };
    if (this.direct) return { ok: false, reason: 'a single replica cannot be re-synced from another' };
    if (r.state !== 'voting' && r.state !== 'spare') return { ok: false, reason: `replica ${index} is ${r.state}` };
    const others = this.replicas.filter((x) => x.alive && x !== r).length;
    const spareReady = this.replicas.some((x) => x.state === 'spare' && x !== r);
    if (r.state === 'voting' && !spareReady && others < this.quorum()) return { ok: false, reason: `the other ${others} voting replica(s) cannot meet the quorum of ${this.quorum()} meanwhile` };
    const wasVoting = r.state === 'voting';
    r.alive = false;
    r.state = 'restarting';
    void r.pool.destroy().catch(noop);
    this.log.info({ replica: index }, `replica ${index}: operator restart`);
    this.checkDegraded();
    this.enqueue(() => this.restart(r, 'operator'));
    if (wasVoting) this.queuePromotion();
    return { ok: true };
  }

  private quorum(): number {
    return quorumNeeded(this.opts.mode, this.replicas.filter((r) => r.seat && r.state !== 'retired').length, this.opts.k ?? 0);
  }

  // ── Loc-RIB hash trees (the FIB writer's audit, lib/fib/writer.ts AuditableReplicas) ───────────────────

  /** Agreeing replicas an audit repair of the FIB needs: the voting quorum (lib/fib/writer.ts AuditableReplicas). */
  repairQuorum(): number {
    return this.quorum();
  }

  /** Live replicas and their address blocks. */
  auditTargets(): { index: number; prefixes?: readonly string[] }[] {
    return this.replicas.filter((r) => r.alive).map((r) => (r.knobs.prefixes ? { index: r.index, prefixes: r.knobs.prefixes } : { index: r.index }));
  }

  /** A question to replica `index`'s Loc-RIB tree (FIFO after every round posted to it). */
  ribTree(index: number, op: 'describe', keys: readonly PrefixKey[]): Promise<readonly (RangeInfo | null)[]>;
  ribTree(index: number, op: 'within', keys: readonly PrefixKey[]): Promise<readonly FibEntry[]>;
  ribTree(index: number, op: 'entries', keys: readonly PrefixKey[]): Promise<readonly (FibEntry | null)[]>;
  async ribTree(index: number, op: RibTreeTask['op'], keys: readonly PrefixKey[]): Promise<RibTreeResult> {
    return (await this.replicas[index].pool.run({ kind: 'rib-tree', op, keys } satisfies RibTreeTask)) as RibTreeResult;
  }

  /**
   * The FIB audit found replica `index`'s Loc-RIB differing from the voted state (`fib`: the FIB's entry at
   * each prefix, for the evidence). Counted and passed to the hook; a replica in the vote is then judged
   * 'wrong' once the difference is confirmed at a round boundary (confirmAuditDivergence).
   */
  reportAuditDivergence(index: number, prefixes: readonly PrefixKey[], fib?: ReadonlyMap<PrefixKey, FibEntry | null>): void {
    const r = this.replicas[index];
    r.treeAuditDivergences += prefixes.length;
    this.opts.onAuditDivergence?.(index, prefixes);
    if (this.direct || r.state !== 'voting' || prefixes.length === 0) return;
    const gen = r.generation;
    this.enqueue(() => this.confirmAuditDivergence(r, gen, prefixes, fib));
  }

  /**
   * Between rounds (every posted round settled, none in flight), so that an audit that overlapped a round,
   * or a replica that restarted since, never yields a verdict: ask every voting replica for its Loc-RIB
   * entry at the reported prefixes; the replica is 'wrong' where it differs from a strict majority of the
   * voting replicas covering the prefix. Prefixes where the voter already knows it differs (a minority in a
   * round vote) are left to the minority window (m of w).
   */
  private async confirmAuditDivergence(r: Replica, gen: number, prefixes: readonly PrefixKey[], fib?: ReadonlyMap<PrefixKey, FibEntry | null>): Promise<void> {
    await this.settledChain.catch(noop);
    if (this.closed || r.state !== 'voting' || !r.alive || r.generation !== gen) return;
    const unknown = prefixes.filter((p) => !this.voter.divergent[r.index].has(p));
    if (unknown.length === 0) return;
    const voters = this.replicas.filter((x) => x.alive);
    let answers: Map<PrefixKey, FibEntry | null>[];
    try {
      answers = await Promise.all(voters.map(async (x) => {
        const mine = unknown.filter((p) => this.voter.coverage[x.index].covers(p));
        const got = await this.query<readonly (FibEntry | null)[]>(x, { kind: 'rib-tree', op: 'entries', keys: mine } satisfies RibTreeTask);
        return new Map(mine.map((p, i) => [p, got[i] ?? null]));
      }));
    } catch {
      return; // a replica went down meanwhile: its own verdict covers it
    }
    if (r.state !== 'voting' || !r.alive || r.generation !== gen) return;
    const at = voters.indexOf(r);
    const text = (e: FibEntry | null | undefined): string => (e ? `next hop ${e.nextHops.join(',')} route ${e.routeId}` : 'no route');
    const wrong: string[] = [];
    for (const p of unknown) {
      const vals = answers.filter((a) => a.has(p)).map((a) => a.get(p) ?? null);
      const majority = vals.find((v) => vals.filter((w) => sameFibEntry(v, w)).length * 2 > vals.length);
      const its = answers[at].get(p) ?? null;
      if (majority === undefined || sameFibEntry(its, majority)) continue;
      const inFib = fib?.has(p) ? `, FIB ${text(fib.get(p))}` : '';
      wrong.push(`${formatPrefix(p)}: ${text(its)} (majority of ${vals.length} voting: ${text(majority)}${inFib})`);
    }
    if (wrong.length === 0) return;
    const evidence = `fib audit: its Loc-RIB differs from the voting majority at ${wrong.length} prefix(es) the voter did not know of: ${wrong.slice(0, 5).join('; ')}${wrong.length > 5 ? '; …' : ''}`;
    this.fail(r, 'wrong', this.lastClosedRound, undefined, evidence);
  }

  /** TEST ONLY: corrupt replica `index`'s Loc-RIB entry for `prefix` (lib/replica/rib-tree.ts CorruptLocTask). */
  async testCorruptLocRib(index: number, prefix: PrefixKey, nextHop: string): Promise<boolean> {
    await this.chain.catch(() => undefined);
    return (await this.replicas[index].pool.run({ kind: 'test-corrupt-loc', prefix, nextHop } satisfies CorruptLocTask)) as boolean;
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

  /**
   * A voting replica is judged faulty: out of the vote at once, its thread terminated (a hung one too:
   * Piscina's destroy terminates the worker), the verdict logged and counted, a restart planned.
   */
  private fail(r: Replica, kind: VerdictCause, round: number, cause?: unknown, evidence?: string): void {
    if (!r.alive) return;
    r.alive = false;
    const why = evidence ?? (cause instanceof Error ? cause.message : kind === 'hang' ? `no answer within the round deadline of ${this.opts.roundDeadlineMs} ms` : kind);
    r.fault = new ReplicaFault(`replica ${r.index}: ${kind} in round ${round}: ${why}`, kind, r.index, round, { cause });
    void r.pool.destroy().catch(noop);
    this.ctl.verdict(r.index, r.generation, kind, round, why);
    if (this.direct) return;
    if (kind === 'crash' || kind === 'hang') this.noteRoundFailure(r, round);
    this.planRestart(r, kind);
    if (r.seat) this.queuePromotion();
  }

  private noteRoundFailure(r: Replica, round: number): void {
    r.lastFailRound = round;
    let s = this.roundFailures.get(round);
    if (s === undefined) this.roundFailures.set(round, (s = new Set()));
    s.add(r.index);
    // Poison input: the same round crashed or hung two replicas — isolate the UPDATE before anything replays it.
    if (s.size === 2) this.enqueue(() => this.isolatePoison(round, r.knobs));
  }

  // ── warm spares ─────────────────────────────────────────────────────────────────────────────────────

  /** A spare's result for a closed round: judged against the majority's digest; a current one fills a vacant seat. */
  private checkSpare(r: Replica): void {
    const want = this.majorityDigest.get(r.lastRound);
    if (want === undefined || r.knobs.prefixes !== undefined) return; // no majority that round (or partial: no whole-RIB digest to compare)
    if (want !== r.lastDigest) {
      this.syncFailed(r, r.generation, 'wrong', `its whole-RIB digest for round ${r.lastRound} is ${r.lastDigest}, the majority's ${want}`, r.lastRound);
      return;
    }
    if (this.vacantSeatFor(r) !== undefined) this.queuePromotion();
  }

  /** A seat whose replica is not voting (down, re-syncing, retired) that `r` may take (same address blocks, or r covers all). */
  private vacantSeatFor(r: Replica): Replica | undefined {
    return this.replicas.find((x) => x.seat && x.state !== 'voting' && (r.knobs.prefixes === undefined || JSON.stringify(r.knobs.prefixes) === JSON.stringify(x.baseKnobs.prefixes)));
  }

  private promotionQueued = false;

  private queuePromotion(): void {
    if (this.promotionQueued || !this.replicas.some((x) => x.state === 'spare')) return;
    this.promotionQueued = true;
    this.enqueue(() => this.promote());
  }

  /**
   * Between rounds: every vacant seat (its voting replica failed) goes to a spare whose digest for the last
   * closed round is the majority's; the failed replica restarts meanwhile and becomes a spare when it is
   * back (join). The spare enters the vote with the divergence of a majority twin (its state is a copy of
   * it), and a re-vote round settles what the failure left without quorum.
   */
  private async promote(): Promise<void> {
    this.promotionQueued = false;
    await this.settledChain.catch(noop);
    let promoted = 0;
    for (const spare of this.replicas) {
      if (spare.state !== 'spare' || this.closed) continue;
      const seat = this.vacantSeatFor(spare);
      if (seat === undefined) continue;
      const last = this.lastClosedRound;
      if (spare.lastRound !== last) {
        // Still working on the last round (it follows at its own pace): wait for it — rounds wait meanwhile,
        // so at most twice the slowest voter's last round time; if it is later, a later boundary promotes it.
        const bound = Math.min(this.opts.roundDeadlineMs, Math.max(250, 2 * Math.max(...this.replicas.filter((x) => x.alive).map((x) => x.lastRoundMs), 0)));
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([spare.tail, new Promise((res) => (timer = setTimeout(res, bound)))]);
        clearTimeout(timer);
        await Promise.resolve(); // its result handler runs right after `tail`
      }
      if (spare.state !== 'spare' || spare.lastRound !== last || this.lastClosedRound !== last) continue;
      const want = this.majorityDigest.get(last);
      if (spare.knobs.prefixes === undefined && want !== spare.lastDigest) continue;
      const twin = this.replicas.find((x) => x.alive && x.lastDigest === spare.lastDigest && x.knobs.prefixes === undefined);
      if (twin === undefined && spare.lastDigest !== this.voter.ribDigest) continue; // its divergence from the voted state is unknown
      this.voter.divergent[spare.index] = twin === undefined ? new Map() : new Map(this.voter.divergent[twin.index]);
      seat.seat = false;
      spare.seat = true;
      spare.state = 'voting';
      spare.alive = true;
      this.ctl.promotions++;
      promoted++;
      this.log.warn({ spare: spare.index, replaces: seat.index, replacedState: seat.state, round: last, digest: spare.lastDigest }, `warm spare ${spare.index} promoted into the vote in place of replica ${seat.index} (${seat.state}); replica ${seat.index} becomes a spare when it is back`);
    }
    if (promoted === 0) return;
    this.checkDegraded();
    this.emit(await this.runVoted({ kind: 'updates', round: this.round++, input: writeRound([]) }));
  }

  private planRestart(r: Replica, kind: VerdictCause): void {
    const delay = this.ctl.planRestart(r.index);
    if (delay === null) {
      r.state = 'retired';
      r.alive = false;
      if (this.ctl.restartEnabled) this.log.error({ replica: r.index, restarts: this.ctl.restartsOf(r.index), cause: kind }, `replica ${r.index} retired: failed again after ${this.ctl.restartsOf(r.index)} restart(s)`);
      this.checkDegraded();
      return;
    }
    r.state = 'restarting';
    this.checkDegraded();
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(() => this.restart(r, kind));
    }, delay);
    this.timers.add(t);
  }

  private checkDegraded(): void {
    const st = this.controllerStatus();
    if (st.degradedReason === this.degradedReason) return;
    this.degradedReason = st.degradedReason;
    if (st.degradedReason !== null) this.log.warn({ voting: st.voting, quorum: st.quorum, retired: st.retired }, `replica set degraded: ${st.degradedReason}`);
    else this.log.info({ voting: st.voting }, 'replica set back to full strength');
  }

  /** Run a controller operation between rounds (after everything queued before it). */
  private enqueue(op: () => Promise<void>): void {
    if (this.closed) return;
    const run = this.chain.catch(noop).then(async () => {
      if (this.closed) return;
      try {
        await op();
      } catch (e) {
        this.log.error({ err: e }, 'replica controller operation failed');
      }
    });
    this.chain = run;
  }

  /** A delta produced outside the caller's rounds (quarantine withdrawal, re-vote after a join). */
  private emit(d: VotedDelta): void {
    if (locRibChanges(d) === 0 && d.out.size === 0 && d.noQuorum.length === 0) return;
    if (this.opts.onCorrection) this.opts.onCorrection(d);
    else this.pending.push(d);
  }

  // ── recovery: restart, re-sync, join ────────────────────────────────────────────────────────────────

  /**
   * Restart a failed replica with rotated diversity and re-sync it: a healthy replica's Adj-RIB-In (per
   * peer, peers first with their policies) replayed as UPDATEs — the routes advertised now, never history.
   * Runs between rounds; only the donor's dump holds the rounds back, the replay runs while rounds go on
   * (the new replica follows every round without voting until its digest matches the majority's).
   */
  private async restart(r: Replica, cause: VerdictCause | 'operator'): Promise<void> {
    if (this.closed || r.state !== 'restarting') return;
    await this.settledChain.catch(noop);
    // A poison suspect not isolated yet (queued behind this restart): isolate it first, or the replay carries it.
    for (const [round, failed] of this.roundFailures) if (failed.size >= 2 && !this.bisected.has(round)) await this.isolatePoison(round, r.knobs);
    const last = this.lastClosedRound;
    const target = this.majorityDigest.get(last);
    const full = (x: Replica): boolean => x.knobs.prefixes === undefined;
    const donors = this.replicas.filter((x) => x.alive && (full(x) || JSON.stringify(x.knobs.prefixes) === JSON.stringify(r.baseKnobs.prefixes)));
    donors.sort((a, b) => Number(b.lastDigest === target && full(b)) - Number(a.lastDigest === target && full(a)) || this.voter.divergent[a.index].size - this.voter.divergent[b.index].size);
    const donor = donors[0];
    if (donor === undefined) {
      this.log.warn({ replica: r.index }, 'no healthy replica to re-sync from: restart postponed');
      this.planRestartLater(r, cause);
      return;
    }
    const startedAt = performance.now();
    let dump: DumpAdjRibInResult;
    try {
      dump = (await donor.pool.run({ kind: 'dump-adj-rib-in', maxMessageLength: RESYNC_MESSAGE_LENGTH })) as DumpAdjRibInResult;
    } catch (e) {
      this.fail(donor, 'crash', -1, e, `while dumping its Adj-RIB-In for a re-sync: ${(e as Error).message}`);
      this.planRestartLater(r, cause);
      return;
    }
    this.ctl.restarted(r.index, cause);
    r.generation++;
    r.knobs = rotateKnobs(r.baseKnobs, r.generation);
    r.pool = newPool(r.knobs);
    r.tail = Promise.resolve();
    r.rounds = 0;
    const replay = dump.peers.flatMap((p) => p.messages.map((message) => ({ peerId: p.peerId, message })));
    r.sync = { donor: donor.index, startedAt, replay, joinQueued: false, replayed: false, quarantinedBefore: this.ctl.quarantinedTotal };
    r.state = 'syncing';
    this.log.info({ replica: r.index, generation: r.generation, donor: donor.index, messages: replay.length, knobs: { impl: r.knobs.impl, orderSeed: r.knobs.orderSeed } }, `replica ${r.index} restarted (${cause}); re-syncing from replica ${donor.index}`);
    const gen = r.generation;
    this.follow(r, gen, { kind: 'init', replica: r.index, engine: this.opts.engine, knobs: r.knobs, direct: false, ribTree: this.opts.ribTree ?? true });
    for (const peer of this.peers.values()) this.follow(r, gen, { kind: 'add-peer', round: -1, peer });
    const chunk = this.opts.maxRoundUpdates;
    if (replay.length === 0) this.follow(r, gen, { kind: 'updates', round: -1, input: writeRound([]) }, last);
    for (let i = 0; i < replay.length; i += chunk) this.follow(r, gen, { kind: 'updates', round: -1, input: writeRound(replay.slice(i, i + chunk)) }, i + chunk >= replay.length ? last : undefined);
    this.checkDegraded();
  }

  private planRestartLater(r: Replica, cause: VerdictCause | 'operator'): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(() => this.restart(r, cause));
    }, this.ctl.backoffMs);
    this.timers.add(t);
  }

  /**
   * Post a task to a re-syncing replica (FIFO behind its earlier ones). `asRound`: the result stands for
   * that voted round (the last replay chunk: the state of the last closed round; a followed round: itself).
   */
  private follow(r: Replica, gen: number, task: ReplicaTask, asRound?: number): void {
    // Posted one at a time (a fresh pool does not keep the order of tasks posted before its thread is up).
    const run = r.tail.then(async () => {
      if (r.generation !== gen || !following(r)) return null;
      // A fresh thread (cold JIT) replaying a round's worth of UPDATEs: 4 round deadlines.
      const deadline = setTimeout(() => this.syncFailed(r, gen, 'hang', `no answer to a ${r.state === 'spare' ? 'followed round' : 're-sync task'} within ${4 * this.opts.roundDeadlineMs} ms`, asRound), 4 * this.opts.roundDeadlineMs);
      this.timers.add(deadline);
      try {
        return await r.pool.run(task);
      } finally {
        clearTimeout(deadline);
        this.timers.delete(deadline);
      }
    });
    r.tail = run.then(noop, noop);
    run.then(
      (res) => {
        if (r.generation !== gen || !following(r)) return;
        if (asRound === undefined || res === null) return;
        const rr = res as RoundResult;
        if (this.ctl.heap(r.index, rr.heapUsedBytes)) {
          this.syncFailed(r, gen, 'leak', `heap ${(rr.heapUsedBytes / 1048576).toFixed(1)} MB above the limit while re-syncing`);
          return;
        }
        if (task.kind === 'updates' && task.round === -1) r.sync!.replayed = true;
        r.lastRound = asRound;
        r.lastDigest = rr.ribDigest;
        this.checkFollower(r);
      },
      (e: unknown) => {
        this.syncFailed(r, gen, 'crash', (e as Error)?.message ?? String(e), asRound);
      },
    );
  }

  /** A re-syncing replica whose digest for a closed round is known: join when it matches the majority's. */
  private checkFollower(r: Replica): void {
    if (r.state === 'spare') {
      this.checkSpare(r);
      return;
    }
    if (r.state !== 'syncing' || r.sync === null || !r.sync.replayed) return;
    const partial = r.knobs.prefixes !== undefined;
    const want = this.majorityDigest.get(r.lastRound);
    if (want === undefined && !partial) return; // that round had no majority digest: wait for the next one
    if (!partial && want !== r.lastDigest) {
      this.syncFailed(r, r.generation, 'wrong', `after re-sync its whole-RIB digest for round ${r.lastRound} is ${r.lastDigest}, the majority's ${want}`);
      return;
    }
    if (!r.sync.joinQueued) {
      r.sync.joinQueued = true;
      this.enqueue(() => this.join(r, r.generation));
    }
  }

  /** Between rounds: the re-synced replica enters the vote; a re-vote round settles what had no quorum. */
  private async join(r: Replica, gen: number): Promise<void> {
    await this.settledChain.catch(noop);
    if (r.state !== 'syncing' || r.generation !== gen || r.sync === null) return;
    r.sync.joinQueued = false;
    if (r.lastRound !== this.lastClosedRound) return; // still catching up: the next followed round retries
    const partial = r.knobs.prefixes !== undefined;
    if (!partial && this.majorityDigest.get(r.lastRound) !== r.lastDigest) return;
    if (!r.seat) {
      // Its seat went to a spare: take a seat still vacant (no spare could), else become a spare.
      const seat = this.vacantSeatFor(r);
      if (seat === undefined) {
        const ms = performance.now() - r.sync.startedAt;
        this.ctl.resyncs.completed++;
        this.ctl.resyncs.lastMs = Math.round(ms);
        r.sync = null;
        r.state = 'spare';
        this.log.info({ replica: r.index, generation: r.generation, ms: Math.round(ms), digest: r.lastDigest }, `replica ${r.index} re-synced (digest matches the majority): now a warm spare`);
        this.checkDegraded();
        return;
      }
      seat.seat = false;
      r.seat = true;
    }
    // Its state is a copy of a majority replica's: so is its divergence from the voted state.
    const twin = this.replicas.find((x) => x.alive && x.lastDigest === r.lastDigest && x.knobs.prefixes === undefined) ?? this.replicas[r.sync.donor];
    this.voter.divergent[r.index] = new Map(this.voter.divergent[twin.index]);
    const ms = performance.now() - r.sync.startedAt;
    this.ctl.resyncs.completed++;
    this.ctl.resyncs.lastMs = Math.round(ms);
    r.sync = null;
    r.state = 'voting';
    r.alive = true;
    this.log.info({ replica: r.index, generation: r.generation, ms: Math.round(ms), digest: r.lastDigest }, `replica ${r.index} re-synced (digest matches the majority): back in the vote`);
    this.checkDegraded();
    this.emit(await this.runVoted({ kind: 'updates', round: this.round++, input: writeRound([]) }));
  }

  /** A restarting replica failed again while re-syncing, or a spare failed (`round`: the followed round). */
  private syncFailed(r: Replica, gen: number, kind: VerdictCause, evidence: string, round?: number): void {
    if (r.generation !== gen || !following(r)) return;
    if (r.state === 'spare') {
      r.alive = false;
      void r.pool.destroy().catch(noop);
      this.ctl.verdict(r.index, r.generation, kind, round ?? -1, `as a spare: ${evidence}`);
      r.fault = new ReplicaFault(`replica ${r.index}: ${kind} as a spare: ${evidence}`, kind, r.index, round ?? -1);
      if ((kind === 'crash' || kind === 'hang') && round !== undefined && round >= 0) this.noteRoundFailure(r, round);
      this.planRestart(r, kind);
      return;
    }
    this.ctl.resyncs.failed++;
    const replay = r.sync?.replay ?? [];
    // A quarantine since the dump: the replay still carried the poison; the next restart will not.
    const staleDump = r.sync !== null && this.ctl.quarantinedTotal !== r.sync.quarantinedBefore;
    r.sync = null;
    void r.pool.destroy().catch(noop);
    this.ctl.verdict(r.index, r.generation, kind, -1, `during re-sync: ${evidence}`);
    r.fault = new ReplicaFault(`replica ${r.index}: ${kind} during re-sync: ${evidence}`, kind, r.index, -1);
    if ((kind === 'crash' || kind === 'hang') && !staleDump) {
      // The routes it crashed on came from the input it first failed on: a second failure — isolate it.
      const first = r.lastFailRound;
      if (first !== null && this.inputs.has(first) && !this.bisected.has(first)) this.enqueue(() => this.isolatePoison(first, r.knobs));
      else if (replay.length > 0) this.enqueue(() => this.isolatePoisonIn(-1, replay, r.knobs));
    }
    this.planRestart(r, kind);
  }

  // ── poison input ────────────────────────────────────────────────────────────────────────────────────

  /** Replace quarantined UPDATEs by their withdrawal (treat-as-withdraw). */
  private screen(updates: readonly RoundUpdate[]): RoundUpdate[] {
    return updates.map((u) => {
      const q = this.quarantined.get(`${u.peerId}:${Buffer.from(u.message).toString('hex')}`);
      if (q === undefined) return u;
      q.entry.hits++;
      this.log.warn({ peerId: u.peerId, prefixes: q.entry.prefixes }, 'quarantined UPDATE received again: treated as withdraw');
      return { peerId: u.peerId, message: q.withdrawal };
    });
  }

  private async isolatePoison(round: number, knobs: ReplicaKnobs): Promise<void> {
    if (this.bisected.has(round)) return;
    const sab = this.inputs.get(round);
    if (sab === undefined) return;
    const input = new RoundInput(sab);
    const updates: RoundUpdate[] = [];
    for (let i = 0; i < input.count; i++) updates.push({ peerId: input.peerId(i), message: input.message(i).slice() });
    await this.isolatePoisonIn(round, updates, knobs);
  }

  /**
   * Bisect an input that crashed or hung replicas twice down to the single UPDATE that does it, in a scratch
   * replica with the failing replica's knobs (peers first); quarantine it: log its bytes, withdraw its NLRI
   * from every replica (a round), replace it by that withdrawal whenever it comes again.
   */
  private async isolatePoisonIn(round: number, updates: RoundUpdate[], knobs: ReplicaKnobs): Promise<void> {
    if (round >= 0) this.bisected.add(round);
    if (updates.length === 0) return;
    await this.settledChain.catch(noop);
    const peers = [...this.peers.values()];
    let pool: Piscina<ReplicaTask, unknown> | null = null;
    let probes = 0;
    const probe = async (idx: readonly number[]): Promise<ProbeOutcome> => {
      probes++;
      pool ??= newPool(knobs);
      const p = pool;
      const run = (async () => {
        await p.run({ kind: 'init', replica: -1, engine: this.opts.engine, knobs, direct: false });
        for (const peer of peers) await p.run({ kind: 'add-peer', round: -2, peer });
        await p.run({ kind: 'updates', round: -2, input: writeRound(idx.map((i) => updates[i])) });
      })();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<'hang'>((res) => (timer = setTimeout(() => res('hang'), this.opts.roundDeadlineMs)));
      try {
        const got = await Promise.race([run.then(() => 'ok' as const), timeout]);
        if (got === 'ok') return { faulty: false };
        pool = null;
        void p.destroy().catch(noop);
        run.catch(noop);
        return { faulty: true, reason: `hang: no answer within ${this.opts.roundDeadlineMs} ms` };
      } catch (e) {
        return { faulty: true, reason: `crash: ${(e as Error)?.message ?? String(e)}` };
      } finally {
        clearTimeout(timer);
      }
    };
    const t0 = performance.now();
    let found: { index: number; reason: string } | null = null;
    try {
      // An empty input that fails too is not about the input (e.g. crash after R rounds).
      found = (await probe([])).faulty ? null : await bisectPoison(updates.length, probe);
    } finally {
      if (pool !== null) void (pool as Piscina<ReplicaTask, unknown>).destroy().catch(noop);
    }
    if (found === null) {
      this.ctl.bisectFailures++;
      this.log.warn({ round, updates: updates.length, probes }, 'poison bisection: no single UPDATE reproduces the failure (state-dependent): nothing quarantined');
      return;
    }
    const u = updates[found.index];
    const peer = this.peers.get(u.peerId);
    if (peer === undefined) return;
    let keys: PrefixKey[] = [];
    let ids: number[] | null = null;
    try {
      const m = decodeUpdate(u.message.subarray(19), peer.codec);
      const pairs: [PrefixKey, number][] = [];
      const add = (ks: readonly PrefixKey[], is: readonly number[] | undefined): void => ks.forEach((k, i) => pairs.push([k, is?.[i] ?? 0]));
      add(m.withdrawn, m.withdrawnPathIds);
      add(m.nlri, m.nlriPathIds);
      if (m.mpReach) add(m.mpReach.nlri, m.mpReach.pathIds);
      if (m.mpUnreach) add(m.mpUnreach.withdrawn, m.mpUnreach.pathIds);
      keys = pairs.map((x) => x[0]);
      ids = pairs.map((x) => x[1]);
    } catch {
      // Undecodable: the replicas reject it as an input error anyway; quarantine the bytes only.
    }
    const hex = Buffer.from(u.message).toString('hex');
    const entry = this.ctl.addQuarantine({ round, peerId: u.peerId, hex, prefixes: keys.map(formatPrefix), reason: `${found.reason} (isolated in ${probes} probes, ${Math.round(performance.now() - t0)} ms)` });
    const withdrawal = withdrawalFor(keys, ids, peer.codec);
    this.quarantined.set(`${u.peerId}:${hex}`, { entry, withdrawal });
    if (keys.length > 0 && this.replicas.some((r) => r.alive)) this.emit(await this.runVoted({ kind: 'updates', round: this.round++, input: writeRound([{ peerId: u.peerId, message: withdrawal }]) }));
  }

  private runVoted(task: RoundTask): Promise<VotedDelta> {
    const live = this.replicas.filter((r) => r.alive);
    if (live.length === 0) return Promise.reject(new ReplicaSetError('no live replica', 'BTRD_ERR_NO_LIVE_REPLICA'));
    const expected = new Set(live.map((r) => r.index));
    const members = new Set(this.replicas.filter((r) => r.seat && r.state !== 'retired').map((r) => r.index));
    if (task.kind === 'updates') {
      this.inputs.set(task.round, task.input);
      for (const k of this.inputs.keys()) if (k <= task.round - INPUTS_KEPT) this.inputs.delete(k);
    }
    // Re-syncing replicas follow every round (FIFO behind their replay) without voting.
    for (const r of this.replicas) if (r.state === 'syncing' || r.state === 'spare') this.follow(r, r.generation, task, task.round);
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
      /** The resolving delta holds rv.decidedOrder[0..emitted); later decisions go out with the close (corrections). */
      let emitted = 0;
      // Serialize voter steps (result handling awaits attribute fetches).
      const step = (): void => {
        busy = busy.then(async () => {
          if (closedDone) return;
          if (rv === null) rv = new RoundVote(task.round, expected, this.voter, members);
          for (const [r, res] of arrivals) if (!rv.arrived.has(r) && !faults.has(r)) rv.arrived.set(r, new ResultView(res));
          for (const r of faults) rv.faulty.add(r);
          this.voter.decide(rv);
          if (!resolved && this.voter.resolvable(rv)) {
            resolved = true;
            if (rv.settled) {
              closedDone = true;
              clearTimeout(timer);
              const report = this.closeRound(rv);
              settledResolve();
              try {
                resolve(await this.buildDelta(rv, 0, rv.decidedCount, report.corrections, report.noQuorum, true));
              } finally {
                this.flushVerdicts();
                rv.release(); // its last delta is built
              }
              return;
            }
            emitted = rv.decidedCount;
            resolve(await this.buildDelta(rv, 0, emitted, [], [], true));
          } else if (resolved && rv.settled) {
            closedDone = true;
            clearTimeout(timer);
            const report = this.closeRound(rv);
            try {
              // Decided after the round resolved (on later answers, or at the close), and the audit's corrections.
              if (report.corrections.length > 0 || rv.changedIn(emitted, rv.decidedCount)) {
                const d = await this.buildDelta(rv, emitted, rv.decidedCount, report.corrections, report.noQuorum, false);
                if (this.opts.onCorrection) this.opts.onCorrection(d);
                else this.pending.push(d);
              }
            } finally {
              this.flushVerdicts();
              rv.release(); // its last delta is built
            }
            settledResolve();
          }
        }).catch((e: unknown) => {
          this.flushVerdicts();
          if (!resolved) {
            resolved = true;
            reject(e);
          }
          closedDone = true;
          settledResolve();
        });
      };
      // Hang detection is relative. When NO replica has answered by the deadline, the daemon is overloaded
      // (or the round is large), not every replica buggy at once: wait up to OVERLOAD_GRACE more deadlines
      // before declaring them all hung (a poison input that hangs every replica still is). When some have
      // answered, a late one is hung only after HANG_FACTOR × the first answer's time as well (replicas
      // share the cores: one finishing first does not make the others buggy).
      const startedAt = performance.now();
      let firstAnswerMs = -1;
      let extensions = 0;
      const onDeadline = (): void => {
        const elapsed = performance.now() - startedAt;
        if (arrivals.size === 0 && extensions < OVERLOAD_GRACE && [...expected].some((r) => !faults.has(r))) {
          extensions++;
          this.opts.onSlowRound?.(task.round, elapsed);
          timer = setTimeout(onDeadline, this.opts.roundDeadlineMs);
          return;
        }
        if (firstAnswerMs >= 0 && elapsed < HANG_FACTOR * firstAnswerMs) {
          timer = setTimeout(onDeadline, HANG_FACTOR * firstAnswerMs - elapsed);
          return;
        }
        for (const r of expected) if (!arrivals.has(r) && !faults.has(r)) {
          faults.add(r);
          this.fail(this.replicas[r], 'hang', task.round);
        }
        step();
      };
      let timer = setTimeout(onDeadline, this.opts.roundDeadlineMs);
      for (const r of live) {
        r.pool.run(task).then(
          (res) => {
            const result = res as RoundResult;
            if (faults.has(r.index)) return;
            if (this.ctl.heap(r.index, result.heapUsedBytes)) {
              faults.add(r.index);
              this.fail(r, 'leak', task.round, undefined, `V8 used heap ${(result.heapUsedBytes / 1048576).toFixed(1)} MB above the limit of ${(this.ctl.heapLimitBytes / 1048576).toFixed(0)} MB`);
              step();
              return;
            }
            r.rounds++;
            r.lastRoundMs = result.ms;
            observeRound(r.index, result.ms);
            r.selfCheckFailures += result.selfCheckFailures;
            r.lastRound = task.round;
            r.lastDigest = result.ribDigest;
            if (firstAnswerMs < 0) firstAnswerMs = performance.now() - startedAt;
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

  /** 'wrong' verdicts of a closing round: applied once its delta is built (it may take attributes from that replica). */
  private readonly deferredVerdicts: (() => void)[] = [];

  private flushVerdicts(): void {
    for (const f of this.deferredVerdicts.splice(0)) f();
  }

  private closeRound(rv: RoundVote): ReturnType<Voter['close']> {
    const report = this.voter.close(rv);
    // The whole-RIB digest of a strict majority of the answering full-coverage replicas (re-sync target).
    const digests = new Map<number, number>();
    let full = 0;
    for (const [r, v] of rv.arrived) {
      if (rv.faulty.has(r) || this.replicas[r].knobs.prefixes !== undefined) continue;
      full++;
      digests.set(v.result.ribDigest, (digests.get(v.result.ribDigest) ?? 0) + 1);
    }
    for (const [d, c] of digests) if (c * 2 > full) this.majorityDigest.set(rv.round, d);
    for (const k of this.majorityDigest.keys()) if (k <= rv.round - DIGESTS_KEPT) this.majorityDigest.delete(k);
    this.lastClosedRound = rv.round;
    if (report.failover !== null) this.failovers++;
    for (const k of this.roundFailures.keys()) if (k <= rv.round - INPUTS_KEPT) this.roundFailures.delete(k);
    if (report.failover !== null) this.opts.onFailover?.(report.failover);
    for (const [r, v] of rv.arrived) {
      const rep = this.replicas[r];
      if (rv.faulty.has(r) || !rep.alive) continue;
      // Audit: a full-coverage replica with no known divergence must have the voted whole-RIB digest.
      if (rep.knobs.prefixes === undefined && this.voter.divergent[r].size === 0 && v.result.ribDigest !== this.voter.ribDigest) {
        rep.auditMismatches++;
        const evidence = `audit: no known divergence, yet its whole-RIB digest ${v.result.ribDigest} differs from the voted ${this.voter.ribDigest}`;
        this.deferredVerdicts.push(() => this.fail(rep, 'wrong', rv.round, undefined, evidence));
        continue;
      }
      // wrong: in the minority in ≥ m of its last w voted rounds.
      if (this.ctl.minority(r, report.minority.has(r))) {
        const evidence = `in the minority in ${this.ctl.minorityCount(r)} of its last ${this.ctl.w} rounds (threshold ${this.ctl.m}); ${this.voter.divergent[r].size} prefix(es) differ from the voted state`;
        this.deferredVerdicts.push(() => this.fail(rep, 'wrong', rv.round, undefined, evidence));
      }
    }
    for (const r of this.replicas) if (r.state === 'syncing' || r.state === 'spare') this.checkFollower(r);
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

  /**
   * The delta of the slots decided in rv.decidedOrder[from..to) whose voted value changed, plus
   * `corrections`: each decided slot from its deciding replica's result when that replica reported the
   * prefix from an agreeing start (read straight from the result's typed arrays: no object per decision),
   * else restated (its full state fetched). `withInputErrors`: the round's resolving delta carries its voted
   * input errors (corrections do not repeat them).
   */
  private async buildDelta(rv: RoundVote, from: number, to: number, corrections: readonly PrefixDecision[], noQuorum: PrefixKey[], withInputErrors: boolean): Promise<VotedDelta> {
    const restate = new Map<number, PrefixKey[]>();
    const order = rv.decidedOrder;
    const value = rv.decidedValue;
    const previous = rv.decidedPrevious;
    const fromOf = rv.decidedFrom;
    const indexOf = rv.decidedIndex;
    // Pass 1: restated slots; the attribute sets the others name by digest, fetched once per set from a
    // winning replica; and how many Loc-RIB entries they give (the array is allocated once, at its size).
    // `named`: every digest this delta names → its attribute set (null: not in the cache, to fetch). Results
    // are sorted by prefix, so consecutive prefixes rarely share a set: one LRU lookup per set per delta,
    // not one per prefix (those were ~15 % of the main thread on a table load).
    const named = new Map<number, PathAttributes | null>();
    const need = new Map<number, Set<number>>();
    let lastWanted = 0; // consecutive prefixes mostly share an attribute set
    let lastWantedExport = 0;
    let locChanges = 0;
    // The result (and its export index) of the replica a slot was decided from: consecutive slots mostly share it.
    let cursorOf = -1;
    let cursor: ResultCursor | null = null;
    for (let k = from; k < to; k++) {
      const s = order[k];
      if (value[s] === previous[s]) continue;
      const replica = fromOf[s];
      const i = indexOf[s];
      if (i < 0) {
        push(restate, replica, rv.keyAt(s));
        continue;
      }
      if (cursor === null || replica !== cursorOf) cursor = resultCursor(rv.arrived.get((cursorOf = replica))!);
      const { result: res, expStart, expOrder } = cursor;
      if (res.locChanged[i]) {
        locChanges++;
        if (res.bestPeer[i] >= 0 && res.bestAttrs[i] !== lastWanted) this.want(named, need, replica, (lastWanted = res.bestAttrs[i]));
      }
      if (expStart !== null) {
        for (let e = expStart[i]; e < expStart[i + 1]; e++) {
          const a = res.expAttrs[expOrder[e]];
          if (a !== 0 && a !== lastWantedExport) this.want(named, need, replica, (lastWantedExport = a));
        }
      }
    }
    for (const d of corrections) push(restate, d.from, d.prefix);
    await Promise.all([...need].map(async ([replica, set]) => {
      const digests = Float64Array.from(set);
      const got = (await this.replicas[replica].pool.run({ kind: 'fetch-attrs', digests: new Float64Array(digests) })) as FetchAttrsResult;
      for (let i = 0; i < digests.length; i++) {
        if (got[i] === null) continue;
        this.attrCache.set(digests[i], got[i]!);
        named.set(digests[i], got[i]);
      }
    }));
    // Pass 2: the relative slots' Loc-RIB entries and exports.
    const loc = new VotedLocChanges(locChanges);
    const delta = new LazyVotedDelta(loc, rv.round, noQuorum);
    let lastD = 0;
    let lastA: PathAttributes | undefined;
    let lastExpD = 0;
    let lastExpA: PathAttributes | undefined;
    cursor = null;
    for (let k = from; k < to; k++) {
      const s = order[k];
      const i = indexOf[s];
      if (value[s] === previous[s] || i < 0) continue;
      const replica = fromOf[s];
      if (cursor === null || replica !== cursorOf) cursor = resultCursor(rv.arrived.get((cursorOf = replica))!);
      const { result: res, expStart, expOrder } = cursor;
      const p = rv.keyAt(s);
      const e0 = expStart === null ? 0 : expStart[i];
      const e1 = expStart === null ? 0 : expStart[i + 1];
      let missing = false;
      if (res.locChanged[i] && res.bestPeer[i] >= 0 && res.bestAttrs[i] !== lastD) {
        lastD = res.bestAttrs[i];
        lastA = named.get(lastD) ?? undefined;
        missing = lastA === undefined;
      }
      for (let e = e0; e < e1 && !missing; e++) {
        const a = res.expAttrs[expOrder[e]];
        if (a !== 0 && a !== lastExpD) {
          lastExpD = a;
          lastExpA = named.get(a) ?? undefined;
          missing = lastExpA === undefined;
        }
      }
      if (missing) {
        lastD = 0;
        lastExpD = 0;
        push(restate, replica, p); // no longer kept in the replica: take its full state instead
        continue;
      }
      if (res.locChanged[i]) loc.add(p, res, i, res.bestPeer[i] >= 0 ? lastA! : null);
      for (let e = e0; e < e1; e++) {
        const j = expOrder[e];
        const a = res.expAttrs[j];
        let attrs: PathAttributes | null = null;
        if (a !== 0) {
          if (a !== lastExpD) {
            lastExpD = a;
            lastExpA = named.get(a) ?? undefined;
          }
          attrs = lastExpA!;
        }
        setOut(delta, res.expPeer[j], p, attrs);
      }
    }
    if (restate.size > 0) {
      const locRib = delta.locRib; // built: restated entries replace or join it
      // Restated prefixes replace what the delta already has for them (a corrected decision of this round).
      const restated = new Set<PrefixKey>();
      for (const prefixes of restate.values()) for (const p of prefixes) restated.add(p);
      const at = new Map<PrefixKey, number>();
      for (let i = 0; i < locRib.length; i++) if (restated.has(locRib[i].prefix)) at.set(locRib[i].prefix, i);
      await Promise.all([...restate].map(async ([replica, prefixes]) => {
        const p4 = prefixes.filter((p): p is number => typeof p === 'number');
        const p6 = prefixes.filter((p): p is string => typeof p === 'string');
        const got = (await this.replicas[replica].pool.run({ kind: 'restate', prefixes4: Float64Array.from(p4), prefixes6: p6 })) as RestateResult;
        const order = [...p4, ...p6];
        order.forEach((p, i) => {
          const entry = { prefix: p, best: got.best[i] };
          const j = at.get(p);
          if (j === undefined) at.set(p, locRib.push(entry) - 1);
          else locRib[j] = entry;
          for (const e of got.exports) setOut(delta, e.peerId, p, e.attrs[i]);
        });
      }));
    }
    if (withInputErrors) delta.inputErrors.push(...votedInputErrors(rv));
    return delta;
  }

  /** A digest the delta names: from the cache, else to fetch from `replica`. */
  private want(named: Map<number, PathAttributes | null>, need: Map<number, Set<number>>, replica: number, digest: number): void {
    if (named.has(digest)) return;
    const a = this.attrCache.get(digest);
    named.set(digest, a ?? null);
    if (a !== undefined) return;
    let s = need.get(replica);
    if (s === undefined) need.set(replica, (s = new Set()));
    s.add(digest);
  }
}

/**
 * Input errors are voted like routes: an error (same entry, kind, code, subcode) counts when a strict
 * majority of the replicas that have answered report it — a replica whose parser is buggy cannot reset a
 * session alone, nor hide a malformed UPDATE alone. In master mode the round resolves on the master's
 * answer, which then is that majority.
 */
function votedInputErrors(rv: RoundVote): InputError[] {
  const live = [...rv.arrived].filter(([r]) => !rv.faulty.has(r));
  const tally = new Map<string, { error: InputError; votes: number }>();
  for (const [, view] of live) {
    for (const e of view.result.inputErrors) {
      const key = `${e.index}/${e.kind}/${e.code}/${e.subcode}`;
      const t = tally.get(key);
      if (t === undefined) tally.set(key, { error: e, votes: 1 });
      else t.votes++;
    }
  }
  const need = Math.floor(live.length / 2) + 1;
  return [...tally.values()].filter((t) => t.votes >= need).map((t) => t.error).sort((a, b) => a.index - b.index);
}

/** Re-syncing or a warm spare: follows every round without voting. */
function following(r: { readonly state: ReplicaState }): boolean {
  return r.state === 'syncing' || r.state === 'spare';
}

/** A result and its export index (null: no exports), as buildDelta reads them. */
interface ResultCursor {
  readonly result: RoundResult;
  readonly expStart: Uint32Array | null;
  readonly expOrder: Uint32Array;
}

function resultCursor(view: ResultView): ResultCursor {
  const exports = view.result.expPrefix.length > 0;
  return { result: view.result, expStart: exports ? view.exportStarts() : null, expOrder: exports ? view.exportOrder() : new Uint32Array(0) };
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
    if (o.announce.size > 0) o.announce.delete(prefix);
    o.withdraw.add(prefix);
  } else {
    if (o.withdraw.size > 0) o.withdraw.delete(prefix);
    o.announce.set(prefix, attrs);
  }
}

/** A delta's Loc-RIB change count, without building a voted delta's entries. */
export function locRibChanges(d: EngineDelta): number {
  return d instanceof LazyVotedDelta ? d.locRibChanges : d.locRib.length;
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
