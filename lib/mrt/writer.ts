/**
 * TABLE_DUMP_V2 writer (RFC 6396 §4.3; RFC 8050 ADD-PATH subtypes when entries carry path ids).
 *
 * A dump is one PEER_INDEX_TABLE followed by one RIB_IPV4_UNICAST / RIB_IPV6_UNICAST record per prefix.
 * Attributes are written as given: they must already be in the MRT RIB-entry form — 4-octet AS numbers in
 * AS_PATH/AGGREGATOR, and MP_REACH_NLRI abbreviated to (next-hop length, next hop) for IPv6 (RFC 6396
 * §4.3.4). `abbreviateMpReach` in to-updates.ts turns UPDATE-form attributes into that form.
 * Peers are always written with 4-octet AS fields (Peer Type bit 1). Output is readable by `bgpdump -m`.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { parseIpv4, parseIpv6 } from '../wire/address.js';
import { ByteWriter } from '../wire/bytes.js';
import { prefixAddressBytes, prefixLength, type PrefixKey } from '../wire/prefix.js';
import { MrtType, TableDumpV2Subtype } from './types.js';

export interface RibDumpPeer {
  /** BGP identifier, dotted quad. */
  readonly bgpId: string;
  /** IPv4 or IPv6 address text. */
  readonly ip: string;
  readonly asn: number;
}

export interface RibDumpEntry {
  /** Index into the peer list written in the PEER_INDEX_TABLE. */
  readonly peerIndex: number;
  readonly originatedTime: number;
  /** RFC 8050: when any entry of a route has one, the route is written with the *_ADDPATH subtype. */
  readonly pathId?: number;
  /** MRT-form path attributes (see the module comment). */
  readonly attributes: Uint8Array;
}

export interface RibDumpRoute {
  readonly prefix: PrefixKey;
  readonly entries: readonly RibDumpEntry[];
  /** 1 unicast (default) or 2 multicast. */
  readonly safi?: 1 | 2;
  /** MRT header timestamp for this record (default: the dump's `timestamp`). */
  readonly timestamp?: number;
}

export interface TableDumpV2Options {
  /** MRT header timestamp of every record (seconds). */
  readonly timestamp: number;
  readonly collectorBgpId?: string;
  readonly viewName?: string;
}

function header(w: ByteWriter, timestamp: number, subtype: number): number {
  w.u32(timestamp).u16(MrtType.TableDumpV2).u16(subtype);
  return w.reserve(4);
}

function patchLength(w: ByteWriter, at: number): void {
  const len = w.length - at - 4;
  w.patchU16(at, len >>> 16);
  w.patchU16(at + 2, len & 0xffff);
}

/** Encodes records one by one; keeps the RIB sequence number. */
export class TableDumpV2Encoder {
  private sequence = 0;
  private peerCount = -1;
  private readonly w = new ByteWriter(1 << 16);

  constructor(private readonly options: TableDumpV2Options) {}

  /** RFC 6396 §4.3.1. */
  encodePeerIndexTable(peers: readonly RibDumpPeer[]): Uint8Array {
    if (peers.length > 0xffff) throw new RangeError(`${peers.length} peers do not fit a PEER_INDEX_TABLE`);
    const w = new ByteWriter(64 + peers.length * 26);
    const at = header(w, this.options.timestamp, TableDumpV2Subtype.PeerIndexTable);
    w.u32(parseIpv4(this.options.collectorBgpId ?? '0.0.0.0'));
    const name = Buffer.from(this.options.viewName ?? '', 'utf8');
    w.u16(name.length).bytes(name);
    w.u16(peers.length);
    for (const p of peers) {
      const v6 = p.ip.includes(':');
      w.u8((v6 ? 1 : 0) | 2); // Peer Type: bit 0 IPv6 address, bit 1 4-octet AS
      w.u32(parseIpv4(p.bgpId));
      if (v6) w.bytes(parseIpv6(p.ip));
      else w.u32(parseIpv4(p.ip));
      w.u32(p.asn);
    }
    patchLength(w, at);
    this.peerCount = peers.length;
    return w.finish();
  }

  /** RFC 6396 §4.3.2 / RFC 8050 §4: one RIB record for one prefix. */
  encodeRib(route: RibDumpRoute): Uint8Array {
    const w = this.w;
    w.length = 0;
    this.appendRib(w, route);
    return w.finish();
  }

  /** Append a RIB record to `w` (batching writers avoid a copy per record). */
  appendRib(w: ByteWriter, route: RibDumpRoute): void {
    const { prefix, entries } = route;
    if (entries.length > 0xffff) throw new RangeError(`${entries.length} entries do not fit one RIB record`);
    const v6 = typeof prefix === 'string';
    const addPath = entries.some((e) => e.pathId !== undefined);
    const multicast = route.safi === 2;
    const S = TableDumpV2Subtype;
    const subtype = v6
      ? addPath
        ? multicast ? S.RibIpv6MulticastAddPath : S.RibIpv6UnicastAddPath
        : multicast ? S.RibIpv6Multicast : S.RibIpv6Unicast
      : addPath
        ? multicast ? S.RibIpv4MulticastAddPath : S.RibIpv4UnicastAddPath
        : multicast ? S.RibIpv4Multicast : S.RibIpv4Unicast;
    const at = header(w, route.timestamp ?? this.options.timestamp, subtype);
    w.u32(this.sequence++ >>> 0);
    const len = prefixLength(prefix);
    w.u8(len);
    const addr = prefixAddressBytes(prefix);
    for (let i = 0; i < (len + 7) >> 3; i++) w.u8(addr[i]);
    w.u16(entries.length);
    for (const e of entries) {
      if (this.peerCount >= 0 && e.peerIndex >= this.peerCount) throw new RangeError(`peer index ${e.peerIndex} not in the peer table`);
      if (e.attributes.length > 0xffff) throw new RangeError(`attributes of ${e.attributes.length} bytes do not fit a RIB entry`);
      w.u16(e.peerIndex).u32(e.originatedTime);
      if (addPath) w.u32(e.pathId ?? 0);
      w.u16(e.attributes.length).bytes(e.attributes);
    }
    patchLength(w, at);
  }
}

export interface WriteTableDumpV2Options extends TableDumpV2Options {
  /** Compress with gzip (node:zlib). Default: true when the path ends in .gz. */
  readonly gzip?: boolean;
}

export interface WriteResult {
  readonly records: number;
  /** Uncompressed MRT bytes written. */
  readonly bytes: number;
}

/**
 * Write a TABLE_DUMP_V2 RIB dump: PEER_INDEX_TABLE, then one record per route, in the order given (sort
 * the routes by prefix for a conventional dump). Streams with back-pressure: memory stays at one batch.
 */
export async function writeTableDumpV2(
  path: string,
  peers: readonly RibDumpPeer[],
  routes: Iterable<RibDumpRoute> | AsyncIterable<RibDumpRoute>,
  options: WriteTableDumpV2Options,
): Promise<WriteResult> {
  const enc = new TableDumpV2Encoder(options);
  let records = 0;
  let bytes = 0;
  const BATCH = 1 << 20;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const head = enc.encodePeerIndexTable(peers);
    records++;
    bytes += head.length;
    yield head;
    const w = new ByteWriter(BATCH + (1 << 16));
    for await (const route of routes) {
      enc.appendRib(w, route);
      records++;
      if (w.length >= BATCH) {
        bytes += w.length;
        yield w.finish();
        w.length = 0;
      }
    }
    if (w.length > 0) {
      bytes += w.length;
      yield w.finish();
    }
  }
  const gzip = options.gzip ?? path.endsWith('.gz');
  const source = Readable.from(chunks(), { objectMode: false });
  if (gzip) await pipeline(source, createGzip(), createWriteStream(path));
  else await pipeline(source, createWriteStream(path));
  return { records, bytes };
}

/** One BGP4MP(_ET) message record to write — RFC 6396 §4.4.3 (MESSAGE_AS4), RFC 8050 §3 (ADD-PATH). */
export interface Bgp4mpMessageInput {
  readonly timestamp: number;
  /** When given, the record is BGP4MP_ET with this microsecond field. */
  readonly microseconds?: number;
  readonly peerAs: number;
  readonly localAs: number;
  readonly ifIndex?: number;
  /** The address family follows the peer address; a local address of the other family is written as zeros. */
  readonly peerIp: string;
  readonly localIp: string;
  /** Use the *_ADDPATH subtype (the message's NLRI carry path identifiers). */
  readonly addPath?: boolean;
  /** The whole BGP message, header included. */
  readonly message: Uint8Array;
}

/** Append a BGP4MP MESSAGE_AS4 (or MESSAGE_AS4_ADDPATH) record; AS fields are always 4 octets. */
export function appendBgp4mpMessage(w: ByteWriter, m: Bgp4mpMessageInput): void {
  const v6 = m.peerIp.includes(':');
  const et = m.microseconds !== undefined;
  w.u32(m.timestamp).u16(et ? MrtType.Bgp4mpEt : MrtType.Bgp4mp).u16(m.addPath ? 9 : 4);
  const at = w.reserve(4);
  if (et) w.u32(m.microseconds!);
  w.u32(m.peerAs).u32(m.localAs).u16(m.ifIndex ?? 0).u16(v6 ? 2 : 1);
  if (v6) {
    w.bytes(parseIpv6(m.peerIp));
    w.bytes(m.localIp.includes(':') ? parseIpv6(m.localIp) : new Uint8Array(16));
  } else {
    w.u32(parseIpv4(m.peerIp));
    w.u32(m.localIp.includes(':') ? 0 : parseIpv4(m.localIp));
  }
  w.bytes(m.message);
  patchLength(w, at);
}

export function encodeBgp4mpMessage(m: Bgp4mpMessageInput): Uint8Array {
  const w = new ByteWriter(64 + m.message.length);
  appendBgp4mpMessage(w, m);
  return w.finish();
}

/** Write already-encoded MRT records (or any byte chunks) to a file, gzip when asked or when it ends in .gz. */
export async function writeMrtFile(path: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options: { gzip?: boolean } = {}): Promise<void> {
  const gzip = options.gzip ?? path.endsWith('.gz');
  const source = Readable.from(chunks, { objectMode: false });
  if (gzip) await pipeline(source, createGzip(), createWriteStream(path));
  else await pipeline(source, createWriteStream(path));
}
