/**
 * What we say in our OPEN and what the two OPENs agree on (RFC 4271 §4.2, RFC 5492 capabilities).
 *
 * We always advertise: 4-octet AS (RFC 6793 §3), route refresh (RFC 2918 §2), enhanced route refresh
 * (RFC 7313 §3), multiprotocol for each configured family (RFC 4760 §8), ADD-PATH receive when configured
 * (RFC 7911 §4), extended message unless disabled (RFC 8654 §3).
 *
 * Graceful restart (RFC 4724) is deliberately NOT advertised: btrd does not implement the restarting-
 * speaker or receiving-speaker procedures (retaining stale routes across a restart, the Restart Time, the
 * F bit). Advertising it would promise a peer that we keep forwarding across our restart and would make
 * it keep our routes as stale ones. We only recognise the peer's capability (`gracefulRestart.peerAdvertised`).
 */
import { AS_TRANS, Afi, Safi } from '../wire/iana.js';
import { findCapability, type Capability } from '../wire/capabilities.js';
import { BGP_VERSION, peerAsOf, validateOpen, type OpenMessage } from '../wire/open.js';
import { parseIpv4 } from '../wire/address.js';
import { MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from '../wire/framing.js';
import { SessionConfigError } from './errors.js';
import type { NegotiatedSession, SessionConfig } from './types.js';

/** Throw SessionConfigError for values the RFCs forbid; called by the BgpSession constructor. */
export function checkSessionConfig(c: SessionConfig): void {
  // RFC 4271 §4.2: "Hold Time MUST be either zero or at least three seconds."
  if (!Number.isInteger(c.holdTime) || c.holdTime < 0 || c.holdTime > 0xffff || c.holdTime === 1 || c.holdTime === 2) {
    throw new SessionConfigError('holdTime', `${c.holdTime} is not 0 or 3..65535 seconds (RFC 4271 §4.2)`);
  }
  if (!(c.connectRetryTime > 0)) throw new SessionConfigError('connectRetryTime', `${c.connectRetryTime} must be positive`);
  if (c.idleHoldTime !== undefined && !(c.idleHoldTime > 0)) throw new SessionConfigError('idleHoldTime', `${c.idleHoldTime} must be positive`);
  for (const [path, asn] of [['localAs', c.localAs], ['remoteAs', c.remoteAs]] as const) {
    if (!Number.isInteger(asn) || asn < 1 || asn > 0xffffffff) throw new SessionConfigError(path, `${asn} is not an AS number`);
  }
  let id: number;
  try {
    id = parseIpv4(c.routerId);
  } catch {
    throw new SessionConfigError('routerId', `${c.routerId} is not a dotted quad`);
  }
  // RFC 6286 §2.1: a non-zero 4-octet value.
  if (id === 0) throw new SessionConfigError('routerId', 'must not be 0.0.0.0 (RFC 6286 §2.1)');
  if (!Number.isInteger(c.remotePort) || c.remotePort < 1 || c.remotePort > 65535) throw new SessionConfigError('remotePort', `${c.remotePort} is not a port`);
}

/** The OPEN we send. */
export function buildLocalOpen(c: SessionConfig): OpenMessage {
  const capabilities: Capability[] = [];
  if (c.families.ipv4) capabilities.push({ kind: 'multiprotocol', afi: Afi.Ipv4, safi: Safi.Unicast });
  if (c.families.ipv6) capabilities.push({ kind: 'multiprotocol', afi: Afi.Ipv6, safi: Safi.Unicast });
  capabilities.push({ kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' });
  // RFC 6793 §4.1: My AS carries AS_TRANS when our AS does not fit 2 octets.
  capabilities.push({ kind: 'four-octet-as', asn: c.localAs });
  const addPath = [
    ...(c.families.ipv4 && c.addPathReceive.ipv4 ? [{ afi: Afi.Ipv4, safi: Safi.Unicast, sendReceive: 1 as const }] : []),
    ...(c.families.ipv6 && c.addPathReceive.ipv6 ? [{ afi: Afi.Ipv6, safi: Safi.Unicast, sendReceive: 1 as const }] : []),
  ];
  if (addPath.length > 0) capabilities.push({ kind: 'add-path', families: addPath });
  if (c.extendedMessage !== false) capabilities.push({ kind: 'extended-message' });
  return {
    version: BGP_VERSION,
    myAs: c.localAs > 0xffff ? AS_TRANS : c.localAs,
    holdTime: c.holdTime,
    bgpId: c.routerId,
    capabilities,
    optionalParameters: [],
  };
}

/** RFC 4271 §6.2 checks against the configuration. Throws OpenMessageError (2/1, 2/2, 2/3, 2/4, 2/6). */
export function validatePeerOpen(c: SessionConfig, open: OpenMessage): void {
  validateOpen(open, { peerAs: c.remoteAs, localAs: c.localAs, localBgpId: c.routerId });
}

export interface Endpoints {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

function hasFamily(caps: readonly Capability[], afi: number): boolean {
  return caps.some((k) => k.kind === 'multiprotocol' && k.afi === afi && k.safi === Safi.Unicast);
}

/** Combine our configuration with the peer's (validated) OPEN. */
export function negotiateSession(c: SessionConfig, peer: OpenMessage, ends: Endpoints): NegotiatedSession {
  const caps = peer.capabilities;
  const peerAs = peerAsOf(peer);
  // RFC 4271 §4.2: "the calculated value ... MUST be the smaller of its configured Hold Time and the Hold
  // Time received in the OPEN message."
  const holdTime = Math.min(c.holdTime, peer.holdTime);
  // RFC 4760 §8 / RFC 4271: a speaker that sends no MP capability does IPv4 unicast only. Ours likewise:
  // without any configured family our OPEN carries no MP capability.
  const peerMp = caps.some((k) => k.kind === 'multiprotocol');
  const oursMp = c.families.ipv4 || c.families.ipv6;
  const peerIpv4 = peerMp ? hasFamily(caps, Afi.Ipv4) : true;
  const peerIpv6 = peerMp ? hasFamily(caps, Afi.Ipv6) : false;
  const families = { ipv4: (oursMp ? c.families.ipv4 : true) && peerIpv4, ipv6: c.families.ipv6 && peerIpv6 };
  // RFC 7911 §5: path ids are received for a family when we advertised Receive (1 or 3) and the peer
  // advertised Send (2 or 3).
  const peerSends = (afi: number): boolean =>
    findCapability(caps, 'add-path')?.families.some((f) => f.afi === afi && f.safi === Safi.Unicast && (f.sendReceive & 2) !== 0) ?? false;
  const addPath = {
    ipv4: families.ipv4 && c.families.ipv4 && c.addPathReceive.ipv4 && peerSends(Afi.Ipv4),
    ipv6: families.ipv6 && c.addPathReceive.ipv6 && peerSends(Afi.Ipv6),
  };
  const fourOctetAs = findCapability(caps, 'four-octet-as') !== undefined;
  const extendedMessage = c.extendedMessage !== false && findCapability(caps, 'extended-message') !== undefined;
  return {
    peerBgpId: peer.bgpId,
    peerAs,
    holdTime,
    // RFC 4271 §10: "A reasonable maximum time between KEEPALIVE messages would be one third of the Hold Time interval."
    keepaliveTime: Math.floor(holdTime / 3),
    fourOctetAs,
    routeRefresh: findCapability(caps, 'route-refresh') !== undefined,
    enhancedRouteRefresh: findCapability(caps, 'enhanced-route-refresh') !== undefined,
    extendedMessage,
    families,
    addPath,
    gracefulRestart: { peerAdvertised: findCapability(caps, 'graceful-restart') !== undefined },
    ...ends,
    codec: { fourOctetAs, addPathIpv4: addPath.ipv4, addPathIpv6: addPath.ipv6, ebgp: c.localAs !== peerAs },
    maxMessageLength: extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH,
    openReceived: peer,
  };
}
