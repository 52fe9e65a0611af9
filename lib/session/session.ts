/**
 * BgpSession — one BGP peer: executes the pure FSM of `fsm.ts` over TCP connections (`connection.ts`),
 * the timers of `timers.ts`, OPEN negotiation (`negotiation.ts`) and collision handling (`collision.ts`).
 * No routing logic: UPDATEs are decoded with the negotiated codec context and handed to listeners.
 *
 * Connections: `conn` is the connection the FSM runs on; `connecting` an outgoing attempt in progress;
 * `candidate` a second connection to the same peer, tracked until its OPEN arrives and then resolved
 * against `conn` (RFC 4271 §6.8). A peer that misbehaves gets a NOTIFICATION and the connection closes;
 * nothing it sends throws out of the session (socket callbacks are guarded in connection.ts).
 */
import { EventEmitter } from 'node:events';
import { connect as tcpConnect, type Socket } from 'node:net';
import { BgpProtocolError, type NotificationData } from '../wire/errors.js';
import type { Frame } from '../wire/framing.js';
import { CeaseSubcode, ErrorCode, MessageType, OpenSubcode, UpdateSubcode } from '../wire/iana.js';
import { decodeNotification, encodeNotification, encodeShutdownCommunication, formatNotification, type NotificationMessage } from '../wire/notification.js';
import { decodeOpen, encodeOpen, type OpenMessage } from '../wire/open.js';
import { encodeKeepalive } from '../wire/keepalive.js';
import { decodeRouteRefresh, encodeRouteRefresh, isIgnoredRouteRefresh, type RouteRefreshMessage } from '../wire/route-refresh.js';
import type { UpdateMessage } from '../wire/types.js';
import { decodeUpdate, encodeEndOfRib, endOfRibFamily, endOfRibFamilyRaw } from '../wire/update.js';
import { BgpConnection, newMessageCounts, type ConnectionHandlers, type MessageCounts } from './connection.js';
import { resolveCollision, type ConnectionDirection } from './collision.js';
import { SessionStateError } from './errors.js';
import { LARGE_HOLD_TIME, eventReason, transition, type FsmAction, type FsmEvent, type FsmTransition, type TimerName } from './fsm.js';
import { buildLocalOpen, checkSessionConfig, negotiateSession, validatePeerOpen } from './negotiation.js';
import { SessionTimers } from './timers.js';
import { silentLogger, type FsmState, type NegotiatedSession, type SessionConfig, type SessionLogger } from './types.js';

/** RFC 4271 §8.1.1 DampPeerOscillations: the IdleHoldTimer doubles after each error up to this. */
export const MAX_IDLE_HOLD_TIME = 300;
const DEFAULT_IDLE_HOLD_TIME = 5;
/** An Established period this long counts as stable: the back-off starts again from idleHoldTime. */
export const STABLE_ESTABLISHED_SECONDS = 60;
const EMPTY = new Uint8Array(0);

export interface SessionDownDetail {
  notificationSent?: NotificationData;
  notificationReceived?: NotificationData;
}

/** Event signatures (a typed EventEmitter: no `any`). */
export interface SessionEvents {
  state: [from: FsmState, to: FsmState, reason: string];
  established: [negotiated: NegotiatedSession];
  update: [update: UpdateMessage, frame: Frame];
  /** rawUpdates: an UPDATE (not End-of-RIB), unparsed; `frame` is only valid during the call. */
  'raw-update': [frame: Frame];
  'end-of-rib': [afi: number, safi: number];
  'route-refresh': [afi: number, safi: number, subtype: number];
  down: [reason: string, detail: SessionDownDetail];
  drain: [];
}

/** What an event being dispatched carries for the actions that need it. */
type EventContext =
  | { kind: 'update'; update: UpdateMessage; frame: Frame }
  | { kind: 'raw-update'; frame: Frame }
  | { kind: 'route-refresh'; routeRefresh: RouteRefreshMessage }
  | { kind: 'none' };

const NO_CONTEXT: EventContext = { kind: 'none' };

/**
 * transition() + eventReason(), memoized for the per-message events that carry no data (UPDATE and
 * KEEPALIVE received): both are pure functions of (state, event), and the ts-pattern match was ~8 % of
 * the CPU time of a full-table load. Other events are evaluated every time.
 */
const MEMO = new Map<string, FsmTransition & { readonly reason: string }>();
function step(from: FsmState, event: FsmEvent): FsmTransition & { readonly reason: string } {
  const memo = event.type === 'UpdateMsg' || event.type === 'KeepAliveMsg';
  if (memo) {
    const hit = MEMO.get(from + event.type);
    if (hit !== undefined) return hit;
  }
  const t = { ...transition(from, event), reason: eventReason(event) };
  if (memo) MEMO.set(from + event.type, t);
  return t;
}

export class BgpSession extends EventEmitter<SessionEvents> {
  readonly config: SessionConfig;
  private readonly logger: SessionLogger;
  private readonly timers: SessionTimers;
  private readonly localOpen: OpenMessage;
  private readonly encodedOpen: Uint8Array;
  private fsmState: FsmState = 'Idle';
  private current: NegotiatedSession | null = null;
  private conn: BgpConnection | null = null;
  private connecting: Socket | null = null;
  private candidate: BgpConnection | null = null;
  private candidateTimer: NodeJS.Timeout | null = null;
  private connectRetryCounter = 0;
  private idleHoldLevel = 0;
  private establishedAt = 0;
  private releasePending = false;
  private lastSent: NotificationData | undefined;
  private lastReceived: NotificationData | undefined;
  private readonly queue: { event: FsmEvent; ctx: EventContext }[] = [];
  private dispatching = false;
  private readonly handlers: ConnectionHandlers;
  /** Messages in/out by type over every connection of this session (API, metrics). */
  readonly messageCounts: MessageCounts = newMessageCounts();
  /** Input back-pressure requested by the owner (pauseInput); applies to every connection of this session. */
  private inputPaused = false;

  constructor(config: SessionConfig, opts: { logger?: SessionLogger } = {}) {
    super();
    checkSessionConfig(config);
    this.config = config;
    this.logger = opts.logger ?? silentLogger;
    this.timers = new SessionTimers((t) => this.guard(() => this.onTimer(t)));
    this.localOpen = buildLocalOpen(config);
    this.encodedOpen = encodeOpen(this.localOpen);
    this.handlers = {
      frames: (c, frames) => this.onFrames(c, frames),
      headerError: (c, e) => this.onHeaderError(c, e),
      lost: (c, why) => this.onLost(c, why),
      drain: (c) => {
        if (c === this.conn) this.emit('drain');
      },
    };
  }

  get state(): FsmState {
    return this.fsmState;
  }

  /** Set from OpenConfirm on (after a valid OPEN), null otherwise. */
  get negotiated(): NegotiatedSession | null {
    return this.current;
  }

  /** RFC 4271 §8.1.2 ConnectRetryCounter (diagnostics). */
  get connectRetries(): number {
    return this.connectRetryCounter;
  }

  /** ManualStart (Event 1), or ManualStart_with_PassiveTcpEstablishment (Event 4) for a passive peer. */
  start(): void {
    this.dispatch({ type: this.config.passive ? 'ManualStart_with_PassiveTcpEstablishment' : 'ManualStart' });
  }

  /**
   * ManualStop (Event 2): Cease (default 6/2 Administrative Shutdown, with an RFC 8203/9003 Shutdown
   * Communication when `message` is given), close, and no automatic restart. Resolves when closed.
   */
  async stop(subcode: number = CeaseSubcode.AdministrativeShutdown, message?: string): Promise<void> {
    const carriesText = subcode === CeaseSubcode.AdministrativeShutdown || subcode === CeaseSubcode.AdministrativeReset;
    let data: Uint8Array = EMPTY;
    if (message !== undefined && carriesText) data = encodeShutdownCommunication(truncateUtf8(message, 255));
    const notification: NotificationData = { code: ErrorCode.Cease, subcode, data };
    const closing = [this.conn, this.candidate].filter((c): c is BgpConnection => c !== null);
    this.dropCandidate(notification);
    this.dispatch({ type: 'ManualStop', notification });
    await Promise.all(closing.map((c) => c.close()));
  }

  /**
   * Input back-pressure: stop reading this peer (its connections deliver no more messages, the socket is
   * not read, TCP closes the window) until resumeInput(). For a consumer that has queued more of this
   * peer's input than it will hold. While paused the Hold Timer cannot judge the peer — we are the ones
   * not reading its KEEPALIVEs — so it is re-armed instead of expiring (RFC 4271 §6.5 is about a silent
   * peer, not a busy receiver), and restarted in full on resume.
   */
  pauseInput(): void {
    if (this.inputPaused) return;
    this.inputPaused = true;
    // Only the FSM's connection: a second connection must still deliver its OPEN (collision, §6.8).
    this.conn?.pause();
  }

  resumeInput(): void {
    if (!this.inputPaused) return;
    this.inputPaused = false;
    if (this.fsmState === 'Established' && this.current) this.timers.start('hold', this.current.holdTime);
    this.conn?.resume();
  }

  get isInputPaused(): boolean {
    return this.inputPaused;
  }

  /** An incoming TCP connection from this peer's address (from the SessionManager). */
  acceptConnection(socket: Socket): void {
    this.guard(() => this.onIncoming(socket));
  }

  /**
   * Send one whole encoded UPDATE. Returns false when the socket buffer is over its high-water mark:
   * stop sending until 'drain'. Throws SessionStateError outside Established.
   */
  sendUpdate(message: Uint8Array): boolean {
    const conn = this.requireEstablished('sendUpdate');
    if (message.length > (this.current?.maxMessageLength ?? 4096) || message[18] !== MessageType.Update) {
      throw new SessionStateError(`sendUpdate: not an UPDATE within ${this.current?.maxMessageLength} octets`);
    }
    return conn.write(message);
  }

  /** RFC 4724 §2: End-of-RIB for a family. */
  sendEndOfRib(afi: number, safi: number): void {
    this.requireEstablished('sendEndOfRib').write(encodeEndOfRib(afi, safi));
  }

  /**
   * RFC 2918 §3: ask the peer to re-advertise a family. "A BGP speaker MUST NOT send a ROUTE-REFRESH
   * message to a peer unless the peer has advertised the Route Refresh Capability" (§4): then it is logged
   * and not sent.
   */
  sendRouteRefresh(afi: number, safi: number): void {
    const conn = this.requireEstablished('sendRouteRefresh');
    if (!this.current?.routeRefresh) {
      this.logger.warn({ peer: this.config.name, afi, safi }, 'peer did not advertise route refresh; not sent');
      return;
    }
    conn.write(encodeRouteRefresh({ afi, safi, subtype: 0 }));
  }

  /**
   * AutomaticStop (Event 8) with the given NOTIFICATION (e.g. max-prefix Cease 6/1, RFC 4486 §4): the
   * session goes Idle and restarts after the IdleHoldTimer back-off.
   */
  shutdownWithNotification(code: number, subcode: number, data: Uint8Array = EMPTY): void {
    this.dispatch({ type: 'AutomaticStop', notification: { code, subcode, data } });
  }

  // ---------------------------------------------------------------- FSM execution

  private dispatch(event: FsmEvent, ctx: EventContext = NO_CONTEXT): void {
    this.queue.push({ event, ctx });
    if (this.dispatching) return; // a listener called back into us: run after the current event
    this.dispatching = true;
    try {
      for (let item = this.queue.shift(); item; item = this.queue.shift()) this.run(item.event, item.ctx);
    } finally {
      this.dispatching = false;
    }
  }

  private run(event: FsmEvent, ctx: EventContext): void {
    const from = this.fsmState;
    const { next, actions, reason } = step(from, event);
    if (next !== from || (event.type !== 'KeepAliveMsg' && event.type !== 'UpdateMsg' && event.type !== 'KeepaliveTimer_Expires')) {
      this.logger.debug({ peer: this.config.name, state: from, event: event.type, next }, 'fsm');
    }
    for (const a of actions) this.execute(a, ctx);
    if (next !== 'OpenSent' && next !== 'OpenConfirm' && next !== 'Established') this.dropCandidate(null);
    this.setState(next, reason);
    // "releases all BGP resources": after 'down' listeners have seen the session as it was.
    if (this.releasePending) {
      this.releasePending = false;
      this.current = null;
    }
  }

  private setState(next: FsmState, reason: string): void {
    const from = this.fsmState;
    if (next === from) return;
    this.fsmState = next;
    this.logger.info({ peer: this.config.name, from, to: next, reason }, `session ${from} → ${next}`);
    this.emit('state', from, next, reason);
    if (next === 'Established') {
      this.establishedAt = Date.now();
      if (this.current) this.emit('established', this.current);
    }
    if (from === 'Established') {
      // DampPeerOscillations: a session that stayed up long enough starts its back-off afresh.
      if (Date.now() - this.establishedAt >= STABLE_ESTABLISHED_SECONDS * 1000) this.idleHoldLevel = 0;
      const detail: SessionDownDetail = {};
      if (this.lastSent) detail.notificationSent = this.lastSent;
      if (this.lastReceived) detail.notificationReceived = this.lastReceived;
      this.emit('down', reason, detail);
    }
    if (next === 'Idle' || next === 'Active' || next === 'Connect') {
      this.lastSent = undefined;
      this.lastReceived = undefined;
    }
  }

  private execute(a: FsmAction, ctx: EventContext): void {
    switch (a.type) {
      case 'connect':
        this.connectOut();
        return;
      case 'drop-connection':
        this.dropConnection();
        return;
      case 'send-open':
        this.conn?.write(this.encodedOpen);
        return;
      case 'send-keepalive':
        this.conn?.write(encodeKeepalive());
        return;
      case 'send-notification':
        this.sendNotification(this.conn, a.notification, 'sent');
        return;
      case 'start-timer':
        this.timers.start(a.timer, a.seconds ?? this.timerSeconds(a.timer));
        return;
      case 'stop-timer':
        this.timers.stop(a.timer);
        return;
      case 'stop-timers':
        this.timers.stopAll();
        return;
      case 'reset-connect-retry-counter':
        this.connectRetryCounter = 0;
        this.idleHoldLevel = 0;
        return;
      case 'increment-connect-retry-counter':
        this.connectRetryCounter++;
        return;
      case 'release-resources':
        this.releasePending = true;
        return;
      case 'deliver-update':
        if (ctx.kind === 'update') this.deliverUpdate(ctx.update, ctx.frame);
        else if (ctx.kind === 'raw-update') this.deliverRawUpdate(ctx.frame);
        return;
      case 'deliver-route-refresh':
        if (ctx.kind === 'route-refresh') this.emit('route-refresh', ctx.routeRefresh.afi, ctx.routeRefresh.safi, ctx.routeRefresh.subtype);
        return;
    }
  }

  /** Current duration of a timer the FSM did not size. */
  private timerSeconds(t: TimerName): number {
    switch (t) {
      case 'connect-retry':
        return this.config.connectRetryTime;
      case 'hold':
        return this.current?.holdTime ?? LARGE_HOLD_TIME;
      case 'keepalive':
        return this.current?.keepaliveTime ?? 0;
      case 'idle-hold': {
        // RFC 4271 §8.1.1 DampPeerOscillations: exponential back-off, capped.
        const base = this.config.idleHoldTime ?? DEFAULT_IDLE_HOLD_TIME;
        const seconds = Math.min(MAX_IDLE_HOLD_TIME, base * 2 ** this.idleHoldLevel);
        this.idleHoldLevel = Math.min(this.idleHoldLevel + 1, 16);
        this.logger.info({ peer: this.config.name, seconds }, 'idle hold before restart');
        return seconds;
      }
    }
  }

  private onTimer(t: TimerName): void {
    switch (t) {
      case 'connect-retry':
        return this.dispatch({ type: 'ConnectRetryTimer_Expires', passive: this.config.passive });
      case 'hold':
        // Paused by our own back-pressure (pauseInput): silence is ours, not the peer's.
        if (this.inputPaused && this.current) return this.timers.start('hold', this.current.holdTime);
        return this.dispatch({ type: 'HoldTimer_Expires' });
      case 'keepalive':
        return this.dispatch({ type: 'KeepaliveTimer_Expires' });
      case 'idle-hold':
        return this.dispatch({ type: 'IdleHoldTimer_Expires', passive: this.config.passive });
    }
  }

  // ---------------------------------------------------------------- TCP

  private connectOut(): void {
    this.abortConnecting();
    const c = this.config;
    const socket = tcpConnect({
      host: c.remoteAddress,
      port: c.remotePort,
      ...(c.localAddress !== undefined ? { localAddress: c.localAddress } : {}),
      ...(c.localPort !== undefined ? { localPort: c.localPort } : {}),
    });
    this.connecting = socket;
    socket.once('connect', () => this.guard(() => this.onConnected(socket)));
    socket.once('error', (e: Error) =>
      this.guard(() => {
        if (this.connecting !== socket) return;
        this.connecting = null;
        socket.destroy();
        this.logger.info({ peer: c.name, err: e.message }, 'connect failed');
        if (this.fsmState === 'Connect') this.dispatch({ type: 'TcpConnectionFails' });
      }),
    );
  }

  private abortConnecting(): void {
    if (this.connecting) {
      this.connecting.destroy();
      this.connecting = null;
    }
  }

  /** Our connect() succeeded (Tcp_CR_Acked, Event 16). */
  private onConnected(socket: Socket): void {
    if (this.connecting !== socket) {
      socket.destroy();
      return;
    }
    this.connecting = null;
    socket.removeAllListeners('error');
    this.adopt(socket, 'outgoing', { type: 'Tcp_CR_Acked' });
  }

  /** A connection from the peer (TcpConnectionConfirmed, Event 17). */
  private onIncoming(socket: Socket): void {
    if (this.fsmState === 'Idle') {
      // RFC 4271 §8.2.2 Idle: "BGP FSM refuses all incoming BGP connections for this peer."
      this.logger.info({ peer: this.config.name, from: socket.remoteAddress }, 'incoming connection refused in Idle');
      socket.destroy();
      return;
    }
    this.adopt(socket, 'incoming', { type: 'TcpConnectionConfirmed' });
  }

  private adopt(socket: Socket, direction: ConnectionDirection, event: FsmEvent): void {
    const conn = new BgpConnection(socket, direction, this.handlers, this.logger, this.config.name, this.messageCounts);
    if (this.conn === null && (this.fsmState === 'Connect' || this.fsmState === 'Active')) {
      this.conn = conn;
      if (this.inputPaused) conn.pause();
      this.dispatch(event);
      return;
    }
    if (this.conn !== null && this.candidate === null) {
      // RFC 4271 §6.8: a second connection is tracked until its OPEN arrives.
      this.candidate = conn;
      this.logger.info({ peer: this.config.name, direction, state: this.fsmState }, 'second connection: tracking for collision detection');
      conn.write(this.encodedOpen);
      this.candidateTimer = setTimeout(() => this.guard(() => this.dropCandidate(null)), LARGE_HOLD_TIME * 1000);
      this.candidateTimer.unref();
      this.dispatch(event);
      return;
    }
    this.logger.info({ peer: this.config.name, direction, state: this.fsmState }, 'extra connection closed');
    conn.destroy();
  }

  private dropConnection(): void {
    this.abortConnecting();
    const conn = this.conn;
    this.conn = null;
    if (conn) void conn.close();
  }

  private dropCandidate(notification: NotificationData | null): void {
    if (this.candidateTimer) {
      clearTimeout(this.candidateTimer);
      this.candidateTimer = null;
    }
    const c = this.candidate;
    if (!c) return;
    this.candidate = null;
    if (notification) this.sendNotification(c, notification, 'sent on the second connection');
    void c.close();
  }

  private sendNotification(conn: BgpConnection | null, n: NotificationData, what: string): void {
    if (!conn) return;
    if (conn === this.conn) this.lastSent = n;
    this.logger.warn({ peer: this.config.name, notification: formatNotification(n) }, `NOTIFICATION ${what}`);
    conn.write(encodeNotification(n));
  }

  private requireEstablished(what: string): BgpConnection {
    if (this.fsmState !== 'Established' || !this.conn) throw new SessionStateError(`${what}: session ${this.config.name} is ${this.fsmState}, not Established`);
    return this.conn;
  }

  // ---------------------------------------------------------------- input

  private onFrames(conn: BgpConnection, frames: readonly Frame[]): void {
    for (const frame of frames) {
      if (conn === this.conn) this.onFrame(frame);
      else if (conn === this.candidate) this.onCandidateFrame(frame);
      else return;
    }
  }

  private onHeaderError(conn: BgpConnection, e: BgpProtocolError): void {
    this.logger.warn({ peer: this.config.name, err: e.message }, 'message header error');
    if (conn === this.conn) this.dispatch({ type: 'BGPHeaderErr', notification: e.notification });
    else if (conn === this.candidate) this.dropCandidate(e.notification);
  }

  private onLost(conn: BgpConnection, why: string): void {
    if (conn === this.candidate) {
      this.dropCandidate(null);
      return;
    }
    if (conn !== this.conn) return;
    this.logger.info({ peer: this.config.name, why }, 'connection lost');
    if (this.candidate) return this.promoteCandidate('connection-lost');
    this.dispatch({ type: 'TcpConnectionFails' });
  }

  /** One message on the FSM's connection. */
  private onFrame(frame: Frame): void {
    switch (frame.type) {
      case MessageType.Open:
        return this.onOpen(frame);
      case MessageType.Keepalive:
        return this.dispatch({ type: 'KeepAliveMsg' });
      case MessageType.Notification:
        return this.onNotification(frame);
      case MessageType.Update:
        return this.onUpdate(frame);
      case MessageType.RouteRefresh:
        return this.onRouteRefresh(frame);
      default:
        // framing.ts rejects unknown types; kept for frames of a future type it learns.
        return this.dispatch({ type: 'BGPHeaderErr', notification: { code: ErrorCode.MessageHeader, subcode: 3, data: new Uint8Array([frame.type]) } });
    }
  }

  private onOpen(frame: Frame): void {
    if (this.fsmState !== 'OpenSent') return this.dispatch({ type: 'BGPOpen', holdTime: 0 }); // unexpected (RFC 6608)
    let open: OpenMessage;
    try {
      open = decodeOpen(frame.body);
      validatePeerOpen(this.config, open);
    } catch (e) {
      return this.dispatch({ type: 'BGPOpenMsgErr', notification: notificationOf(e, ErrorCode.OpenMessage, 0) });
    }
    this.acceptOpen(open);
  }

  /** A valid OPEN on the FSM's connection (Event 19). */
  private acceptOpen(open: OpenMessage): void {
    const conn = this.conn;
    if (!conn) return;
    const n = negotiateSession(this.config, open, conn.endpoints());
    this.current = n;
    // RFC 8654 §4: larger messages only once both sides advertised the capability (OPEN/KEEPALIVE stay ≤ 4096).
    conn.framer.maxLength = n.maxMessageLength;
    this.logger.info({ peer: this.config.name, peerAs: n.peerAs, peerBgpId: n.peerBgpId, holdTime: n.holdTime }, 'OPEN accepted');
    this.dispatch({ type: 'BGPOpen', holdTime: n.holdTime });
  }

  private onNotification(frame: Frame): void {
    let n: NotificationMessage;
    try {
      n = decodeNotification(frame.body);
    } catch {
      n = { code: 0, subcode: 0, data: frame.body.slice() };
    }
    this.lastReceived = { code: n.code, subcode: n.subcode, data: n.data };
    const text = n.shutdown ? `${formatNotification(n)}: "${n.shutdown.message}"` : formatNotification(n);
    this.logger.warn({ peer: this.config.name, notification: text }, 'NOTIFICATION received');
    // RFC 4271 §8.1.2 Event 24: a NOTIFICATION with "Unsupported Version Number" (2/1).
    const versionError = n.code === ErrorCode.OpenMessage && n.subcode === OpenSubcode.UnsupportedVersionNumber;
    // The peer gave up this connection while a second one is in progress (e.g. it resolved a collision
    // first): continue on the second one (RFC 4271 §6.8).
    if (this.candidate) return this.promoteCandidate('notification-received');
    this.dispatch({ type: versionError ? 'NotifMsgVerErr' : 'NotifMsg' });
  }

  private onUpdate(frame: Frame): void {
    const n = this.current;
    if (this.fsmState !== 'Established' || !n) return this.dispatch({ type: 'UpdateMsg' }); // FSM error
    if (this.config.rawUpdates) return this.dispatch({ type: 'UpdateMsg' }, { kind: 'raw-update', frame });
    let update: UpdateMessage;
    try {
      update = decodeUpdate(frame.body, n.codec);
    } catch (e) {
      // RFC 7606: only session-reset errors are thrown; the rest arrive as u.treatment.
      return this.dispatch({ type: 'UpdateMsgErr', notification: notificationOf(e, ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList) });
    }
    this.dispatch({ type: 'UpdateMsg' }, { kind: 'update', update, frame });
  }

  private deliverUpdate(update: UpdateMessage, frame: Frame): void {
    const eor = endOfRibFamily(update);
    if (eor) this.emit('end-of-rib', eor.afi, eor.safi);
    else this.emit('update', update, frame);
  }

  private deliverRawUpdate(frame: Frame): void {
    const eor = endOfRibFamilyRaw(frame.body);
    if (eor) this.emit('end-of-rib', eor.afi, eor.safi);
    else this.emit('raw-update', frame);
  }

  private onRouteRefresh(frame: Frame): void {
    if (this.fsmState !== 'Established') return this.dispatch({ type: 'RouteRefreshMsg' }); // FSM error
    let rr: RouteRefreshMessage;
    try {
      rr = decodeRouteRefresh(frame.body);
    } catch (e) {
      return this.dispatch({ type: 'RouteRefreshMsgErr', notification: notificationOf(e, ErrorCode.RouteRefreshMessage, 1) });
    }
    // RFC 7313 §5: unknown subtypes "MUST" be ignored. RFC 2918 §4: a family we did not advertise
    // "shall" be ignored.
    const fam = this.current?.families;
    const advertised = rr.safi === 1 && ((rr.afi === 1 && fam?.ipv4) || (rr.afi === 2 && fam?.ipv6));
    if (isIgnoredRouteRefresh(rr) || !advertised) {
      this.logger.info({ peer: this.config.name, afi: rr.afi, safi: rr.safi, subtype: rr.subtype }, 'ROUTE-REFRESH ignored');
      return;
    }
    this.dispatch({ type: 'RouteRefreshMsg' }, { kind: 'route-refresh', routeRefresh: rr });
  }

  // ---------------------------------------------------------------- collisions (RFC 4271 §6.8)

  private onCandidateFrame(frame: Frame): void {
    const cand = this.candidate;
    const conn = this.conn;
    if (!cand || !conn) return;
    if (frame.type === MessageType.Notification) {
      this.logger.info({ peer: this.config.name }, 'second connection closed by a NOTIFICATION');
      return this.dropCandidate(null);
    }
    if (frame.type !== MessageType.Open) {
      // Before its OPEN, anything else is unexpected in (the second connection's) OpenSent — RFC 6608 5/1.
      return this.dropCandidate({ code: ErrorCode.FsmError, subcode: 1, data: EMPTY });
    }
    let open: OpenMessage;
    try {
      open = decodeOpen(frame.body);
      validatePeerOpen(this.config, open);
    } catch (e) {
      return this.dropCandidate(notificationOf(e, ErrorCode.OpenMessage, 0));
    }
    const outcome = resolveCollision({
      existingState: this.fsmState,
      existingDirection: conn.direction,
      localBgpId: this.config.routerId,
      localAs: this.config.localAs,
      remoteBgpId: open.bgpId,
      remoteAs: negotiateSession(this.config, open, cand.endpoints()).peerAs,
    });
    const cease: NotificationData = { code: ErrorCode.Cease, subcode: CeaseSubcode.ConnectionCollisionResolution, data: EMPTY };
    this.logger.info({ peer: this.config.name, outcome, existing: conn.direction, state: this.fsmState }, 'connection collision');
    if (outcome === 'keep-existing') return this.dropCandidate(cease);
    this.sendNotification(conn, cease, 'sent (collision: this connection loses)');
    this.promoteCandidate('collision-resolution');
    this.acceptOpen(open);
  }

  /**
   * The second connection replaces the FSM's connection, whose OPEN exchange it has reached: it has sent
   * our OPEN, so the FSM continues in OpenSent on it (the old connection is closed).
   */
  private promoteCandidate(reason: string): void {
    const cand = this.candidate;
    if (!cand) return;
    if (this.candidateTimer) clearTimeout(this.candidateTimer);
    this.candidateTimer = null;
    const old = this.conn;
    this.conn = cand;
    this.candidate = null;
    if (this.inputPaused) cand.pause();
    if (old) void old.close();
    this.timers.stopAll();
    this.current = null;
    this.timers.start('hold', LARGE_HOLD_TIME);
    this.setState('OpenSent', reason);
  }

  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.logger.error({ peer: this.config.name, err: e instanceof Error ? e.stack ?? e.message : String(e) }, 'session handler threw');
    }
  }
}

/** The NOTIFICATION a thrown decode error calls for (a non-protocol error is a codec bug: use the fallback). */
function notificationOf(e: unknown, code: number, subcode: number): NotificationData {
  return e instanceof BgpProtocolError ? e.notification : { code, subcode, data: EMPTY };
}

/** Cut a string to at most `max` UTF-8 octets without splitting a character (RFC 9003 §2). */
function truncateUtf8(s: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}
