/**
 * The speaker: connects the session layer (lib/session), the routing engine (lib/rib, one decision
 * process for now — issue 4 replaces it by voted replicas) and the export packer (lib/export).
 *
 *   peers ──TCP──► BgpSession ── 'update' ──► RoutingEngine.applyUpdate ──► EngineDelta
 *                     ▲                                                        │ per-peer changes
 *                     └──── packUpdates ◄── OutQueue (coalesce, MRAI) ◄─────────┘
 *
 * Outgoing changes are coalesced per peer until the end of the current event-loop turn (or the peer's
 * MRAI, RFC 4271 §9.2.1.1), so a burst of UPDATEs for the same prefixes produces one UPDATE out.
 */
import { ApiRequestError, type ApiProvider, type FibLookupJson, type FibStatusJson, type MessageCountsJson, type NeighborStatus, type PeerState, type QuarantineEntryJson, type ReplicaStatusJson, type ResetMode, type RibSummary, type VoterStatusJson } from './api/types.js';
import { engineRouteSource, queryRoutes, type RouteQuery, type RouteQueryResult } from './api/routes.js';
import { countVotes } from './metrics/index.js';
import type { BtrdConfig, PeerConfig } from './config/types.js';
import type { Logger } from './log.js';
import { Progress } from './progress.js';
import { BgpSession } from './session/session.js';
import { SessionManager } from './session/manager.js';
import { DEFAULT_MAX_QUEUED_INPUT_BYTES, InputBudget } from './session/input-budget.js';
import { checkImportLimits, type ImportLimits, type LimitVerdict } from './policy/limits.js';
import type { FsmState, NegotiatedSession, SessionConfig } from './session/types.js';
import { RoutingEngine } from './rib/engine.js';
import { ReplicaSet, locRibChanges, type InputError, type VotedDelta } from './replica/replica-set.js';
import type { ReplicaKnobs } from './replica/knobs.js';
import type { Frame } from './wire/framing.js';
import type { EngineDelta, EnginePeer } from './rib/types.js';
import { RibDelta } from './rib/delta.js';
import { PackError, packUpdates } from './export/packer.js';
import { formatNotification } from './wire/notification.js';
import { CeaseSubcode, ErrorCode } from './wire/iana.js';
import { formatPrefix, parsePrefix, prefixContains, type PrefixKey } from './wire/prefix.js';
import type { PathAttributes, UpdateMessage } from './wire/types.js';
import { FibWriter } from './fib/writer.js';

/**
 * Work per event-loop turn when sending a peer's pending changes or withdrawing a departed peer's table:
 * bounded so that one full table never blocks KEEPALIVEs and hold timers of the other sessions (XORP bug
 * 814 in the CoNEXT 2009 bug table: a burst from one peer starved the others' keepalives).
 */
const FLUSH_CHUNK = 2000;
/** Most raw UPDATE bytes in one replica round (see roundLength). */
const ROUND_BYTES = 1024 * 1024;
const WITHDRAW_CHUNK = 5000;

const STATE_NAMES: Readonly<Record<FsmState, PeerState>> = {
  Idle: 'idle',
  Connect: 'connect',
  Active: 'active',
  OpenSent: 'open-sent',
  OpenConfirm: 'open-confirm',
  Established: 'established',
};

/** Per-peer runtime state. */
interface PeerRuntime {
  readonly id: number;
  config: PeerConfig;
  readonly session: BgpSession;
  established: NegotiatedSession | null;
  since: number | null;
  /** Changes waiting to be sent: prefix → attributes to announce, or null to withdraw. */
  pending: Map<PrefixKey, PathAttributes | null>;
  flushTimer: NodeJS.Timeout | null;
  lastFlush: number;
  maxPrefixWarned: boolean;
  restartTimer: NodeJS.Timeout | null;
  /** A flush continues in a later turn (chunked) or after the socket drains. */
  flushing: 'idle' | 'continuing' | 'waiting-for-drain';
  /** Send End-of-RIB once the pending changes are out (RFC 4724 §2). */
  endOfRibPending: boolean;
  /** A chunked withdrawal of this peer's previous table is under way (engine ops for it wait). */
  removal: Promise<void> | null;
  /** UPDATEs received while `removal` runs, applied after it (with their size in octets, for `input`). */
  deferred: { update: UpdateMessage; bytes: number }[];
  /** Received, not yet processed input (replica rounds, `deferred`): bounded, with TCP back-pressure. */
  input: InputBudget;
  /** Announced prefixes over an import limit (counted here; the decision is the replicas'/engine's). */
  limitRejected: number;
  limitLoggedAt: number;
  /** Why the session last went down (API). */
  lastError?: { reason: string; at: string };
}

/** The AS_PATH-length and attribute-size limits of a peer (its `limits` merged with the global ones). */
function importLimitsOf(p: PeerConfig): ImportLimits | undefined {
  const l = p.limits;
  if (!l || (l.maxAsPathLength === undefined && l.maxAttributeBytes === undefined)) return undefined;
  return { ...(l.maxAsPathLength !== undefined ? { maxAsPathLength: l.maxAsPathLength } : {}), ...(l.maxAttributeBytes !== undefined ? { maxAttributeBytes: l.maxAttributeBytes } : {}) };
}

function ipv4MappedIpv6(v4: string): string {
  return `::ffff:${v4}`;
}

/** Next-hop reachability from configured connected/static routes (longest match; RFC 4271 §9.1.2.1). */
function nextHopResolver(config: BtrdConfig): (nh: string) => { igpCost: number } | undefined {
  if (config.resolveAllNextHops) return () => ({ igpCost: 0 });
  const routes = config.routes
    .map((r) => ({ key: parsePrefix(r.prefix), cost: r.igpCost ?? 0 }))
    .sort((a, b) => {
      const la = typeof a.key === 'number' ? a.key % 64 : Number(a.key.slice(33));
      const lb = typeof b.key === 'number' ? b.key % 64 : Number(b.key.slice(33));
      return lb - la;
    });
  return (nh: string) => {
    let host: PrefixKey;
    try {
      host = parsePrefix(nh.includes(':') ? `${nh}/128` : `${nh}/32`);
    } catch {
      return undefined;
    }
    const hit = routes.find((r) => prefixContains(r.key, host));
    return hit ? { igpCost: hit.cost } : undefined;
  };
}

function sessionConfig(config: BtrdConfig, p: PeerConfig): SessionConfig {
  return {
    name: p.name,
    remoteAddress: p.address,
    remotePort: p.port,
    ...(p.localAddress ? { localAddress: p.localAddress } : {}),
    ...(p.localPort ? { localPort: p.localPort } : {}),
    localAs: p.localAs ?? config.asn,
    remoteAs: p.remoteAs,
    routerId: config.routerId,
    holdTime: p.holdTime,
    connectRetryTime: p.connectRetryTime,
    idleHoldTime: p.idleHoldTime,
    passive: p.passive,
    families: { ipv4: p.families.includes('ipv4-unicast'), ipv6: p.families.includes('ipv6-unicast') },
    addPathReceive: { ipv4: p.addPathReceive && p.families.includes('ipv4-unicast'), ipv6: p.addPathReceive && p.families.includes('ipv6-unicast') },
    // Replicated: the main thread only frames UPDATEs; the replicas parse them (DESIGN principle 1).
    rawUpdates: config.replicas > 1,
  };
}

/** What a peer's session depends on: a change here restarts the session; policy changes do not. */
function sessionIdentity(config: BtrdConfig, p: PeerConfig): string {
  const { import: _i, export: _e, maxPrefixes: _m, mrai: _r, ...rest } = p;
  return JSON.stringify([rest, config.asn, config.routerId]);
}

export class Speaker implements ApiProvider {
  private config: BtrdConfig;
  private engine: RoutingEngine;
  private manager: SessionManager;
  private readonly peers = new Map<string, PeerRuntime>();
  private nextPeerId = 1;
  private started = false;
  /**
   * replicas > 1: the decision process runs as voted replicas (lib/replica). Every operation on them is
   * serialised through `chain` so rounds, peer additions and removals are voted in arrival order.
   */
  private replicaSet: ReplicaSet | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** Received UPDATEs waiting for the next round, with the session they arrived on. */
  private pendingRound: { peerId: number; message: Uint8Array; session: NegotiatedSession; epoch: number }[] = [];
  /**
   * Round epochs: a peer addition or removal on the replicas starts a new epoch (sealRound), so UPDATEs
   * received before it are voted before it and UPDATEs received after it (e.g. from the new session of a
   * peer that flapped) after it — not swept into a round loop that runs ahead of the peer operation.
   */
  private epoch = 0;
  /** The epoch whose round loop is queued or running (-1: none). */
  private scheduledEpoch = -1;
  private replicaCounts: { paths: number; best: number; perPeer: Map<number, { received: number; accepted: number; advertised: number }> } = { paths: 0, best: 0, perPeer: new Map() };
  private countsRefreshedAt = 0;
  private countsQuery: Promise<void> = Promise.resolve();
  /**
   * Progress of each peer's initial table (Established → its first End-of-RIB, RFC 4724 §2): a log line
   * every 5 s with UPDATEs received and the rate, and a final one. The total is unknown, so no ETA.
   */
  private readonly initialTables = new Map<PeerRuntime, { progress: Progress; last: number }>();

  /** A peer without End-of-RIB (no graceful restart): its initial table ends at the first 2 s pause. */
  private countInitialTable(rt: PeerRuntime): void {
    const t = this.initialTables.get(rt);
    if (t === undefined) return;
    const now = performance.now();
    if (now - t.last > 2000 && t.progress.count > 0) {
      t.progress.finish();
      this.initialTables.delete(rt);
      return;
    }
    t.last = now;
    t.progress.add();
  }
  /** The FIB (lib/fib/writer.ts): every Loc-RIB change dispatched goes here, then to the backends. */
  private fibWriter: FibWriter | null = null;
  /** Import-limit verdicts per received (interned) attribute set, for logging and counting only. */
  private readonly limitVerdicts = new WeakMap<PathAttributes, LimitVerdict>();

  constructor(config: BtrdConfig, private readonly logger: Logger) {
    this.config = config;
    this.engine = this.newEngine(config);
    this.manager = new SessionManager({ listen: config.listen, logger: logger.child({ component: 'sessions' }) });
  }

  private newEngine(config: BtrdConfig): RoutingEngine {
    return new RoutingEngine({
      asn: config.asn,
      routerId: config.routerId,
      ...(config.clusterId ? { clusterId: config.clusterId } : {}),
      alwaysCompareMed: config.decision.alwaysCompareMed,
      deterministicMed: config.decision.deterministicMed,
      resolveNextHop: nextHopResolver(config),
    });
  }

  async start(): Promise<void> {
    const f = this.config.fib;
    if (f !== null) {
      this.fibWriter = new FibWriter({ backends: f.backends, kernel: f.kernel, ...(f.mrt ? { mrt: f.mrt } : {}), audit: f.audit }, this.logger.child({ component: 'fib' }));
      await this.fibWriter.start();
    }
    if (this.config.replicas > 1) {
      await this.startReplicas();
      this.fibWriter?.attachReplicas(this.replicaSet!, (fn) => this.exclusive(fn));
    }
    await this.manager.listen();
    for (const p of this.config.peers) this.addPeer(p);
    this.started = true;
    this.logger.info({ asn: this.config.asn, routerId: this.config.routerId, listen: this.config.listen, peers: this.config.peers.length }, 'speaker started');
  }

  /** Cease / Administrative Shutdown (RFC 4486 §4 subcode 2) to every peer, with `message` as the RFC 9003 Shutdown Communication. */
  async stop(message = 'daemon shutting down'): Promise<void> {
    this.started = false;
    // The FIB first: the withdrawals of the peers removed below must not empty the kernel table when
    // fib.kernel.on-shutdown is keep.
    await this.fibWriter?.stop();
    await Promise.all([...this.peers.values()].map((rt) => this.removePeer(rt, message)));
    await this.manager.close();
    await this.chain.catch(() => undefined);
    await this.countsQuery;
    if (this.replicaSet) {
      await this.replicaSet.close();
      this.replicaSet = null;
    }
    this.logger.info('speaker stopped');
  }

  /** Apply a new configuration: peers added/removed/restarted as needed, policies re-applied in place. */
  async reload(next: BtrdConfig): Promise<void> {
    const old = this.config;
    if (next.asn !== old.asn || next.routerId !== old.routerId || JSON.stringify(next.listen) !== JSON.stringify(old.listen) || JSON.stringify(next.decision) !== JSON.stringify(old.decision) || JSON.stringify(next.routes) !== JSON.stringify(old.routes) || next.clusterId !== old.clusterId || next.replicas !== old.replicas || JSON.stringify(next.replication) !== JSON.stringify(old.replication)) {
      // Global identity or decision inputs changed: start over with a fresh engine and listeners.
      await this.stop();
      this.config = next;
      this.engine = this.newEngine(next);
      this.manager = new SessionManager({ listen: next.listen, logger: this.logger.child({ component: 'sessions' }) });
      await this.start();
      return;
    }
    this.config = next;
    const wanted = new Map(next.peers.map((p) => [p.name, p]));
    for (const rt of [...this.peers.values()]) {
      const p = wanted.get(rt.config.name);
      if (!p) await this.removePeer(rt, 'peer removed from the configuration', CeaseSubcode.PeerDeconfigured);
      else if (sessionIdentity(next, p) !== sessionIdentity(old, rt.config)) {
        await this.removePeer(rt, 'peer configuration changed', CeaseSubcode.OtherConfigurationChange);
        this.addPeer(p);
      } else {
        const policiesChanged = JSON.stringify([p.import, p.export]) !== JSON.stringify([rt.config.import, rt.config.export]);
        rt.config = p;
        if (policiesChanged && rt.established) {
          if (this.replicaSet) {
            // The replicas take policies with the peer: re-add it (the session restarts).
            await this.removePeer(rt, 'policy changed (replicated decision: peer re-added)', CeaseSubcode.OtherConfigurationChange);
            this.addPeer(p);
          } else this.dispatch(this.engine.setPolicies(rt.id, p.import, p.export));
        }
      }
    }
    for (const p of next.peers) if (!this.peers.has(p.name)) this.addPeer(p);
    this.logger.info({ peers: next.peers.length }, 'configuration reloaded');
  }

  // ── replicas ───────────────────────────────────────────────────────────────────────────────────

  private async startReplicas(): Promise<void> {
    const c = this.config;
    const r = c.replication;
    const knobs: ReplicaKnobs[] = r.knobs.map((k) => ({
      impl: k.impl,
      ...(k.orderSeed !== undefined ? { orderSeed: k.orderSeed } : {}),
      ...(k.tiebreakSeed !== undefined ? { tiebreakSeed: k.tiebreakSeed } : {}),
      ...(k.delayMs !== undefined ? { delayMs: k.delayMs } : {}),
      ...(k.jitterMs !== undefined ? { jitterMs: k.jitterMs } : {}),
      ...(k.prefixes ? { prefixes: k.prefixes } : {}),
      layout: {
        ...(k.reverseScan !== undefined ? { reverseScan: k.reverseScan } : {}),
        ...(k.padEveryUpdates !== undefined ? { padEveryUpdates: k.padEveryUpdates } : {}),
        ...(k.padBytes !== undefined ? { padBytes: k.padBytes } : {}),
        ...(k.maxOldGenerationMb !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: k.maxOldGenerationMb } } : {}),
      },
      ...(k.fault ? { fault: k.fault } : {}),
    }));
    this.replicaSet = new ReplicaSet({
      engine: {
        asn: c.asn,
        routerId: c.routerId,
        ...(c.clusterId ? { clusterId: c.clusterId } : {}),
        alwaysCompareMed: c.decision.alwaysCompareMed,
        deterministicMed: c.decision.deterministicMed,
        resolveNextHop: c.resolveAllNextHops ? { all: true } : { routes: c.routes.map((x) => ({ prefix: x.prefix, igpCost: x.igpCost ?? 0 })) },
      },
      replicas: knobs.slice(0, c.replicas),
      ...(r.spares > 0 ? { spares: knobs.slice(c.replicas) } : {}),
      mode: r.mode,
      ...(r.k !== undefined ? { k: r.k } : {}),
      roundDeadlineMs: r.roundDeadlineMs,
      maxRoundUpdates: r.maxRoundUpdates,
      ribTree: this.config.fib !== null,
      onCorrection: (d) => {
        countVotes('corrected', locRibChanges(d));
        this.dispatch(d);
      },
      onSlowRound: (round, waitedMs) => this.logger.warn({ round, waitedMs }, 'no replica has answered the round yet: overloaded; the hang verdict waits'),
      onFailover: (r) => void this.fibWriter?.failover(r).catch((err: unknown) => this.logger.error({ err, replica: r }, 'fib: fail-over rewrite failed')),
      controller: r.controller,
      logger: this.logger.child({ component: 'replica-controller' }),
    });
    await this.replicaSet.start();
    this.logger.info({ replicas: c.replicas, spares: r.spares, mode: r.mode, knobs: r.knobs }, 'decision replicas started');
  }

  /** Run `op` on the replicas after everything queued before it (rounds are voted strictly in order). */
  private onReplicas(what: string, op: (set: ReplicaSet) => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      const set = this.replicaSet;
      if (!set) return;
      try {
        await op(set);
      } catch (err) {
        this.logger.error({ err, op: what }, 'replica operation failed');
      }
    });
  }

  /** Run `fn` in the replica queue (no round in flight meanwhile): the FIB audit and fail-over rewrite. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Queue a received UPDATE for the next round; a round starts when the previous one has been voted. */
  private enqueueRound(rt: PeerRuntime, frame: Frame): void {
    // Copy: the frame is a view into a socket chunk, and the round is written to shared memory later.
    this.pendingRound.push({ peerId: rt.id, message: frame.message.slice(), session: rt.established!, epoch: this.epoch });
    this.fibWriter?.noteInput();
    // Bounded: this peer's queued octets count until their round has been voted (back-pressure above).
    rt.input.take(frame.message.length, rt.established?.maxMessageLength ?? 4096);
    if (this.scheduledEpoch === this.epoch) return;
    const epoch = (this.scheduledEpoch = this.epoch);
    this.onReplicas('round', async (set) => {
      for (let n = this.roundLength(epoch); n > 0; n = this.roundLength(epoch)) {
        const batch = this.pendingRound.splice(0, n);
        try {
          this.dispatchVoted(await set.applyRound(batch), batch);
        } finally {
          this.releaseInput(batch);
        }
      }
      if (this.scheduledEpoch === epoch) this.scheduledEpoch = -1;
      // Max-prefix needs fresh counts after every round; otherwise they are refreshed at most every 250 ms.
      await this.refreshReplicaCounts([...this.peers.values()].some((p) => p.established && p.config.maxPrefixes));
    });
  }

  /**
   * Entries of the next round: at most max-round-updates UPDATEs and ROUND_BYTES of them (2,000 UPDATEs of
   * 64 KB — RFC 8654 — would be a 128 MB round: tens of seconds per replica, and a round is all-or-nothing).
   */
  private roundLength(epoch: number): number {
    const max = Math.min(this.pendingRound.length, this.config.replication.maxRoundUpdates);
    let bytes = 0;
    for (let i = 0; i < max; i++) {
      if (this.pendingRound[i].epoch > epoch) return i;
      bytes += this.pendingRound[i].message.length;
      if (bytes > ROUND_BYTES && i > 0) return i;
    }
    return max;
  }

  /** UPDATEs received from now on are voted after the replica operation about to be queued. */
  private sealRound(): void {
    this.epoch++;
  }

  /** A round's input has been processed: give its octets back to each peer's budget (may resume reading). */
  private releaseInput(batch: readonly { peerId: number; message: Uint8Array }[]): void {
    const perPeer = new Map<number, number>();
    for (const m of batch) perPeer.set(m.peerId, (perPeer.get(m.peerId) ?? 0) + m.message.length);
    for (const [id, bytes] of perPeer) this.byId(id)?.input.release(bytes);
  }

  /** `batch`: the round's entries (input errors name them by index). */
  private dispatchVoted(d: VotedDelta, batch?: readonly { session: NegotiatedSession }[]): void {
    if (d.noQuorum.length > 0) this.logger.warn({ round: d.round, prefixes: d.noQuorum.length }, 'no quorum for some prefixes: previous voted state kept');
    for (const e of d.inputErrors) this.onVotedInputError(e, batch?.[e.index]?.session ?? null);
    countVotes('decided', locRibChanges(d));
    countVotes('no-quorum', d.noQuorum.length);
    this.dispatch(d, true);
  }

  /** The replicas' voted verdict on a malformed UPDATE (they parse; the main thread only frames). */
  private onVotedInputError(e: InputError, arrivedOn: NegotiatedSession | null): void {
    const rt = this.byId(e.peerId);
    const peer = rt?.config.name ?? `#${e.peerId}`;
    if (e.kind === 'import-limit') {
      if (rt) this.noteLimitRejects(rt, e.message as LimitVerdict, e.prefixes ?? 0);
      return;
    }
    if (e.kind !== 'session-reset') {
      this.logger.warn({ peer, kind: e.kind, issues: e.message }, e.kind === 'unknown-peer' ? 'replicas got an UPDATE of an unknown peer' : 'RFC 7606 error handling applied');
      return;
    }
    this.logger.error({ peer, code: e.code, subcode: e.subcode, error: e.message }, 'malformed UPDATE (voted by the replicas): resetting the session');
    // Nothing more from this session is processed (RFC 4271 §6): drop its queued input.
    const dropped = this.pendingRound.filter((x) => x.peerId === e.peerId && x.session === arrivedOn);
    const kept = this.pendingRound.filter((x) => x.peerId !== e.peerId || x.session !== arrivedOn);
    this.pendingRound.splice(0, this.pendingRound.length, ...kept);
    this.releaseInput(dropped);
    // Only the session the UPDATE arrived on: it may have gone down and come back while the round was voted.
    if (rt?.established && rt.established === arrivedOn) rt.session.shutdownWithNotification(e.code, e.subcode, e.data ?? new Uint8Array(0));
  }

  private refreshReplicaCounts(force: boolean): Promise<void> {
    const set = this.replicaSet;
    if (!set || (!force && Date.now() - this.countsRefreshedAt < 250)) return Promise.resolve();
    this.countsRefreshedAt = Date.now();
    const q = this.queryReplicaCounts(set);
    // stop() waits for it: destroying a pool under a running query makes Piscina throw asynchronously.
    this.countsQuery = q.catch(() => undefined);
    return q;
  }

  private async queryReplicaCounts(set: ReplicaSet): Promise<void> {
    const c = await set.counts();
    this.replicaCounts = { paths: c.paths, best: c.best, perPeer: new Map(c.perPeer.map(([id, received, accepted, advertised]) => [id, { received, accepted, advertised }])) };
    for (const rt of this.peers.values()) if (rt.established && rt.config.maxPrefixes) this.checkMaxPrefixes(rt);
  }

  // ── peers ──────────────────────────────────────────────────────────────────────────────────────

  private addPeer(p: PeerConfig): void {
    const log = this.logger.child({ peer: p.name, address: p.address });
    const session = new BgpSession(sessionConfig(this.config, p), { logger: log });
    const input = new InputBudget(session, p.limits?.maxQueuedInputBytes ?? DEFAULT_MAX_QUEUED_INPUT_BYTES);
    const rt: PeerRuntime = { id: this.nextPeerId++, config: p, session, established: null, since: null, pending: new Map(), flushTimer: null, lastFlush: 0, maxPrefixWarned: false, restartTimer: null, flushing: 'idle', endOfRibPending: false, removal: null, deferred: [], input, limitRejected: 0, limitLoggedAt: 0 };
    this.peers.set(p.name, rt);
    session.on('established', (n) => this.guard(rt, () => this.onEstablished(rt, n)));
    session.on('update', (u, frame) => {
      this.countInitialTable(rt);
      this.guard(rt, () => this.onUpdate(rt, u, frame));
    });
    session.on('raw-update', (frame) => this.guard(rt, () => {
      this.countInitialTable(rt);
      if (rt.established) this.enqueueRound(rt, frame);
    }));
    session.on('end-of-rib', (afi, safi) => {
      log.info({ afi, safi }, 'End-of-RIB received');
      this.initialTables.get(rt)?.progress.finish();
      this.initialTables.delete(rt);
    });
    session.on('established', () => this.initialTables.set(rt, { progress: new Progress({ label: `initial table from ${p.name}`, unit: 'UPDATEs', log: (fields, msg) => log.info(fields, msg) }), last: performance.now() }));
    session.on('down', () => this.initialTables.delete(rt));
    session.on('route-refresh', (afi, safi) => this.guard(rt, () => this.onRouteRefresh(rt, afi, safi)));
    session.on('down', (reason, detail) => this.guard(rt, () => this.onDown(rt, reason, detail)));
    session.on('drain', () => {
      if (rt.flushing === 'waiting-for-drain') this.guard(rt, () => this.flush(rt));
    });
    this.manager.add(session);
    session.start();
  }

  /** RFC 4486 subcodes: 6/2 shutdown, 6/3 peer de-configured, 6/6 other configuration change. */
  private async removePeer(rt: PeerRuntime, why: string, subcode: number = CeaseSubcode.AdministrativeShutdown): Promise<void> {
    this.peers.delete(rt.config.name);
    if (rt.restartTimer) clearTimeout(rt.restartTimer);
    if (rt.flushTimer) clearTimeout(rt.flushTimer);
    await rt.session.stop(subcode, why);
    this.manager.remove(rt.session);
    if (rt.established) {
      rt.established = null;
      this.withdrawPeer(rt.id);
    }
  }

  private withdrawPeer(id: number): void {
    if (this.replicaSet) {
      this.sealRound();
      this.onReplicas('remove-peer', async (set) => this.dispatchVoted(await set.removePeer(id)));
      return;
    }
    const rt = this.byId(id) ?? null;
    const received = this.engine.counts().perPeer.get(id)?.received ?? 0;
    if (received <= WITHDRAW_CHUNK || !rt) {
      this.dispatch(this.engine.removePeer(id));
      return;
    }
    // A full table: withdraw it in chunks, one per event-loop turn, then remove the (now empty) peer.
    const paths = [...this.engine.adjRibIn(id)].map((r) => [r.prefix, r.pathId] as const);
    const previous = rt.removal ?? Promise.resolve();
    const removal = previous.then(async () => {
      try {
        await this.withdrawChunks(id, paths);
      } catch (err) {
        this.logger.error({ err, peerId: id }, 'withdrawing a departed peer failed');
      }
    });
    const tracked: Promise<void> = removal.finally(() => {
      if (rt.removal === tracked) rt.removal = null;
    });
    rt.removal = tracked;
  }

  private async withdrawChunks(id: number, paths: readonly (readonly [PrefixKey, number])[]): Promise<void> {
    for (let at = 0; at < paths.length; at += WITHDRAW_CHUNK) {
      const chunk = paths.slice(at, at + WITHDRAW_CHUNK);
      const v4 = chunk.filter(([k]) => typeof k === 'number');
      const v6 = chunk.filter(([k]) => typeof k === 'string');
      const u: UpdateMessage = {
        withdrawn: v4.map(([k]) => k),
        withdrawnPathIds: v4.map(([, p]) => p),
        attributes: null,
        nlri: [],
        nlriPathIds: undefined,
        mpReach: undefined,
        mpUnreach: v6.length > 0 ? { afi: 2, safi: 1, withdrawn: v6.map(([k]) => k), pathIds: v6.map(([, p]) => p) } : undefined,
        treatment: 'none',
        issues: [],
      };
      this.dispatch(this.engine.applyUpdate(id, u));
      await new Promise<void>((r) => setImmediate(r));
    }
    this.dispatch(this.engine.removePeer(id));
  }

  /** A bug in handling one peer's event must not take down the daemon or other sessions. */
  private guard(rt: PeerRuntime, f: () => void): void {
    try {
      f();
    } catch (err) {
      this.logger.error({ err, peer: rt.config.name }, 'internal error while handling a peer event; resetting the session');
      rt.session.shutdownWithNotification(ErrorCode.Cease, CeaseSubcode.OutOfResources);
    }
  }

  private onEstablished(rt: PeerRuntime, n: NegotiatedSession): void {
    rt.established = n;
    rt.since = Date.now();
    rt.maxPrefixWarned = false;
    const p = rt.config;
    const localIsV6 = n.localAddress.includes(':');
    const enginePeer: EnginePeer = {
      id: rt.id,
      name: p.name,
      address: n.remoteAddress,
      asn: n.peerAs,
      localAs: p.localAs ?? this.config.asn,
      routerId: n.peerBgpId,
      ebgp: n.peerAs !== (p.localAs ?? this.config.asn),
      routeReflectorClient: p.routeReflectorClient,
      routeServerClient: p.routeServerClient,
      families: n.families,
      codec: n.codec,
      nextHopSelf: p.nextHopSelf,
      localAddress: {
        ipv4: p.nextHopAddress?.ipv4 ?? (localIsV6 ? undefined : n.localAddress),
        // An IPv6 next hop over an IPv4 session: the IPv4-mapped address unless one is configured.
        ipv6: p.nextHopAddress?.ipv6 ?? (localIsV6 ? n.localAddress : ipv4MappedIpv6(n.localAddress)),
      },
      importPolicy: p.import,
      exportPolicy: p.export,
      ...(importLimitsOf(p) ? { importLimits: importLimitsOf(p) } : {}),
    };
    this.logger.info({ peer: p.name, peerAs: n.peerAs, peerId: n.peerBgpId, hold: n.holdTime, families: n.families }, 'session established');
    // RFC 4724 §2: End-of-RIB after the initial table, per negotiated family (sent even without GR).
    const endOfRib = (): void => {
      if (rt.established !== n) return;
      rt.endOfRibPending = true;
      this.flush(rt);
    };
    if (this.replicaSet) {
      this.sealRound();
      this.onReplicas('add-peer', async (set) => {
        this.dispatchVoted(await set.addPeer(enginePeer));
        endOfRib();
      });
      return;
    }
    const add = (): void => {
      if (rt.established !== n) return;
      this.dispatch(this.engine.addPeer(enginePeer));
      endOfRib();
      const deferred = rt.deferred;
      rt.deferred = [];
      for (const d of deferred) {
        rt.input.release(d.bytes);
        this.onUpdate(rt, d.update, null);
      }
    };
    // The previous session's table may still be leaving the engine (chunked): add the peer after it.
    if (rt.removal) void rt.removal.then(() => this.guard(rt, add));
    else add();
  }

  private onUpdate(rt: PeerRuntime, u: UpdateMessage, frame: Frame | null): void {
    if (!rt.established) return;
    if (rt.removal && !this.replicaSet) {
      const bytes = frame?.message.length ?? 0;
      rt.deferred.push({ update: u, bytes });
      rt.input.take(bytes, rt.established.maxMessageLength);
      return;
    }
    if (u.treatment !== 'none') {
      this.logger.warn({ peer: rt.config.name, treatment: u.treatment, issues: u.issues.map((i) => i.reason) }, 'RFC 7606 error handling applied');
    }
    this.countLimitRejects(rt, u);
    if (this.replicaSet && frame) {
      // The replicas decode the raw bytes themselves (DESIGN principle 1); the session's decode only
      // classified session-reset errors.
      this.enqueueRound(rt, frame);
      return;
    }
    this.dispatch(this.engine.applyUpdate(rt.id, u));
    this.checkMaxPrefixes(rt);
  }

  /**
   * Log and count announcements over an import limit. Only observes: the engine or the replicas apply the
   * same function (lib/policy/limits.ts) where import policy runs, and decide there.
   */
  private countLimitRejects(rt: PeerRuntime, u: UpdateMessage): void {
    const limits = importLimitsOf(rt.config);
    const n = rt.established;
    if (!limits || !u.attributes || !n) return;
    let verdict = this.limitVerdicts.get(u.attributes);
    if (verdict === undefined) {
      verdict = checkImportLimits(u.attributes, limits, n.codec);
      this.limitVerdicts.set(u.attributes, verdict);
    }
    if (verdict === 'within-limits') return;
    this.noteLimitRejects(rt, verdict, u.nlri.length + (u.mpReach?.nlri.length ?? 0));
  }

  /** Count (and log, rate-limited) announcements over an import limit: from the engine's path or the replicas' vote. */
  private noteLimitRejects(rt: PeerRuntime, verdict: LimitVerdict, prefixes: number): void {
    const limits = importLimitsOf(rt.config);
    rt.limitRejected += prefixes;
    // At most one line per peer per second: a peer sending a table of long paths must not flood the log.
    if (Date.now() - rt.limitLoggedAt >= 1000) {
      rt.limitLoggedAt = Date.now();
      this.logger.warn({ peer: rt.config.name, verdict, prefixes, totalRejected: rt.limitRejected, limits }, 'route over an import limit: not accepted (treated as withdraw)');
    }
  }

  private acceptedPaths(rt: PeerRuntime): number {
    if (this.replicaSet) return this.replicaCounts.perPeer.get(rt.id)?.accepted ?? 0;
    return this.engine.counts().perPeer.get(rt.id)?.accepted ?? 0;
  }

  /** RFC 4486 §4: Maximum Number of Prefixes Reached; data = AFI, SAFI, the configured upper bound. */
  private checkMaxPrefixes(rt: PeerRuntime): void {
    const mp = rt.config.maxPrefixes;
    if (!mp) return;
    const accepted = this.acceptedPaths(rt);
    if (!rt.maxPrefixWarned && accepted * 100 >= mp.limit * mp.warningPercent) {
      rt.maxPrefixWarned = true;
      this.logger.warn({ peer: rt.config.name, accepted, limit: mp.limit }, 'max-prefix warning threshold reached');
    }
    if (accepted <= mp.limit) return;
    this.logger.error({ peer: rt.config.name, accepted, limit: mp.limit, restartAfter: mp.restartAfter ?? null }, 'max-prefix limit exceeded: closing the session');
    const data = new Uint8Array(7);
    data[1] = 1; // AFI IPv4 (the limit counts all families; RFC 4486 names one)
    data[2] = 1; // SAFI unicast
    new DataView(data.buffer).setUint32(3, mp.limit);
    rt.session.shutdownWithNotification(ErrorCode.Cease, CeaseSubcode.MaximumPrefixesReached, data);
    // Stay down until restart-after (or until an operator resets the peer when it is not set). The stop
    // waits a turn: the session handles the AutomaticStop above (NOTIFICATION written, then the graceful
    // close) after this UPDATE's handler returns; a ManualStop now would close the socket before it.
    setImmediate(() => void rt.session.stop(CeaseSubcode.MaximumPrefixesReached, 'maximum number of prefixes reached'));
    if (mp.restartAfter !== undefined) {
      rt.restartTimer = setTimeout(() => {
        rt.restartTimer = null;
        if (this.peers.get(rt.config.name) === rt) rt.session.start();
      }, mp.restartAfter * 1000);
      rt.restartTimer.unref();
    }
  }

  private onRouteRefresh(rt: PeerRuntime, afi: number, safi: number): void {
    if (!rt.established || safi !== 1) return;
    // RFC 2918 §4: re-send the Adj-RIB-Out of the requested family.
    const send = (announce: Map<PrefixKey, PathAttributes>): void => {
      const n = rt.established;
      if (!n) return;
      const fam = { ipv4: afi === 1, ipv6: afi === 2 };
      for (const m of this.pack(rt, { ...n, families: fam }, announce, new Set())) rt.session.sendUpdate(m);
      this.logger.info({ peer: rt.config.name, afi, prefixes: announce.size }, 'route refresh answered');
    };
    if (this.replicaSet) this.onReplicas('adj-rib-out', async (set) => send((await set.adjRibOut(rt.id)).announce));
    else send(this.engine.adjRibOut(rt.id).announce);
  }

  private onDown(rt: PeerRuntime, reason: string, detail: { notificationSent?: { code: number; subcode: number; data: Uint8Array }; notificationReceived?: { code: number; subcode: number; data: Uint8Array } }): void {
    const wasUp = rt.established !== null;
    rt.established = null;
    rt.since = null;
    rt.pending.clear();
    rt.flushing = 'idle';
    rt.endOfRibPending = false;
    // UPDATEs deferred behind a previous table's withdrawal belong to this session, which is gone: they
    // must not be applied to the next one.
    for (const d of rt.deferred) rt.input.release(d.bytes);
    rt.deferred = [];
    if (rt.flushTimer) {
      clearTimeout(rt.flushTimer);
      rt.flushTimer = null;
    }
    this.logger.warn(
      {
        peer: rt.config.name,
        reason,
        ...(detail.notificationSent ? { notificationSent: formatNotification(detail.notificationSent) } : {}),
        ...(detail.notificationReceived ? { notificationReceived: formatNotification(detail.notificationReceived) } : {}),
      },
      'session down',
    );
    rt.lastError = { reason: detail.notificationSent ? `sent ${formatNotification(detail.notificationSent)}` : detail.notificationReceived ? `received ${formatNotification(detail.notificationReceived)}` : reason, at: new Date().toISOString() };
    if (wasUp && this.started) this.withdrawPeer(rt.id);
  }

  // ── output ─────────────────────────────────────────────────────────────────────────────────────

  private byId(id: number): PeerRuntime | undefined {
    for (const rt of this.peers.values()) if (rt.id === id) return rt;
    return undefined;
  }

  /**
   * Queue a delta's per-peer changes; they leave at the end of this turn or at the peer's MRAI. `owned`: the
   * delta's maps are used by nobody after this (a voted round's delta, fresh per round): a peer with nothing
   * pending takes the announce map itself as its pending map, instead of a copy made prefix by prefix (a
   * full table exported is 10^6 inserts per peer).
   */
  private dispatch(delta: EngineDelta, owned = false): void {
    this.fibWriter?.applyLocRib(delta.locRib);
    // The engine's delta builds its per-peer Map only when something was exported (a table from a peer
    // nobody is exported to would allocate one per UPDATE).
    if (delta instanceof RibDelta && !delta.hasOut) return;
    for (const [peerId, out] of delta.out) {
      const rt = this.byId(peerId);
      if (!rt || !rt.established) continue;
      if (owned && rt.pending.size === 0 && out.withdraw.size === 0) rt.pending = out.announce;
      else {
        for (const prefix of out.withdraw) rt.pending.set(prefix, null);
        for (const [prefix, attrs] of out.announce) rt.pending.set(prefix, attrs);
      }
      this.scheduleFlush(rt);
    }
  }

  private scheduleFlush(rt: PeerRuntime): void {
    if (rt.flushTimer || rt.flushing !== 'idle' || rt.pending.size === 0) return;
    // RFC 4271 §9.2.1.1: MinRouteAdvertisementIntervalTimer per peer (0 = send at once).
    const wait = Math.max(0, rt.lastFlush + rt.config.mrai * 1000 - Date.now());
    rt.flushTimer = setTimeout(() => {
      rt.flushTimer = null;
      this.guard(rt, () => this.flush(rt));
    }, wait);
  }

  /**
   * Send pending changes: at most FLUSH_CHUNK prefixes per turn, and not faster than the peer reads
   * (TCP back-pressure: wait for 'drain'), so a full table to one peer neither blocks the event loop nor
   * piles up in memory. End-of-RIB goes out once everything pending before it has been sent.
   */
  private flush(rt: PeerRuntime): void {
    if (rt.flushTimer) {
      clearTimeout(rt.flushTimer);
      rt.flushTimer = null;
    }
    rt.flushing = 'idle';
    const n = rt.established;
    if (!n) return;
    if (rt.pending.size > 0) {
      const announce = new Map<PrefixKey, PathAttributes>();
      const withdraw = new Set<PrefixKey>();
      let taken = 0;
      for (const [prefix, attrs] of rt.pending) {
        if (taken++ === FLUSH_CHUNK) break;
        if (attrs) announce.set(prefix, attrs);
        else withdraw.add(prefix);
        rt.pending.delete(prefix);
      }
      rt.lastFlush = Date.now();
      let open = true;
      for (const m of this.pack(rt, n, announce, withdraw)) open = rt.session.sendUpdate(m) && open;
      if (!open) {
        rt.flushing = 'waiting-for-drain';
        return;
      }
      if (rt.pending.size > 0) {
        rt.flushing = 'continuing';
        setImmediate(() => this.guard(rt, () => this.flush(rt)));
        return;
      }
    }
    if (rt.endOfRibPending) {
      rt.endOfRibPending = false;
      if (n.families.ipv4) rt.session.sendEndOfRib(1, 1);
      if (n.families.ipv6) rt.session.sendEndOfRib(2, 1);
    }
  }

  /**
   * packUpdates, except that a route whose attributes cannot fit in one message for this peer (e.g. a
   * 1,100-AS path re-encoded with 4-octet ASNs, no RFC 8654 extended messages) is not advertised: it is
   * withdrawn from this peer instead (never sent half-encoded), and logged. Found by the fuzz campaign.
   */
  private pack(rt: PeerRuntime, n: NegotiatedSession, announce: Map<PrefixKey, PathAttributes>, withdraw: Set<PrefixKey>): Uint8Array[] {
    const opts = { maxMessageLength: n.maxMessageLength, families: n.families };
    try {
      return packUpdates({ announce, withdraw }, n.codec, opts);
    } catch (err) {
      if (!(err instanceof PackError)) throw err;
    }
    const out: Uint8Array[] = [];
    const groups = new Map<PathAttributes, Map<PrefixKey, PathAttributes>>();
    for (const [prefix, attrs] of announce) {
      let g = groups.get(attrs);
      if (!g) groups.set(attrs, (g = new Map()));
      g.set(prefix, attrs);
    }
    const unsendable = new Set(withdraw);
    for (const g of groups.values()) {
      try {
        for (const m of packUpdates({ announce: g, withdraw: new Set() }, n.codec, opts)) out.push(m);
      } catch (err) {
        if (!(err instanceof PackError)) throw err;
        this.logger.warn({ peer: rt.config.name, prefixes: g.size, err: err.message }, 'route attributes too large for this peer: withdrawn instead of advertised');
        for (const p of g.keys()) unsendable.add(p);
      }
    }
    for (const m of packUpdates({ announce: new Map(), withdraw: unsendable }, n.codec, opts)) out.push(m);
    return out;
  }

  // ── ApiProvider ────────────────────────────────────────────────────────────────────────────────

  summary(): RibSummary {
    if (this.replicaSet) {
      // A replica may fail while answering (it is then restarted or retired): keep the previous counts.
      this.refreshReplicaCounts(false).catch((err: unknown) => this.logger.warn({ err }, 'replica counts unavailable'));
      return { paths: this.replicaCounts.paths, best: this.replicaCounts.best };
    }
    const c = this.engine.counts();
    return { paths: c.paths, best: c.best };
  }

  neighbors(): NeighborStatus[] {
    if (this.replicaSet) void this.refreshReplicaCounts(false);
    const counts: Map<number, { received: number; accepted: number; advertised: number }> = this.replicaSet ? this.replicaCounts.perPeer : this.engine.counts().perPeer;
    const byType = (c: readonly number[]): MessageCountsJson => ({ open: c[1], update: c[2], notification: c[3], keepalive: c[4], 'route-refresh': c[5] });
    return [...this.peers.values()].map((rt) => {
      const c = counts.get(rt.id);
      return {
        name: rt.config.name,
        address: rt.config.address,
        remoteAs: rt.config.remoteAs,
        state: STATE_NAMES[rt.session.state],
        uptimeSeconds: rt.since === null ? null : Math.round((Date.now() - rt.since) / 1000),
        prefixesReceived: c?.received ?? 0,
        prefixesAccepted: c?.accepted ?? 0,
        prefixesAdvertised: c?.advertised ?? 0,
        lastError: rt.lastError ?? null,
        messagesIn: byType(rt.session.messageCounts.received),
        messagesOut: byType(rt.session.messageCounts.sent),
        input: rt.input.status(),
        limitRejected: rt.limitRejected,
      };
    });
  }

  async routes(q: RouteQuery): Promise<RouteQueryResult> {
    if (q.kind === 'peer' && !this.byId(q.peerId)?.established) return { total: 0, entries: [], replica: null };
    const res = this.replicaSet ? await this.replicaSet.routes(q) : queryRoutes(engineRouteSource(this.engine), q);
    const names = new Map([...this.peers.values()].map((rt) => [rt.id, rt.config.name]));
    for (const e of res.entries) for (const r of [e.best, ...(e.candidates ?? [])]) if (r) r.peer = names.get(r.peerId) ?? `#${r.peerId}`;
    return res;
  }

  /** Peer id by configured name (API route queries by peer). */
  peerId(name: string): number | undefined {
    return this.peers.get(name)?.id;
  }

  async replicaStatus(): Promise<ReplicaStatusJson[]> {
    const set = this.replicaSet;
    if (!set) return [];
    const health = set.controllerStatus().replicas;
    return set.status().map((r) => {
      const h = health.find((x) => x.index === r.index);
      const v = h?.lastVerdict;
      return {
        ...r,
        knobs: { ...r.knobs },
        restarts: h?.restarts ?? 0,
        lastVerdict: v ? { cause: v.cause, evidence: v.evidence, round: v.round, at: new Date(v.at).toISOString() } : null,
        heapUsedBytes: h && h.heapUsedMb > 0 ? Math.round(h.heapUsedMb * 1048576) : null,
      };
    });
  }

  voter(): VoterStatusJson {
    const set = this.replicaSet;
    if (!set) return { replicated: false, mode: null, k: null, master: null, rounds: 0, quorumMisses: 0, failovers: 0, disagreements: 0, recent: [], restartsByCause: {}, verdictsByCause: {}, voting: 1, quorum: 1, degraded: false, degradedReason: null, quarantinedTotal: 0, spares: { configured: 0, ready: 0, promotions: 0 } };
    const v = set.voterStatus();
    const c = set.controllerStatus();
    return {
      replicated: true,
      ...v,
      disagreements: set.status().reduce((s, r) => s + r.disagreements, 0),
      recent: set.disagreements().slice(-20).map((d) => ({ round: d.round, prefix: formatPrefix(d.prefix), replicas: d.values.filter((x) => x.outcome !== d.voted).map((x) => x.replica) })),
      restartsByCause: { ...c.restarts },
      verdictsByCause: { ...c.verdicts },
      voting: c.voting,
      quorum: c.quorum,
      degraded: c.degraded,
      degradedReason: c.degradedReason,
      quarantinedTotal: c.quarantinedTotal,
      spares: { ...c.spares },
    };
  }

  /** Quarantined UPDATEs (the controller's list; empty with one decision process). */
  quarantine(): QuarantineEntryJson[] {
    const set = this.replicaSet;
    if (!set) return [];
    return set.controllerStatus().quarantine.map((q) => ({
      since: new Date(q.at).toISOString(),
      peer: this.byId(q.peerId)?.config.name ?? `#${q.peerId}`,
      round: q.round,
      prefixes: [...q.prefixes],
      reason: q.reason,
      hits: q.hits,
      hex: q.hex,
    }));
  }

  /** Reset a neighbour (API write): hard = stop and start the session; soft-in = ROUTE-REFRESH (RFC 2918); soft-out = re-send our Adj-RIB-Out. */
  /** Operator restart of one replica (controller: rotated knobs, re-sync, rejoin when its digest matches). */
  async restartReplica(index: number): Promise<void> {
    const set = this.replicaSet;
    if (!set) throw new ApiRequestError('btrd runs one decision process (replicas: 1): nothing to restart', 409, 'not-replicated');
    const r = set.restartReplica(index);
    if (!r.ok) throw new ApiRequestError(r.reason ?? 'refused', /^no replica/.test(r.reason ?? '') ? 404 : 409, 'restart-refused');
  }

  async resetNeighbor(name: string, mode: ResetMode): Promise<void> {
    const rt = this.peers.get(name);
    if (!rt) throw new ApiRequestError(`no neighbour named ${JSON.stringify(name)}`, 404, 'no-such-neighbor');
    if (mode === 'hard') {
      this.logger.warn({ peer: name }, 'operator reset: restarting the session');
      await rt.session.stop(CeaseSubcode.AdministrativeReset, 'reset by the operator');
      if (this.peers.get(name) === rt) rt.session.start();
      return;
    }
    const n = rt.established;
    if (!n) throw new ApiRequestError(`neighbour ${name} is not established`, 409, 'not-established');
    const afis = [...(n.families.ipv4 ? [1] : []), ...(n.families.ipv6 ? [2] : [])];
    this.logger.info({ peer: name, mode }, 'operator soft reset');
    for (const afi of afis) {
      if (mode === 'soft-in') rt.session.sendRouteRefresh(afi, 1);
      else this.onRouteRefresh(rt, afi, 1);
    }
  }

  /** For tests and the API: the engine (read-only use; replicas = 1 only). */
  get rib(): RoutingEngine {
    return this.engine;
  }

  /** The FIB writer (size(), lookup(address), snapshot(), stats()), for tests; null before start. */
  get fibTable(): FibWriter | null {
    return this.fibWriter;
  }

  private fibLookups = 0;

  fib(): FibStatusJson {
    const w = this.fibWriter;
    if (!w) return { available: false, routes: 0, lookups: this.fibLookups };
    const st = w.stats();
    return { available: true, routes: w.size(), lookups: this.fibLookups, audits: st.audits, repairs: { ...st.repairs }, replicaDivergences: st.replicaDivergences, failoverRewrites: st.failoverRewrites, kernelErrors: st.kernelErrors };
  }

  fibLookup(address: string): FibLookupJson {
    this.fibLookups++;
    let e: ReturnType<FibWriter['lookup']>;
    try {
      e = this.fibWriter?.lookup(address);
    } catch {
      e = undefined; // not an address: no route
    }
    return { address, prefix: e ? formatPrefix(e.prefix) : null, nextHop: e ? e.nextHops.join(',') : null };
  }

  /** The voted replicas (replicas > 1), for tests and the API. */
  get replicas(): ReplicaSet | null {
    return this.replicaSet;
  }

  /** Resolves when every queued replica operation has been voted and dispatched (tests). */
  async settled(): Promise<void> {
    await this.chain;
    await this.refreshReplicaCounts(true);
  }
}
