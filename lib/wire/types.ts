/** Decoded message shapes shared by the codec modules. */
import type { Afi } from './iana.js';
import type { PrefixKey } from './prefix.js';
import type { Treatment } from './errors.js';

/** Session properties that change how UPDATEs are encoded/decoded. */
export interface CodecContext {
  /** RFC 6793: both sides sent the 4-octet AS capability (AS_PATH/AGGREGATOR carry 4-octet ASNs). */
  readonly fourOctetAs: boolean;
  /** RFC 7911: per AFI, path identifiers are present in received NLRI. */
  readonly addPathIpv4?: boolean;
  readonly addPathIpv6?: boolean;
  /** The peer is external (changes RFC 7606 treatments of LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST). */
  readonly ebgp?: boolean;
  /**
   * RFC 6396 §4.3.4: inside TABLE_DUMP_V2 RIB entries MP_REACH_NLRI is abbreviated to
   * (next-hop length, next hop) with no AFI/SAFI/reserved/NLRI. `afi` says which family the entry is for.
   */
  readonly mrtRibEntryAfi?: 1 | 2;
}

/** AS_PATH segment types — RFC 4271 §4.3, RFC 5065 §3. */
export const AsPathSegmentType = { AsSet: 1, AsSequence: 2, ConfedSequence: 3, ConfedSet: 4 } as const;
export type AsPathSegmentType = (typeof AsPathSegmentType)[keyof typeof AsPathSegmentType];

export interface AsPathSegment {
  readonly type: AsPathSegmentType;
  readonly asns: readonly number[];
}

export interface Aggregator {
  readonly asn: number;
  /** Dotted quad. */
  readonly address: string;
}

export interface MpNextHop {
  /** IPv4 dotted quad or IPv6 text. */
  readonly global: string;
  /** IPv6 link-local next hop when the length is 32 (RFC 2545 §3). */
  readonly linkLocal?: string;
}

export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  readonly nextHop: MpNextHop;
  /** The raw next-hop bytes (kept for byte-exact re-encoding of non-canonical forms). */
  readonly nextHopBytes?: Uint8Array;
  /** Only for AFI 1/2 SAFI 1/2; other families keep their NLRI as `rawNlri`. */
  readonly nlri: readonly PrefixKey[];
  readonly pathIds?: readonly number[];
  readonly rawNlri?: Uint8Array;
  /** The reserved octet (RFC 4760 §3; formerly SNPA count), preserved for byte-exact re-encoding. */
  readonly reserved: number;
}

export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: readonly PrefixKey[];
  readonly pathIds?: readonly number[];
  readonly rawNlri?: Uint8Array;
}

/** An attribute btrd does not interpret, kept byte-exact. */
export interface RawAttribute {
  readonly flags: number;
  readonly type: number;
  readonly value: Uint8Array;
}

/** The order and flags attributes arrived with, so that encode(decode(bytes)) == bytes. */
export interface AttributeWire {
  readonly type: number;
  readonly flags: number;
}

/**
 * Decoded path attributes, excluding MP_REACH/MP_UNREACH (per-UPDATE NLRI carriers, kept on the UPDATE
 * so that this object can be interned and shared across UPDATEs with the same attributes).
 */
export interface PathAttributes {
  origin?: 0 | 1 | 2;
  /** As received (2- or 4-octet per the session). See `asPathEffective` for the RFC 6793 §4.2.3 merge. */
  asPath?: readonly AsPathSegment[];
  /** IPv4 NEXT_HOP, dotted quad. */
  nextHop?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: Aggregator;
  /** RFC 1997 communities as u32 values (asn << 16 | value). */
  communities?: readonly number[];
  originatorId?: string;
  clusterList?: readonly string[];
  /** RFC 4360 extended communities, 16 hex digits each. */
  extCommunities?: readonly string[];
  as4Path?: readonly AsPathSegment[];
  as4Aggregator?: Aggregator;
  /** RFC 8092 large communities as [global admin, local 1, local 2]. */
  largeCommunities?: readonly (readonly [number, number, number])[];
  /** Unrecognized optional attributes, byte-exact. */
  unknown?: readonly RawAttribute[];
  /** RFC 6793 §4.2.3: the AS path to use for decisions (AS4_PATH merged in on 2-octet sessions). */
  asPathEffective?: readonly AsPathSegment[];
  /** RFC 6793 §4.2.3: AS4_AGGREGATOR replaces AGGREGATOR when the latter carries AS_TRANS. */
  aggregatorEffective?: Aggregator;
  /** Wire order and flags (absent for attributes built in code: then canonical order and flags). */
  wire?: readonly AttributeWire[];
}

/** A non-fatal attribute problem found while decoding (RFC 7606 §7), with what was done. */
export interface AttributeIssue {
  readonly attrType: number;
  readonly treatment: Treatment;
  readonly reason: string;
  /** The NOTIFICATION to use if this is escalated to a session reset. */
  readonly code: number;
  readonly subcode: number;
}

export interface UpdateMessage {
  readonly withdrawn: readonly PrefixKey[];
  readonly withdrawnPathIds?: readonly number[];
  /** Null when the UPDATE has no path attributes (a pure withdrawal or End-of-RIB). Interned & frozen. */
  readonly attributes: PathAttributes | null;
  readonly nlri: readonly PrefixKey[];
  readonly nlriPathIds?: readonly number[];
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  /** Strongest RFC 7606 treatment that applied ('none' if clean; never 'session-reset': that throws). */
  readonly treatment: Treatment;
  readonly issues: readonly AttributeIssue[];
}

export type { Afi, PrefixKey };
