/**
 * IANA registries used by the codec, as `as const` objects. Each entry names the RFC that defines it.
 * Values btrd does not implement are still listed where they matter for error handling (the gaps are visible).
 */

/** BGP message types — RFC 4271 §4.1, RFC 2918 §3. */
export const MessageType = {
  Open: 1, // RFC 4271 §4.2
  Update: 2, // RFC 4271 §4.3
  Notification: 3, // RFC 4271 §4.5
  Keepalive: 4, // RFC 4271 §4.4
  RouteRefresh: 5, // RFC 2918 §3
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Path attribute type codes. */
export const AttrType = {
  Origin: 1, // RFC 4271 §5.1.1 (well-known mandatory)
  AsPath: 2, // RFC 4271 §5.1.2 (well-known mandatory)
  NextHop: 3, // RFC 4271 §5.1.3 (well-known mandatory)
  MultiExitDisc: 4, // RFC 4271 §5.1.4 (optional non-transitive)
  LocalPref: 5, // RFC 4271 §5.1.5 (well-known, iBGP)
  AtomicAggregate: 6, // RFC 4271 §5.1.6 (well-known discretionary)
  Aggregator: 7, // RFC 4271 §5.1.7 (optional transitive)
  Communities: 8, // RFC 1997 (optional transitive)
  OriginatorId: 9, // RFC 4456 §8 (optional non-transitive)
  ClusterList: 10, // RFC 4456 §8 (optional non-transitive)
  MpReachNlri: 14, // RFC 4760 §3 (optional non-transitive)
  MpUnreachNlri: 15, // RFC 4760 §4 (optional non-transitive)
  ExtendedCommunities: 16, // RFC 4360 §2 (optional transitive)
  As4Path: 17, // RFC 6793 §3 (optional transitive)
  As4Aggregator: 18, // RFC 6793 §3 (optional transitive)
  LargeCommunity: 32, // RFC 8092 §3 (optional transitive)
} as const;
export type AttrType = (typeof AttrType)[keyof typeof AttrType];

/** Path attribute flag bits — RFC 4271 §4.3. */
export const AttrFlag = {
  Optional: 0x80,
  Transitive: 0x40,
  Partial: 0x20,
  ExtendedLength: 0x10,
} as const;

/** Address families — IANA "Address Family Numbers" (RFC 4760 §3). */
export const Afi = { Ipv4: 1, Ipv6: 2 } as const;
export type Afi = (typeof Afi)[keyof typeof Afi];

/** Subsequent address families — RFC 4760 §6. Only unicast is carried by btrd. */
export const Safi = { Unicast: 1, Multicast: 2 } as const;
export type Safi = number;

/** Capability codes — RFC 5492 §4 registry. */
export const CapabilityCode = {
  Multiprotocol: 1, // RFC 4760 §8
  RouteRefresh: 2, // RFC 2918 §2
  ExtendedNextHop: 5, // RFC 8950 (recognised, not negotiated)
  ExtendedMessage: 6, // RFC 8654 §3
  GracefulRestart: 64, // RFC 4724 §3
  FourOctetAs: 65, // RFC 6793 §3
  AddPath: 69, // RFC 7911 §4
  EnhancedRouteRefresh: 70, // RFC 7313 §3
} as const;

/** RFC 6793 §9: the reserved 2-octet AS used in place of a 4-octet AS number. */
export const AS_TRANS = 23456;

/** NOTIFICATION error codes — RFC 4271 §4.5, RFC 7313, RFC 9687. */
export const ErrorCode = {
  MessageHeader: 1,
  OpenMessage: 2,
  UpdateMessage: 3,
  HoldTimerExpired: 4,
  FsmError: 5,
  Cease: 6,
  RouteRefreshMessage: 7, // RFC 7313 §5
  SendHoldTimerExpired: 8, // RFC 9687
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Message Header Error subcodes — RFC 4271 §6.1. */
export const HeaderSubcode = {
  ConnectionNotSynchronized: 1,
  BadMessageLength: 2,
  BadMessageType: 3,
} as const;

/** OPEN Message Error subcodes — RFC 4271 §6.2, RFC 5492 §5. Subcode 5 is deprecated. */
export const OpenSubcode = {
  UnsupportedVersionNumber: 1,
  BadPeerAs: 2,
  BadBgpIdentifier: 3,
  UnsupportedOptionalParameter: 4,
  UnacceptableHoldTime: 6,
  UnsupportedCapability: 7, // RFC 5492 §5
  RoleMismatch: 11, // RFC 9234
} as const;

/** UPDATE Message Error subcodes — RFC 4271 §6.3. Subcode 7 is deprecated. */
export const UpdateSubcode = {
  MalformedAttributeList: 1,
  UnrecognizedWellKnownAttribute: 2,
  MissingWellKnownAttribute: 3,
  AttributeFlagsError: 4,
  AttributeLengthError: 5,
  InvalidOriginAttribute: 6,
  InvalidNextHopAttribute: 8,
  OptionalAttributeError: 9,
  InvalidNetworkField: 10,
  MalformedAsPath: 11,
} as const;

/** FSM Error subcodes — RFC 6608 §3. */
export const FsmSubcode = {
  Unspecified: 0,
  UnexpectedInOpenSent: 1,
  UnexpectedInOpenConfirm: 2,
  UnexpectedInEstablished: 3,
} as const;

/** Cease subcodes — RFC 4486 §4, RFC 8538 (hard reset). */
export const CeaseSubcode = {
  MaximumPrefixesReached: 1,
  AdministrativeShutdown: 2,
  PeerDeconfigured: 3,
  AdministrativeReset: 4,
  ConnectionRejected: 5,
  OtherConfigurationChange: 6,
  ConnectionCollisionResolution: 7,
  OutOfResources: 8,
  HardReset: 9, // RFC 8538
  BfdDown: 10, // RFC 9384
} as const;

/** ROUTE-REFRESH Message Error subcodes — RFC 7313 §5. */
export const RouteRefreshSubcode = {
  InvalidMessageLength: 1,
} as const;

/** ROUTE-REFRESH message subtypes (the reserved octet) — RFC 7313 §3.2. */
export const RouteRefreshSubtype = {
  Normal: 0,
  BeginningOfRouteRefresh: 1,
  EndOfRouteRefresh: 2,
} as const;
