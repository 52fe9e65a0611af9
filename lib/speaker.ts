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
import type { ApiProvider, NeighborStatus, PeerState, RibSummary } from './api/types.js';
import type { BtrdConfig, PeerConfig } from './config/types.js';
import type { Logger } from './log.js';
import { BgpSession } from './session/session.js';
import { SessionManager } from './session/manager.js';
import type { FsmState, NegotiatedSession, SessionConfig } from './session/types.js';
import { RoutingEngine } from './rib/engine.js';
import type { EngineDelta, EnginePeer } from './rib/types.js';
import { packUpdates } from './export/packer.js';
import { formatNotification } from './wire/notification.js';
import { CeaseSubcode, ErrorCode } from './wire/iana.js';
import { parsePrefix, prefixContains, type PrefixKey } from './wire/prefix.js';
import type { PathAttributes, UpdateMessage } from './wire/types.js';

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
    await this.manager.listen();
    for (const p of this.config.peers) this.addPeer(p);
    this.started = true;
    this.logger.info({ asn: this.config.asn, routerId: this.config.routerId, listen: this.config.listen, peers: this.config.peers.length }, 'speaker started');
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.peers.values()].map((rt) => this.removePeer(rt, 'daemon shutting down')));
    await this.manager.close();
    this.logger.info('speaker stopped');
  }

  /** Apply a new configuration: peers added/removed/restarted as needed, policies re-applied in place. */
  async reload(next: BtrdConfig): Promise<void> {
    const old = this.config;
    if (next.asn !== old.asn || next.routerId !== old.routerId || JSON.stringify(next.listen) !== JSON.stringify(old.listen) || JSON.stringify(next.decision) !== JSON.stringify(old.decision) || JSON.stringify(next.routes) !== JSON.stringify(old.routes) || next.clusterId !== old.clusterId) {
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
        if (policiesChanged && rt.established) this.dispatch(this.engine.setPolicies(rt.id, p.import, p.export));
      }
    }
    for (const p of next.peers) if (!this.peers.has(p.name)) this.addPeer(p);
    this.logger.info({ peers: next.peers.length }, 'configuration reloaded');
  }

  // ── peers ──────────────────────────────────────────────────────────────────────────────────────

  private addPeer(p: PeerConfig): void {
    const log = this.logger.child({ peer: p.name, address: p.address });
    const session = new BgpSession(sessionConfig(this.config, p), { logger: log });
    const rt: PeerRuntime = { id: this.nextPeerId++, config: p, session, established: null, since: null, pending: new Map(), flushTimer: null, lastFlush: 0, maxPrefixWarned: false, restartTimer: null };
    this.peers.set(p.name, rt);
    session.on('established', (n) => this.guard(rt, () => this.onEstablished(rt, n)));
    session.on('update', (u) => this.guard(rt, () => this.onUpdate(rt, u)));
    session.on('end-of-rib', (afi, safi) => log.info({ afi, safi }, 'End-of-RIB received'));
    session.on('route-refresh', (afi, safi) => this.guard(rt, () => this.onRouteRefresh(rt, afi, safi)));
    session.on('down', (reason, detail) => this.guard(rt, () => this.onDown(rt, reason, detail)));
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
      this.dispatch(this.engine.removePeer(rt.id));
    }
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
    };
    this.logger.info({ peer: p.name, peerAs: n.peerAs, peerId: n.peerBgpId, hold: n.holdTime, families: n.families }, 'session established');
    const delta = this.engine.addPeer(enginePeer);
    this.dispatch(delta);
    // RFC 4724 §2: End-of-RIB after the initial table, per negotiated family (sent even without GR).
    this.flush(rt);
    if (n.families.ipv4) rt.session.sendEndOfRib(1, 1);
    if (n.families.ipv6) rt.session.sendEndOfRib(2, 1);
  }

  private onUpdate(rt: PeerRuntime, u: UpdateMessage): void {
    if (!rt.established) return;
    if (u.treatment !== 'none') {
      this.logger.warn({ peer: rt.config.name, treatment: u.treatment, issues: u.issues.map((i) => i.reason) }, 'RFC 7606 error handling applied');
    }
    this.dispatch(this.engine.applyUpdate(rt.id, u));
    this.checkMaxPrefixes(rt);
  }

  /** RFC 4486 §4: Maximum Number of Prefixes Reached; data = AFI, SAFI, the configured upper bound. */
  private checkMaxPrefixes(rt: PeerRuntime): void {
    const mp = rt.config.maxPrefixes;
    if (!mp) return;
    const accepted = this.engine.counts().perPeer.get(rt.id)?.accepted ?? 0;
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
    const out = this.engine.adjRibOut(rt.id);
    const fam = { ipv4: afi === 1, ipv6: afi === 2 };
    for (const m of packUpdates({ announce: out.announce, withdraw: new Set() }, rt.established.codec, { maxMessageLength: rt.established.maxMessageLength, families: fam })) rt.session.sendUpdate(m);
    this.logger.info({ peer: rt.config.name, afi, prefixes: out.announce.size }, 'route refresh answered');
  }

  private onDown(rt: PeerRuntime, reason: string, detail: { notificationSent?: { code: number; subcode: number; data: Uint8Array }; notificationReceived?: { code: number; subcode: number; data: Uint8Array } }): void {
    const wasUp = rt.established !== null;
    rt.established = null;
    rt.since = null;
    rt.pending.clear();
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
    if (wasUp && this.started) this.dispatch(this.engine.removePeer(rt.id));
  }

  // ── output ─────────────────────────────────────────────────────────────────────────────────────

  private byId(id: number): PeerRuntime | undefined {
    for (const rt of this.peers.values()) if (rt.id === id) return rt;
    return undefined;
  }

  /** Queue a delta's per-peer changes; they leave at the end of this turn or at the peer's MRAI. */
  private dispatch(delta: EngineDelta): void {
    for (const [peerId, out] of delta.out) {
      const rt = this.byId(peerId);
      if (!rt || !rt.established) continue;
      for (const prefix of out.withdraw) rt.pending.set(prefix, null);
      for (const [prefix, attrs] of out.announce) rt.pending.set(prefix, attrs);
      this.scheduleFlush(rt);
    }
  }

  private scheduleFlush(rt: PeerRuntime): void {
    if (rt.flushTimer || rt.pending.size === 0) return;
    // RFC 4271 §9.2.1.1: MinRouteAdvertisementIntervalTimer per peer (0 = send at once).
    const wait = Math.max(0, rt.lastFlush + rt.config.mrai * 1000 - Date.now());
    rt.flushTimer = setTimeout(() => {
      rt.flushTimer = null;
      this.flush(rt);
    }, wait);
  }

  private flush(rt: PeerRuntime): void {
    if (rt.flushTimer) {
      clearTimeout(rt.flushTimer);
      rt.flushTimer = null;
    }
    const n = rt.established;
    if (!n || rt.pending.size === 0) return;
    const announce = new Map<PrefixKey, PathAttributes>();
    const withdraw = new Set<PrefixKey>();
    for (const [prefix, attrs] of rt.pending) {
      if (attrs) announce.set(prefix, attrs);
      else withdraw.add(prefix);
    }
    rt.pending = new Map();
    rt.lastFlush = Date.now();
    for (const m of packUpdates({ announce, withdraw }, n.codec, { maxMessageLength: n.maxMessageLength, families: n.families })) rt.session.sendUpdate(m);
  }

  // ── ApiProvider ────────────────────────────────────────────────────────────────────────────────

  summary(): RibSummary {
    const c = this.engine.counts();
    return { paths: c.paths, best: c.best };
  }

  neighbors(): NeighborStatus[] {
    const counts = this.engine.counts().perPeer;
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
      };
    });
  }

  /** For tests and the API: the engine (read-only use). */
  get rib(): RoutingEngine {
    return this.engine;
  }
}
