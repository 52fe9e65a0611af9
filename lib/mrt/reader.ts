/**
 * Streaming MRT reader (RFC 6396; RFC 8050 ADD-PATH subtypes).
 *
 *   for await (const rec of readMrt('rib.gz')) { ... }        // one record at a time
 *   for await (const batch of readMrtBatches(path)) { ... }    // arrays of records, one per input chunk (faster)
 *   const recs = parseMrt(bytes)                                // in-memory, already decompressed
 *
 * Input: a file path, a Buffer/Uint8Array (compressed or not) or an async iterable of decompressed chunks.
 * Compression is detected from the magic bytes, not the file name: gzip (node:zlib, multi-member),
 * bzip2 (the system `bzip2 -dc`, spawned as a child process — Node has no bzip2; Debian package `bzip2`),
 * otherwise plain MRT.
 *
 * Memory stays bounded: the input is decompressed in chunks and parsed as it arrives; only the tail of an
 * incomplete record is held back. Records hold views into the chunks (no copies), so memory is what the
 * consumer keeps alive. A record split across chunks is assembled once (a copy of that record only).
 *
 * Damage never throws out of the iterator by default: truncated/garbled records become `{kind: 'error'}`
 * records with the offset (mode `errors: 'yield'`); with `errors: 'throw'` the first one is thrown as an
 * `MrtError`. A well-framed but malformed record is reported and skipped; reading continues. A truncated
 * record at the end, a damaged compressed stream or an implausible length field ends the input (`fatal`).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { formatIpv4, formatIpv6 } from '../wire/address.js';
import { ipv4Key, ipv6Key, type PrefixKey } from '../wire/prefix.js';
import {
  Bgp4mpSubtype,
  LegacyBgpSubtype,
  MrtError,
  MrtType,
  TableDumpV2Subtype,
  type Bgp4mpMessageRecord,
  type Bgp4mpStateChangeRecord,
  type MrtErrorReason,
  type MrtErrorRecord,
  type MrtPeer,
  type MrtRecord,
  type PeerIndexTableRecord,
  type RibEntry,
  type RibRecord,
  type TableDumpRecord,
  type UnknownReason,
  type UnknownRecord,
} from './types.js';

export const MRT_HEADER_LENGTH = 12;
/** Default cap on one record's length: larger values are taken as a damaged header. */
export const DEFAULT_MAX_RECORD_LENGTH = 16 * 1024 * 1024;
const CHUNK_SIZE = 256 * 1024;

export interface MrtReadOptions {
  /** 'yield' (default): damage becomes error records. 'throw': the first one is thrown as MrtError. */
  readonly errors?: 'yield' | 'throw';
  /** Records whose length field exceeds this are treated as a damaged header (default 16 MiB). */
  readonly maxRecordLength?: number;
  /** Force a compression instead of sniffing the magic bytes. */
  readonly compression?: 'auto' | 'gzip' | 'bzip2' | 'none';
}

export type MrtSource = string | Uint8Array | AsyncIterable<Uint8Array>;

/** A record body does not hold the fields its type promises. */
class BodyError extends Error {}
function need(ok: boolean, what: string): void {
  if (!ok) throw new BodyError(what);
}

function u16(b: Uint8Array, p: number): number {
  return (b[p] << 8) | b[p + 1];
}
function u32(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}
function ipText(b: Uint8Array, p: number, v6: boolean): string {
  return v6 ? formatIpv6(b.subarray(p, p + 16)) : formatIpv4(u32(b, p));
}
/** Prefix length byte + ceil(len/8) address bytes (RFC 6396 §4.3.2) at p; returns [key, next offset]. */
function readPrefix(b: Uint8Array, p: number, end: number, afi: 1 | 2): [PrefixKey, number] {
  need(p < end, 'missing prefix length');
  const len = b[p++];
  need(len <= (afi === 1 ? 32 : 128), `prefix length ${len} too long for AFI ${afi}`);
  const n = (len + 7) >> 3;
  need(p + n <= end, 'truncated prefix');
  if (afi === 1) {
    let a = 0;
    if (n > 0) a = b[p] << 24;
    if (n > 1) a |= b[p + 1] << 16;
    if (n > 2) a |= b[p + 2] << 8;
    if (n > 3) a |= b[p + 3];
    return [ipv4Key(a, len), p + n];
  }
  return [ipv6Key(b, p, len), p + n];
}

/**
 * Incremental parser: push decompressed chunks, collect records. Exposed for callers that own their
 * input (e.g. a socket); `readMrt` is the usual entry point.
 */
export class MrtParser {
  /** The PEER_INDEX_TABLE in force (TABLE_DUMP_V2 RIB records refer to it). */
  peerTable: PeerIndexTableRecord | null = null;
  /** Offset of the first byte not yet consumed. */
  private consumed = 0;
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  private stopped = false;
  private readonly maxRecordLength: number;

  constructor(options: { maxRecordLength?: number } = {}) {
    this.maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
  }

  /** True once a fatal error was reported; later input is ignored. */
  get done(): boolean {
    return this.stopped;
  }

  /** Bytes held back waiting for the rest of a record. */
  get buffered(): number {
    return this.pendingLength;
  }

  /** Parse as many whole records as `chunk` (plus held-back bytes) contains; append them to `out`. */
  push(chunk: Uint8Array, out: MrtRecord[] = []): MrtRecord[] {
    if (this.stopped || chunk.length === 0) return out;
    let b: Uint8Array;
    if (this.pendingLength === 0) {
      b = chunk;
    } else {
      this.pending.push(chunk);
      this.pendingLength += chunk.length;
      // Join only when the held-back record is complete (or its header is still unknown): a record
      // spanning many chunks is copied once, not once per chunk.
      const first = this.pending[0];
      if (this.pendingLength >= MRT_HEADER_LENGTH && first.length >= MRT_HEADER_LENGTH) {
        const needed = MRT_HEADER_LENGTH + u32(first, 8);
        if (this.pendingLength < needed && needed <= this.maxRecordLength + MRT_HEADER_LENGTH) return out;
      }
      b = new Uint8Array(this.pendingLength);
      let at = 0;
      for (const c of this.pending) {
        b.set(c, at);
        at += c.length;
      }
      this.pending = [];
      this.pendingLength = 0;
    }
    let p = 0;
    const n = b.length;
    while (n - p >= MRT_HEADER_LENGTH) {
      const length = u32(b, p + 8);
      if (length > this.maxRecordLength) {
        out.push(this.error(b, p, 'bad-record-length', `record length ${length} exceeds ${this.maxRecordLength}`, true));
        this.stopped = true;
        return out;
      }
      if (n - p - MRT_HEADER_LENGTH < length) break;
      out.push(this.parseRecord(b, p, this.consumed));
      p += MRT_HEADER_LENGTH + length;
      this.consumed += MRT_HEADER_LENGTH + length;
    }
    if (p < n) {
      this.pending.push(p === 0 ? b : b.subarray(p));
      this.pendingLength = n - p;
    }
    return out;
  }

  /** Signal end of input: a held-back partial record becomes a fatal 'truncated-record' error. */
  end(out: MrtRecord[] = []): MrtRecord[] {
    if (this.stopped) return out;
    this.stopped = true;
    if (this.pendingLength > 0) {
      const first = this.pending[0];
      const hdr = first.length >= MRT_HEADER_LENGTH;
      out.push({
        kind: 'error',
        reason: 'truncated-record',
        message: hdr
          ? `input ends inside a record: ${this.pendingLength - MRT_HEADER_LENGTH} of ${u32(first, 8)} body bytes present`
          : `input ends inside a record header (${this.pendingLength} of ${MRT_HEADER_LENGTH} bytes)`,
        offset: this.consumed,
        ...(hdr ? { timestamp: u32(first, 0), type: u16(first, 4), subtype: u16(first, 6) } : {}),
        fatal: true,
      });
      this.pending = [];
      this.pendingLength = 0;
    }
    return out;
  }

  /** Report a failure that ends reading (e.g. the decompressor failed) at the current position. */
  fail(reason: MrtErrorReason, message: string, out: MrtRecord[] = []): MrtRecord[] {
    if (this.stopped) return out;
    this.stopped = true;
    out.push({ kind: 'error', reason, message, offset: this.consumed + this.pendingLength, fatal: true });
    this.pending = [];
    this.pendingLength = 0;
    return out;
  }

  private error(b: Uint8Array, p: number, reason: MrtErrorReason, message: string, fatal: boolean): MrtErrorRecord {
    return { kind: 'error', reason, message, offset: this.consumed, timestamp: u32(b, p), type: u16(b, p + 4), subtype: u16(b, p + 6), fatal };
  }

  /** One whole record at b[p..]: header at p, body up to p + 12 + length. `offset` is its input offset. */
  parseRecord(b: Uint8Array, p: number, offset: number): MrtRecord {
    const timestamp = u32(b, p);
    const type = u16(b, p + 4);
    const subtype = u16(b, p + 6);
    const length = u32(b, p + 8);
    let start = p + MRT_HEADER_LENGTH;
    const end = start + length;
    try {
      switch (type) {
        case MrtType.TableDumpV2:
          return this.parseTableDumpV2(b, start, end, offset, timestamp, subtype, length);
        case MrtType.Bgp4mp:
          return parseBgp4mp(b, start, end, offset, timestamp, undefined, type, subtype, length);
        case MrtType.Bgp4mpEt: {
          need(length >= 4, 'BGP4MP_ET record without its microsecond field');
          const us = u32(b, start);
          start += 4;
          return parseBgp4mp(b, start, end, offset, timestamp, us, type, subtype, length);
        }
        case MrtType.TableDump:
          return parseTableDump(b, start, end, offset, timestamp, subtype, length);
        case MrtType.Bgp:
          return parseLegacyBgp(b, start, end, offset, timestamp, subtype, length);
        default:
          return unknown(b, start, end, offset, timestamp, type, subtype, length, 'unknown-type');
      }
    } catch (e) {
      if (!(e instanceof BodyError)) throw e;
      return { kind: 'error', reason: 'malformed-record', message: e.message, offset, timestamp, type, subtype, fatal: false };
    }
  }

  private parseTableDumpV2(b: Uint8Array, p: number, end: number, offset: number, timestamp: number, subtype: number, length: number): MrtRecord {
    const S = TableDumpV2Subtype;
    switch (subtype) {
      case S.PeerIndexTable: {
        const rec = parsePeerIndexTable(b, p, end, offset, timestamp, length);
        this.peerTable = rec;
        return rec;
      }
      case S.RibIpv4Unicast:
      case S.RibIpv4Multicast:
      case S.RibIpv6Unicast:
      case S.RibIpv6Multicast:
      case S.RibIpv4UnicastAddPath:
      case S.RibIpv4MulticastAddPath:
      case S.RibIpv6UnicastAddPath:
      case S.RibIpv6MulticastAddPath: {
        const addPath = subtype >= S.RibIpv4UnicastAddPath;
        const base = addPath ? subtype - 6 : subtype; // 2..5
        const afi: 1 | 2 = base <= 3 ? 1 : 2;
        const safi: 1 | 2 = base === 2 || base === 4 ? 1 : 2;
        return parseRib(b, p, end, offset, timestamp, subtype, length, afi, safi, addPath, this.peerTable);
      }
      case S.RibGeneric:
      case S.RibGenericAddPath:
      case S.GeoPeerTable:
        return unknown(b, p, end, offset, timestamp, MrtType.TableDumpV2, subtype, length, 'unsupported');
      default:
        return unknown(b, p, end, offset, timestamp, MrtType.TableDumpV2, subtype, length, 'unknown-subtype');
    }
  }
}

function unknown(
  b: Uint8Array,
  p: number,
  end: number,
  offset: number,
  timestamp: number,
  type: number,
  subtype: number,
  length: number,
  reason: UnknownReason,
): UnknownRecord {
  return { kind: 'unknown', reason, offset, timestamp, type, subtype, length, body: b.subarray(p, end) };
}

/** RFC 6396 §4.3.1. */
function parsePeerIndexTable(b: Uint8Array, p: number, end: number, offset: number, timestamp: number, length: number): PeerIndexTableRecord {
  need(p + 6 <= end, 'PEER_INDEX_TABLE too short');
  const collectorBgpId = formatIpv4(u32(b, p));
  const nameLen = u16(b, p + 4);
  p += 6;
  need(p + nameLen + 2 <= end, 'PEER_INDEX_TABLE view name overruns the record');
  const viewName = Buffer.from(b.buffer, b.byteOffset + p, nameLen).toString('utf8');
  p += nameLen;
  const count = u16(b, p);
  p += 2;
  const peers: MrtPeer[] = new Array(count);
  for (let i = 0; i < count; i++) {
    need(p + 5 <= end, `PEER_INDEX_TABLE truncated at peer ${i} of ${count}`);
    const peerType = b[p];
    const ipv6 = (peerType & 1) !== 0;
    const as4 = (peerType & 2) !== 0;
    const bgpId = formatIpv4(u32(b, p + 1));
    p += 5;
    const ipLen = ipv6 ? 16 : 4;
    const asLen = as4 ? 4 : 2;
    need(p + ipLen + asLen <= end, `PEER_INDEX_TABLE truncated at peer ${i} of ${count}`);
    const ip = ipText(b, p, ipv6);
    p += ipLen;
    const asn = as4 ? u32(b, p) : u16(b, p);
    p += asLen;
    peers[i] = { index: i, bgpId, ip, asn, ipv6, as4 };
  }
  return { kind: 'peer-index-table', offset, timestamp, type: MrtType.TableDumpV2, subtype: TableDumpV2Subtype.PeerIndexTable, length, collectorBgpId, viewName, peers };
}

/** RFC 6396 §4.3.2 (AFI/SAFI-specific RIB subtypes), RFC 8050 §4 (ADD-PATH). */
function parseRib(
  b: Uint8Array,
  p: number,
  end: number,
  offset: number,
  timestamp: number,
  subtype: number,
  length: number,
  afi: 1 | 2,
  safi: 1 | 2,
  addPath: boolean,
  peerTable: PeerIndexTableRecord | null,
): RibRecord {
  need(p + 4 <= end, 'RIB record too short for its sequence number');
  const sequence = u32(b, p);
  const [prefix, q] = readPrefix(b, p + 4, end, afi);
  p = q;
  need(p + 2 <= end, 'RIB record too short for its entry count');
  const count = u16(b, p);
  p += 2;
  const entries: RibEntry[] = new Array(count);
  const fixed = addPath ? 12 : 8;
  for (let i = 0; i < count; i++) {
    need(p + fixed <= end, `RIB entry ${i} of ${count} truncated`);
    const peerIndex = u16(b, p);
    const originatedTime = u32(b, p + 2);
    let attrLen: number;
    if (addPath) {
      const pathId = u32(b, p + 6);
      attrLen = u16(b, p + 10);
      p += 12;
      need(p + attrLen <= end, `RIB entry ${i} attributes overrun the record`);
      entries[i] = { peerIndex, originatedTime, pathId, attributes: b.subarray(p, p + attrLen) };
    } else {
      attrLen = u16(b, p + 6);
      p += 8;
      need(p + attrLen <= end, `RIB entry ${i} attributes overrun the record`);
      entries[i] = { peerIndex, originatedTime, attributes: b.subarray(p, p + attrLen) };
    }
    p += attrLen;
  }
  return { kind: 'rib', offset, timestamp, type: MrtType.TableDumpV2, subtype, length, afi, safi, addPath, sequence, prefix, entries, peerTable };
}

/** RFC 6396 §4.4.1–§4.4.6, RFC 8050 §3. */
function parseBgp4mp(
  b: Uint8Array,
  p: number,
  end: number,
  offset: number,
  timestamp: number,
  microseconds: number | undefined,
  type: number,
  subtype: number,
  length: number,
): MrtRecord {
  const S = Bgp4mpSubtype;
  let as4: boolean;
  let stateChange = false;
  switch (subtype) {
    case S.StateChange:
      as4 = false;
      stateChange = true;
      break;
    case S.StateChangeAs4:
      as4 = true;
      stateChange = true;
      break;
    case S.Message:
    case S.MessageLocal:
    case S.MessageAddPath:
    case S.MessageLocalAddPath:
      as4 = false;
      break;
    case S.MessageAs4:
    case S.MessageAs4Local:
    case S.MessageAs4AddPath:
    case S.MessageAs4LocalAddPath:
      as4 = true;
      break;
    case S.Entry:
    case S.Snapshot: {
      const rec = unknown(b, p, end, offset, timestamp, type, subtype, length, 'unsupported');
      return microseconds === undefined ? rec : { ...rec, microseconds };
    }
    default: {
      const rec = unknown(b, p, end, offset, timestamp, type, subtype, length, 'unknown-subtype');
      return microseconds === undefined ? rec : { ...rec, microseconds };
    }
  }
  const asLen = as4 ? 4 : 2;
  need(p + 2 * asLen + 4 <= end, 'BGP4MP record too short for its header');
  const peerAs = as4 ? u32(b, p) : u16(b, p);
  const localAs = as4 ? u32(b, p + asLen) : u16(b, p + asLen);
  p += 2 * asLen;
  const ifIndex = u16(b, p);
  const afi = u16(b, p + 2);
  p += 4;
  need(afi === 1 || afi === 2, `BGP4MP address family ${afi} is neither IPv4 nor IPv6`);
  const ipLen = afi === 2 ? 16 : 4;
  need(p + 2 * ipLen <= end, 'BGP4MP record too short for its addresses');
  const peerIp = ipText(b, p, afi === 2);
  const localIp = ipText(b, p + ipLen, afi === 2);
  p += 2 * ipLen;
  // Fields shared by STATE_CHANGE and MESSAGE records (RFC 6396 §4.4.1–4.4.4).
  const common = { offset, timestamp, type, subtype, length, peerAs, localAs, ifIndex, afi, peerIp, localIp, as4 };
  if (stateChange) {
    need(p + 4 <= end, 'BGP4MP STATE_CHANGE record too short for its states');
    const rec: Bgp4mpStateChangeRecord = { kind: 'bgp4mp-state-change', ...common, oldState: u16(b, p), newState: u16(b, p + 2) };
    return microseconds === undefined ? rec : { ...rec, microseconds };
  }
  need(end - p >= 19, `BGP4MP message of ${end - p} bytes is shorter than a BGP header`);
  const local = subtype === S.MessageLocal || subtype === S.MessageAs4Local || subtype === S.MessageLocalAddPath || subtype === S.MessageAs4LocalAddPath;
  const addPath = subtype >= S.MessageAddPath;
  const rec: Bgp4mpMessageRecord = { kind: 'bgp4mp-message', ...common, local, addPath, message: b.subarray(p, end) };
  return microseconds === undefined ? rec : { ...rec, microseconds };
}

/** Legacy TABLE_DUMP — RFC 6396 §4.2. Subtype is the AFI. */
function parseTableDump(b: Uint8Array, p: number, end: number, offset: number, timestamp: number, subtype: number, length: number): MrtRecord {
  if (subtype !== 1 && subtype !== 2) return unknown(b, p, end, offset, timestamp, MrtType.TableDump, subtype, length, 'unknown-subtype');
  const afi = subtype as 1 | 2;
  const ipLen = afi === 1 ? 4 : 16;
  need(p + 4 + ipLen + 2 + 4 + ipLen + 4 <= end, 'TABLE_DUMP record too short');
  const viewNumber = u16(b, p);
  const sequence = u16(b, p + 2);
  p += 4;
  const plen = b[p + ipLen];
  need(plen <= ipLen * 8, `TABLE_DUMP prefix length ${plen} too long`);
  let prefix: PrefixKey;
  if (afi === 1) prefix = ipv4Key(u32(b, p), plen);
  else prefix = ipv6Key(b, p, plen);
  p += ipLen + 1;
  const status = b[p];
  const originatedTime = u32(b, p + 1);
  p += 5;
  const peerIp = ipText(b, p, afi === 2);
  p += ipLen;
  const peerAs = u16(b, p);
  const attrLen = u16(b, p + 2);
  p += 4;
  need(p + attrLen <= end, 'TABLE_DUMP attributes overrun the record');
  const rec: TableDumpRecord = {
    kind: 'table-dump',
    offset,
    timestamp,
    type: MrtType.TableDump,
    subtype,
    length,
    afi,
    viewNumber,
    sequence,
    prefix,
    status,
    originatedTime,
    peerIp,
    peerAs,
    attributes: b.subarray(p, p + attrLen),
  };
  return rec;
}

const LEGACY_MESSAGE_TYPE: Record<number, number> = {
  [LegacyBgpSubtype.Update]: 2,
  [LegacyBgpSubtype.Open]: 1,
  [LegacyBgpSubtype.Notify]: 3,
  [LegacyBgpSubtype.Keepalive]: 4,
};

/**
 * Deprecated type 5 "BGP" — RFC 6396 Appendix B.2.1 (MRTd). Messages are stored without the BGP header:
 * we rebuild it so that `message` is uniform with BGP4MP. IPv4 only, 2-octet AS.
 */
function parseLegacyBgp(b: Uint8Array, p: number, end: number, offset: number, timestamp: number, subtype: number, length: number): MrtRecord {
  const type = MrtType.Bgp;
  if (subtype === LegacyBgpSubtype.StateChange) {
    need(p + 10 <= end, 'BGP STATE_CHANGE record too short');
    return {
      kind: 'bgp4mp-state-change',
      offset,
      timestamp,
      type,
      subtype,
      length,
      peerAs: u16(b, p),
      localAs: 0,
      ifIndex: 0,
      afi: 1,
      peerIp: formatIpv4(u32(b, p + 2)),
      localIp: '0.0.0.0',
      as4: false,
      oldState: u16(b, p + 6),
      newState: u16(b, p + 8),
    };
  }
  const msgType = LEGACY_MESSAGE_TYPE[subtype];
  if (msgType === undefined) {
    const reason: UnknownReason = subtype <= LegacyBgpSubtype.Keepalive ? 'unsupported' : 'unknown-subtype';
    return unknown(b, p, end, offset, timestamp, type, subtype, length, reason);
  }
  need(p + 12 <= end, 'BGP record too short for its header');
  const bodyLen = end - p - 12;
  need(bodyLen + 19 <= 65535, 'BGP message too long to rebuild');
  const message = new Uint8Array(19 + bodyLen);
  message.fill(0xff, 0, 16);
  message[16] = (19 + bodyLen) >> 8;
  message[17] = (19 + bodyLen) & 255;
  message[18] = msgType;
  message.set(b.subarray(p + 12, end), 19);
  return {
    kind: 'bgp4mp-message',
    offset,
    timestamp,
    type,
    subtype,
    length,
    peerAs: u16(b, p),
    peerIp: formatIpv4(u32(b, p + 2)),
    localAs: u16(b, p + 6),
    localIp: formatIpv4(u32(b, p + 8)),
    ifIndex: 0,
    afi: 1,
    as4: false,
    local: false,
    addPath: false,
    message,
  };
}

/** Parse an in-memory, already decompressed MRT image. Errors are records (see MrtReadOptions). */
export function parseMrt(bytes: Uint8Array, options: MrtReadOptions = {}): MrtRecord[] {
  const parser = new MrtParser(options);
  const out = parser.push(bytes);
  parser.end(out);
  if (options.errors === 'throw') throwFirstError(out);
  return out;
}

function throwFirstError(recs: MrtRecord[]): void {
  for (const r of recs) if (r.kind === 'error') throw new MrtError(r);
}

type Compression = 'gzip' | 'bzip2' | 'none';

function sniff(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  return 'none';
}

async function sniffFile(path: string): Promise<Compression> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(3);
    const { bytesRead } = await fh.read(head, 0, 3, 0);
    return sniff(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/**
 * Decompressed chunks of a source. Decompressor failures are raised as MrtError('decompress-failed')
 * after all the data that could be decompressed has been delivered.
 */
async function* decompressedChunks(source: MrtSource, compression: MrtReadOptions['compression']): AsyncGenerator<Uint8Array> {
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
    yield* source;
    return;
  }
  let kind: Compression;
  try {
    kind = compression && compression !== 'auto' ? compression : typeof source === 'string' ? await sniffFile(source) : sniff(source);
  } catch (e) {
    throw new MrtError({ kind: 'error', reason: 'io-error', message: `cannot open ${String(source)}: ${(e as Error).message}`, offset: 0, fatal: true }, { cause: e });
  }
  const raw = (): Readable =>
    typeof source === 'string' ? createReadStream(source, { highWaterMark: CHUNK_SIZE }) : Readable.from([source], { objectMode: false });
  if (kind === 'none') {
    if (source instanceof Uint8Array) {
      yield source;
      return;
    }
    try {
      for await (const chunk of raw()) yield chunk as Uint8Array;
    } catch (e) {
      throw new MrtError({ kind: 'error', reason: 'io-error', message: `read failed: ${(e as Error).message}`, offset: 0, fatal: true }, { cause: e });
    }
    return;
  }
  if (kind === 'gzip') {
    const input = raw();
    const gunzip = createGunzip({ chunkSize: CHUNK_SIZE });
    input.on('error', (e) => gunzip.destroy(e));
    input.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield chunk as Uint8Array;
    } catch (e) {
      throw new MrtError({ kind: 'error', reason: 'decompress-failed', message: `gzip: ${(e as Error).message}`, offset: 0, fatal: true }, { cause: e });
    } finally {
      input.destroy();
      gunzip.destroy();
    }
    return;
  }
  // bzip2: Node has no decoder; spawn the system `bzip2 -dc` (Debian package `bzip2`).
  yield* bzip2Chunks(source);
}

async function* bzip2Chunks(source: string | Uint8Array): AsyncGenerator<Uint8Array> {
  const child = spawn('bzip2', typeof source === 'string' ? ['-dc', '--', source] : ['-dc'], {
    stdio: [typeof source === 'string' ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let spawnError: Error | null = null;
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  child.on('error', (e) => {
    spawnError = e;
    child.stdout!.destroy();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  if (typeof source !== 'string') {
    child.stdin!.on('error', () => {}); // EPIPE when bzip2 stops early: reported through its exit code
    child.stdin!.end(source);
  }
  let finished = false;
  try {
    try {
      for await (const chunk of child.stdout!) yield chunk as Uint8Array;
    } catch {
      // stdout destroyed after a spawn error: reported below
    }
    const code = await exited;
    finished = true;
    if (spawnError || code !== 0) {
      const why = spawnError
        ? `cannot run bzip2 (install the Debian package bzip2): ${(spawnError as Error).message}`
        : `bzip2 exited with ${code}: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`;
      throw new MrtError({ kind: 'error', reason: 'decompress-failed', message: why, offset: 0, fatal: true });
    }
  } finally {
    if (!finished && child.exitCode === null) child.kill();
  }
}

/**
 * Read MRT records in batches (one array per decompressed chunk): the fastest way through a large file.
 * Never throws for damaged input in 'yield' mode; see the module comment.
 */
export async function* readMrtBatches(source: MrtSource, options: MrtReadOptions = {}): AsyncGenerator<MrtRecord[]> {
  const parser = new MrtParser(options);
  const strict = options.errors === 'throw';
  try {
    for await (const chunk of decompressedChunks(source, options.compression)) {
      const out = parser.push(chunk);
      if (out.length > 0) {
        if (strict) throwFirstError(out);
        yield out;
      }
      if (parser.done) return;
    }
  } catch (e) {
    if (!(e instanceof MrtError)) throw e;
    // Deliver complete records already decoded, then the error at the position reached.
    const out = parser.fail(e.reason, e.record.message);
    if (strict) throw out.length > 0 ? new MrtError(out[0] as MrtErrorRecord, { cause: e.cause }) : e;
    if (out.length > 0) yield out;
    return;
  }
  const out = parser.end();
  if (strict) throwFirstError(out);
  if (out.length > 0) yield out;
}

/** Read MRT records one at a time (async iterator). */
export async function* readMrt(source: MrtSource, options: MrtReadOptions = {}): AsyncGenerator<MrtRecord> {
  for await (const batch of readMrtBatches(source, options)) yield* batch;
}
