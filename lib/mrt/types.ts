/**
 * MRT (RFC 6396) record shapes and registries.
 *
 * Records are thin: every variable-length payload (path attributes of a RIB entry, a BGP message) is a
 * `Uint8Array` view into the decompressed input, never a copy and never decoded. Decoding attributes is the
 * caller's choice (lib/wire/attributes.ts, with `CodecContext.mrtRibEntryAfi` for RIB entries).
 * The reader never reuses memory it has handed out, so views stay valid for as long as they are referenced.
 */
import type { PrefixKey } from '../wire/prefix.js';

/** MRT types — RFC 6396 §4 (and Appendix B for the deprecated ones we read). */
export const MrtType = {
  Bgp: 5, // RFC 6396 Appendix B.2.1 (deprecated "BGP" type, 1990s RIPE/MRTd dumps)
  TableDump: 12, // RFC 6396 §4.2
  TableDumpV2: 13, // RFC 6396 §4.3
  Bgp4mp: 16, // RFC 6396 §4.4
  Bgp4mpEt: 17, // RFC 6396 §4.4 (extended timestamp, §3)
} as const;
export type MrtType = (typeof MrtType)[keyof typeof MrtType];

/** TABLE_DUMP_V2 subtypes — RFC 6396 §4.3, RFC 8050 §4 (ADD-PATH). */
export const TableDumpV2Subtype = {
  PeerIndexTable: 1,
  RibIpv4Unicast: 2,
  RibIpv4Multicast: 3,
  RibIpv6Unicast: 4,
  RibIpv6Multicast: 5,
  RibGeneric: 6,
  GeoPeerTable: 7, // RFC 6397
  RibIpv4UnicastAddPath: 8, // RFC 8050
  RibIpv4MulticastAddPath: 9,
  RibIpv6UnicastAddPath: 10,
  RibIpv6MulticastAddPath: 11,
  RibGenericAddPath: 12,
} as const;

/** BGP4MP / BGP4MP_ET subtypes — RFC 6396 §4.4, RFC 8050 §3 (ADD-PATH). */
export const Bgp4mpSubtype = {
  StateChange: 0,
  Message: 1,
  Entry: 2, // deprecated (RFC 6396 Appendix B.2.5)
  Snapshot: 3, // deprecated
  MessageAs4: 4,
  StateChangeAs4: 5,
  MessageLocal: 6,
  MessageAs4Local: 7,
  MessageAddPath: 8, // RFC 8050
  MessageAs4AddPath: 9,
  MessageLocalAddPath: 10,
  MessageAs4LocalAddPath: 11,
} as const;

/** Deprecated MRT type 5 ("BGP") subtypes — RFC 6396 Appendix B.2.1. */
export const LegacyBgpSubtype = {
  Null: 0,
  Update: 1,
  PrefUpdate: 2,
  StateChange: 3,
  Sync: 4,
  Open: 5,
  Notify: 6,
  Keepalive: 7,
} as const;

/** Fields every record carries (the MRT common header, RFC 6396 §2, plus where it sits in the input). */
export interface MrtHeader {
  /** Offset of the record's common header in the decompressed input. */
  readonly offset: number;
  /** Seconds since the epoch (MRT header). */
  readonly timestamp: number;
  /** Microseconds, only for the _ET types (RFC 6396 §3). */
  readonly microseconds?: number;
  readonly type: number;
  readonly subtype: number;
  /** The header's length field (for _ET it includes the 4-octet microsecond field). */
  readonly length: number;
}

/** One peer of a PEER_INDEX_TABLE — RFC 6396 §4.3.1. */
export interface MrtPeer {
  readonly index: number;
  /** Peer BGP identifier, dotted quad. */
  readonly bgpId: string;
  /** Peer address text (IPv4 dotted quad or RFC 5952 IPv6). */
  readonly ip: string;
  readonly asn: number;
  /** Peer Type bit 0: the address is IPv6. */
  readonly ipv6: boolean;
  /** Peer Type bit 1: the AS field is 4 octets. */
  readonly as4: boolean;
}

export interface PeerIndexTableRecord extends MrtHeader {
  readonly kind: 'peer-index-table';
  readonly collectorBgpId: string;
  readonly viewName: string;
  readonly peers: readonly MrtPeer[];
}

/** One RIB entry — RFC 6396 §4.3.4, RFC 8050 §4 (path identifier). */
export interface RibEntry {
  readonly peerIndex: number;
  readonly originatedTime: number;
  /** Only in the *_ADDPATH subtypes. */
  readonly pathId?: number;
  /**
   * Raw path attributes as stored: AS numbers are 4 octets, and MP_REACH_NLRI is abbreviated to
   * (next-hop length, next hop) — RFC 6396 §4.3.4. A view into the input.
   */
  readonly attributes: Uint8Array;
}

/** RIB_IPV4_UNICAST / RIB_IPV4_MULTICAST / RIB_IPV6_* and their ADD-PATH variants. */
export interface RibRecord extends MrtHeader {
  readonly kind: 'rib';
  readonly afi: 1 | 2;
  /** 1 unicast, 2 multicast. */
  readonly safi: 1 | 2;
  readonly addPath: boolean;
  readonly sequence: number;
  readonly prefix: PrefixKey;
  readonly entries: readonly RibEntry[];
  /** The PEER_INDEX_TABLE in force when the record was read (null when the file has none). */
  readonly peerTable: PeerIndexTableRecord | null;
}

/** BGP4MP(_ET) MESSAGE* records, and messages of the deprecated type 5 (rebuilt with a header). */
export interface Bgp4mpMessageRecord extends MrtHeader {
  readonly kind: 'bgp4mp-message';
  readonly peerAs: number;
  readonly localAs: number;
  readonly ifIndex: number;
  /** AFI of the peer/local addresses (not of the NLRI). */
  readonly afi: number;
  readonly peerIp: string;
  readonly localIp: string;
  /** The subtype is an _AS4 one: the session used 4-octet AS numbers (decode AS_PATH with 4 octets). */
  readonly as4: boolean;
  /** *_LOCAL subtypes: the message was sent by the local speaker, not received. */
  readonly local: boolean;
  /** RFC 8050 *_ADDPATH subtypes: NLRI carry path identifiers. */
  readonly addPath: boolean;
  /**
   * The whole BGP message including the 19-octet marker/length/type header (a view). For the deprecated
   * type 5 records, which store no header, it is rebuilt (a copy).
   */
  readonly message: Uint8Array;
}

/** BGP4MP(_ET) STATE_CHANGE(_AS4) records (and type 5 STATE_CHANGE). States per RFC 4271 §8.2.2, 1..6. */
export interface Bgp4mpStateChangeRecord extends MrtHeader {
  readonly kind: 'bgp4mp-state-change';
  readonly peerAs: number;
  readonly localAs: number;
  readonly ifIndex: number;
  readonly afi: number;
  readonly peerIp: string;
  readonly localIp: string;
  readonly as4: boolean;
  readonly oldState: number;
  readonly newState: number;
}

/** Legacy TABLE_DUMP (v1) entry — RFC 6396 §4.2. One route per record; AS numbers are 2 octets. */
export interface TableDumpRecord extends MrtHeader {
  readonly kind: 'table-dump';
  readonly afi: 1 | 2;
  readonly viewNumber: number;
  readonly sequence: number;
  readonly prefix: PrefixKey;
  readonly status: number;
  readonly originatedTime: number;
  readonly peerIp: string;
  readonly peerAs: number;
  /** Raw path attributes, 2-octet AS numbers, full (not abbreviated) MP_REACH. A view. */
  readonly attributes: Uint8Array;
}

export type UnknownReason = 'unknown-type' | 'unknown-subtype' | 'unsupported';

/** A well-framed record this reader does not decode (RIB_GENERIC, BGP4MP_ENTRY, OSPF, ISIS, ...). */
export interface UnknownRecord extends MrtHeader {
  readonly kind: 'unknown';
  readonly reason: UnknownReason;
  /** The record body after the common header (and after the microsecond field for _ET). */
  readonly body: Uint8Array;
}

/** What went wrong, as a stable kebab-case token. */
export type MrtErrorReason =
  /** The input ended inside a record (header or body). */
  | 'truncated-record'
  /** The header's length is beyond `maxRecordLength` (a damaged header): reading stops. */
  | 'bad-record-length'
  /** A well-framed record whose body is inconsistent (too short for its fields, bad prefix length, ...). */
  | 'malformed-record'
  /** The gzip/bzip2 stream is damaged or truncated, or the decompressor failed. */
  | 'decompress-failed'
  /** The input could not be opened or read. */
  | 'io-error';

/** A damaged or truncated part of the input, reported in place of a record. */
export interface MrtErrorRecord {
  readonly kind: 'error';
  readonly reason: MrtErrorReason;
  readonly message: string;
  /** Offset in the decompressed input where the problem was found (the record's header when known). */
  readonly offset: number;
  /** Header fields when a header was read. */
  readonly timestamp?: number;
  readonly type?: number;
  readonly subtype?: number;
  /** True when the reader cannot continue after this error (it is the last record). */
  readonly fatal: boolean;
}

export type MrtRecord =
  | PeerIndexTableRecord
  | RibRecord
  | Bgp4mpMessageRecord
  | Bgp4mpStateChangeRecord
  | TableDumpRecord
  | UnknownRecord
  | MrtErrorRecord;

const ERROR_CODES: Readonly<Record<MrtErrorReason, string>> = {
  'truncated-record': 'BTRD_ERR_MRT_TRUNCATED_RECORD',
  'bad-record-length': 'BTRD_ERR_MRT_BAD_RECORD_LENGTH',
  'malformed-record': 'BTRD_ERR_MRT_MALFORMED_RECORD',
  'decompress-failed': 'BTRD_ERR_MRT_DECOMPRESS_FAILED',
  'io-error': 'BTRD_ERR_MRT_IO',
};

/** Thrown by the reader in `errors: 'throw'` mode; carries the same data as the error record. */
export class MrtError extends Error {
  readonly code: string;
  readonly reason: MrtErrorReason;
  readonly offset: number;
  readonly record: MrtErrorRecord;

  constructor(record: MrtErrorRecord, options?: { cause?: unknown }) {
    super(`${record.message} (at offset ${record.offset})`, options);
    this.name = 'MrtError';
    this.code = ERROR_CODES[record.reason];
    this.reason = record.reason;
    this.offset = record.offset;
    this.record = record;
  }
}
