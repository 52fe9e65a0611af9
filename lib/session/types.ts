/**
 * Public shapes of the session layer (RFC 4271 §8 FSM + TCP): configuration, the negotiated result of an
 * OPEN exchange, and the minimal pino-compatible logger the layer writes to.
 */
import type { CodecContext } from '../wire/types.js';
import type { OpenMessage } from '../wire/open.js';

/** RFC 4271 §8.2.2 states. */
export type FsmState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export const FSM_STATES: readonly FsmState[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

export interface SessionConfig {
  /** For logs. */
  name: string;
  /** IPv4 or IPv6 literal. */
  remoteAddress: string;
  /** Default 179. */
  remotePort: number;
  /** Bind address for outgoing connections. */
  localAddress?: string;
  /** Source port for outgoing connections (usually unset). */
  localPort?: number;
  localAs: number;
  remoteAs: number;
  /** Our BGP Identifier, dotted quad. */
  routerId: string;
  /** Seconds we propose: 0 or >= 3 (RFC 4271 §4.2). Default 90. */
  holdTime: number;
  /** Seconds (RFC 4271 §10 suggests 120). */
  connectRetryTime: number;
  /** Initial back-off after an error, seconds; doubles up to a cap (RFC 4271 §8.1.1 DampPeerOscillations). Default 5. */
  idleHoldTime?: number;
  /** Never connect out (RFC 4271 §8.1.1 PassiveTcpEstablishment). */
  passive: boolean;
  /** Multiprotocol capabilities to advertise (RFC 4760 §8). */
  families: { ipv4: boolean; ipv6: boolean };
  /** Advertise ADD-PATH receive (RFC 7911 §4). */
  addPathReceive: { ipv4: boolean; ipv6: boolean };
  /** RFC 8654 (default true). */
  extendedMessage?: boolean;
  /**
   * Do not parse UPDATEs: emit 'raw-update' with the framed bytes (End-of-RIB is still recognised from the
   * bytes). Replicated mode: the replicas parse and classify errors, the main thread only frames
   * (DESIGN principle 1); the speaker acts on their voted session-reset errors.
   */
  rawUpdates?: boolean;
}

export interface NegotiatedSession {
  peerBgpId: string;
  peerAs: number;
  /** Seconds; min(ours, theirs) (RFC 4271 §4.2); 0 = no keepalives, no hold timer. */
  holdTime: number;
  /** holdTime / 3, rounded down (RFC 4271 §10). */
  keepaliveTime: number;
  fourOctetAs: boolean;
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  extendedMessage: boolean;
  /** Negotiated (both sides); a peer without any MP capability does IPv4 unicast only (RFC 4760 §8). */
  families: { ipv4: boolean; ipv6: boolean };
  /** We receive path identifiers: we advertised receive and the peer advertised send (RFC 7911 §5). */
  addPath: { ipv4: boolean; ipv6: boolean };
  gracefulRestart: { peerAdvertised: boolean };
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Ready for decodeUpdate/encodeUpdate (ebgp = localAs !== peerAs). */
  codec: CodecContext;
  /** 4096, or 65535 with RFC 8654. */
  maxMessageLength: number;
  openReceived: OpenMessage;
}

/** Minimal pino-compatible logger: `logger.info({ peer }, 'message')`. */
export interface SessionLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** A logger that drops everything (the default). */
export const silentLogger: SessionLogger = {
  info() {},
  warn() {},
  error() {},
  debug() {},
};
