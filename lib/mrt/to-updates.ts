/**
 * TABLE_DUMP_V2 RIB → BGP UPDATE messages, per peer: the realistic input for ingest benchmarks.
 *
 * For each peer, consecutive prefixes (in dump order) whose MRT attribute bytes are identical are packed
 * into one UPDATE, up to `maxMessageLength` (4096, RFC 4271 §4.1). IPv4 unicast NLRI go in the NLRI
 * field; IPv6 (and anything whose RIB entry carries an MP_REACH_NLRI) go into a full MP_REACH_NLRI rebuilt
 * from the abbreviated RIB-entry form (RFC 6396 §4.3.4 → RFC 4760 §3: AFI, SAFI, next hop, reserved, NLRI),
 * placed where the abbreviated attribute was. Attributes are otherwise copied byte for byte: they are in
 * the MRT 4-octet-AS form, which is what a session with the 4-octet AS capability (RFC 6793) carries — no
 * AS_PATH/AS4_PATH conversion is done, so the target session must be 4-octet-AS.
 * ADD-PATH RIB records (RFC 8050) produce NLRI with path identifiers (RFC 7911) unless `addPath: false`.
 *
 * Everything works on bytes: no attribute is decoded except to find MP_REACH_NLRI.
 */
import { ByteWriter } from '../wire/bytes.js';
import { ipv4KeyAddress, prefixLength, type PrefixKey } from '../wire/prefix.js';
import type { MrtPeer, MrtRecord, RibRecord } from './types.js';

const ATTR_MP_REACH = 14;
const ATTR_MP_UNREACH = 15;
const FLAG_EXTENDED_LENGTH = 0x10;
const HEADER = 19;

export interface RibToUpdatesOptions {
  /** Largest UPDATE to build (4096; up to 65535 with RFC 8654 extended messages). */
  readonly maxMessageLength?: number;
  /** Emit path identifiers for ADD-PATH RIB records (default true). False drops them. */
  readonly addPath?: boolean;
}

/** One UPDATE for one peer. */
export interface PeerUpdate {
  readonly peerIndex: number;
  /** From the PEER_INDEX_TABLE (undefined if the index is not in it or there is no table). */
  readonly peer: MrtPeer | undefined;
  /** MRT header timestamp (dump time) of the RIB record holding the UPDATE's first prefix. */
  readonly timestamp: number;
  readonly afi: 1 | 2;
  readonly safi: 1 | 2;
  /** NLRI carry path identifiers (RFC 7911). */
  readonly addPath: boolean;
  readonly prefixCount: number;
  /** The whole message, 19-octet header included. */
  readonly message: Uint8Array;
}

/** Where MP_REACH_NLRI sits in a RIB entry's attributes and its next hop. */
interface Converted {
  /** Attribute bytes before the MP_REACH (or all of them when there is none). */
  readonly before: Uint8Array;
  /** Attribute bytes after it. */
  readonly after: Uint8Array;
  /** Next hop from the abbreviated MP_REACH, or null when the entry has none (IPv4 NEXT_HOP form). */
  readonly nextHop: Uint8Array | null;
}

/**
 * Walk attribute TLVs (RFC 4271 §4.3) and return each one's [start, valueStart, end]. Throws RangeError on
 * overrun: RIB entries are supposed to be well-formed; a damaged one is the caller's to skip.
 */
function findAttribute(b: Uint8Array, type: number): [number, number, number] | null {
  let p = 0;
  while (p < b.length) {
    if (p + 3 > b.length) throw new RangeError('attribute header overruns the attributes');
    const flags = b[p];
    const t = b[p + 1];
    let len: number;
    let v: number;
    if (flags & FLAG_EXTENDED_LENGTH) {
      if (p + 4 > b.length) throw new RangeError('attribute header overruns the attributes');
      len = (b[p + 2] << 8) | b[p + 3];
      v = p + 4;
    } else {
      len = b[p + 2];
      v = p + 3;
    }
    if (v + len > b.length) throw new RangeError(`attribute ${t} overruns the attributes`);
    if (t === type) return [p, v, v + len];
    p = v + len;
  }
  return null;
}

/**
 * The next hop of a RIB entry's MP_REACH_NLRI value. RFC 6396 §4.3.4 abbreviates it to (length, next hop);
 * some old dumpers wrote the full RFC 4760 form (AFI, SAFI, length, next hop, ...), which is accepted too.
 */
export function mrtMpReachNextHop(value: Uint8Array): Uint8Array {
  if (value.length >= 1 && value[0] + 1 === value.length) return value.subarray(1);
  if (value.length >= 4 && (value[0] << 8 | value[1]) <= 2 && 4 + value[3] <= value.length) return value.subarray(4, 4 + value[3]);
  throw new RangeError(`MP_REACH_NLRI of ${value.length} bytes is neither abbreviated nor full`);
}

const UNSPECIFIED_V4 = new Uint8Array(4);
const UNSPECIFIED_V6 = new Uint8Array(16);

/**
 * Split a RIB entry's attributes around MP_REACH_NLRI. Families other than IPv4 unicast always need an
 * MP_REACH_NLRI; when the entry has none (BIRD writes RIB entries without it) the next hop is the
 * unspecified address (0.0.0.0 or ::), counted in `RibToUpdates.missingNextHop`.
 */
function convert(attrs: Uint8Array, afi: 1 | 2, safi: 1 | 2): Converted {
  const mp = findAttribute(attrs, ATTR_MP_REACH);
  if (!mp) {
    const nextHop = afi === 1 && safi === 1 ? null : afi === 1 ? UNSPECIFIED_V4 : UNSPECIFIED_V6;
    return { before: attrs, after: attrs.subarray(attrs.length), nextHop };
  }
  return { before: attrs.subarray(0, mp[0]), after: attrs.subarray(mp[2]), nextHop: mrtMpReachNextHop(attrs.subarray(mp[1], mp[2])) };
}

/**
 * UPDATE-form attributes → MRT RIB-entry form: MP_REACH_NLRI abbreviated to (next-hop length, next hop),
 * MP_UNREACH_NLRI dropped (RFC 6396 §4.3.4). Other attributes are copied as they are (they must already
 * use 4-octet AS numbers). For building TABLE_DUMP_V2 dumps from received UPDATEs.
 */
export function abbreviateMpReach(attrs: Uint8Array): Uint8Array {
  const w = new ByteWriter(attrs.length);
  let p = 0;
  while (p < attrs.length) {
    const flags = attrs[p];
    const t = attrs[p + 1];
    const ext = (flags & FLAG_EXTENDED_LENGTH) !== 0;
    const len = ext ? (attrs[p + 2] << 8) | attrs[p + 3] : attrs[p + 2];
    const v = p + (ext ? 4 : 3);
    if (p + 3 > attrs.length || v + len > attrs.length) throw new RangeError(`attribute ${t} overruns the attributes`);
    if (t === ATTR_MP_REACH) {
      if (len < 5 || 4 + attrs[v + 3] > len) throw new RangeError('MP_REACH_NLRI too short for its next hop');
      const nhLen = attrs[v + 3];
      w.u8(flags & ~FLAG_EXTENDED_LENGTH).u8(t).u8(nhLen + 1).u8(nhLen).bytes(attrs.subarray(v + 4, v + 4 + nhLen));
    } else if (t !== ATTR_MP_UNREACH) {
      w.bytes(attrs.subarray(p, v + len));
    }
    p = v + len;
  }
  return w.finish();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function nlriSize(prefix: PrefixKey, addPath: boolean): number {
  return (addPath ? 5 : 1) + ((prefixLength(prefix) + 7) >> 3);
}

function writeNlri(w: ByteWriter, prefix: PrefixKey, pathId: number | undefined): void {
  if (pathId !== undefined) w.u32(pathId);
  const len = prefixLength(prefix);
  w.u8(len);
  const n = (len + 7) >> 3;
  if (typeof prefix === 'number') {
    const a = ipv4KeyAddress(prefix);
    for (let j = 0; j < n; j++) w.u8((a >>> (24 - 8 * j)) & 255);
  } else {
    for (let j = 0; j < n; j++) w.u8(parseInt(prefix.slice(j * 2, j * 2 + 2), 16));
  }
}

/** The UPDATE being filled for one peer. */
class PeerGroup {
  attrs: Uint8Array | null = null;
  conv: Converted | null = null;
  afi: 1 | 2 = 1;
  safi: 1 | 2 = 1;
  addPath = false;
  timestamp = 0;
  nlri = new ByteWriter(4096);
  count = 0;
  /** Message size with the prefixes so far. */
  size = 0;
  constructor(readonly peerIndex: number) {}
}

/**
 * Incremental converter: push RIB records in dump order, collect UPDATEs. A new PEER_INDEX_TABLE
 * flushes everything (peer indexes change meaning).
 */
export class RibToUpdates {
  private groups: (PeerGroup | undefined)[] = [];
  private peers: readonly MrtPeer[] = [];
  private tableOffset = -1;
  private readonly max: number;
  private readonly keepPathIds: boolean;
  private readonly out = new ByteWriter(4096);
  /** RIB entries skipped because their attributes could not be walked or fill a message by themselves. */
  skippedEntries = 0;
  /** Attribute sets (not entries) of non-IPv4-unicast routes without MP_REACH_NLRI, given an unspecified next hop. */
  missingNextHop = 0;

  constructor(options: RibToUpdatesOptions = {}) {
    this.max = options.maxMessageLength ?? 4096;
    this.keepPathIds = options.addPath ?? true;
  }

  push(rec: RibRecord, out: PeerUpdate[] = []): PeerUpdate[] {
    const table = rec.peerTable;
    const tableOffset = table ? table.offset : -1;
    if (tableOffset !== this.tableOffset) {
      this.flush(out);
      this.groups = [];
      this.peers = table ? table.peers : [];
      this.tableOffset = tableOffset;
    }
    const addPath = rec.addPath && this.keepPathIds;
    const psize = nlriSize(rec.prefix, addPath);
    for (const e of rec.entries) {
      let g = this.groups[e.peerIndex];
      if (!g) g = this.groups[e.peerIndex] = new PeerGroup(e.peerIndex);
      const fits = g.size + psize <= this.max;
      if (g.count === 0 || !fits || g.afi !== rec.afi || g.safi !== rec.safi || g.addPath !== addPath || !sameBytes(g.attrs!, e.attributes)) {
        if (g.count > 0) out.push(this.emit(g));
        let conv: Converted;
        if (g.attrs !== null && g.afi === rec.afi && g.safi === rec.safi && sameBytes(g.attrs, e.attributes)) conv = g.conv!;
        else {
          try {
            conv = convert(e.attributes, rec.afi, rec.safi);
            if (conv.nextHop === UNSPECIFIED_V4 || conv.nextHop === UNSPECIFIED_V6) this.missingNextHop++;
          } catch {
            this.skippedEntries++;
            g.attrs = null;
            continue;
          }
        }
        g.attrs = e.attributes;
        g.conv = conv;
        g.afi = rec.afi;
        g.safi = rec.safi;
        g.addPath = addPath;
        g.timestamp = rec.timestamp;
        g.size = HEADER + 4 + conv.before.length + conv.after.length + (conv.nextHop ? 4 + 5 + conv.nextHop.length : 0);
        if (g.size + psize > this.max) {
          this.skippedEntries++; // attributes alone fill the message
          g.attrs = null;
          continue;
        }
      }
      writeNlri(g.nlri, rec.prefix, addPath ? e.pathId ?? 0 : undefined);
      g.count++;
      g.size += psize;
    }
    return out;
  }

  /** Emit every partly filled UPDATE (end of input). */
  flush(out: PeerUpdate[] = []): PeerUpdate[] {
    for (const g of this.groups) if (g && g.count > 0) out.push(this.emit(g));
    return out;
  }

  private emit(g: PeerGroup): PeerUpdate {
    const conv = g.conv!;
    const w = this.out;
    w.length = 0;
    w.reserve(16);
    const lenAt = w.reserve(2);
    w.u8(2); // UPDATE
    w.u16(0); // withdrawn routes length
    const attrLenAt = w.reserve(2);
    w.bytes(conv.before);
    const nlri = g.nlri.finish();
    if (conv.nextHop) {
      // RFC 4760 §3, always with the extended-length flag so the size is known before filling.
      w.u8(0x80 | FLAG_EXTENDED_LENGTH).u8(ATTR_MP_REACH).u16(5 + conv.nextHop.length + nlri.length);
      w.u16(g.afi).u8(g.safi).u8(conv.nextHop.length).bytes(conv.nextHop).u8(0).bytes(nlri);
      w.bytes(conv.after);
      w.patchU16(attrLenAt, w.length - attrLenAt - 2);
    } else {
      w.bytes(conv.after);
      w.patchU16(attrLenAt, w.length - attrLenAt - 2);
      w.bytes(nlri);
    }
    w.patchU16(lenAt, w.length);
    const message = w.finish();
    message.fill(0xff, 0, 16);
    const u: PeerUpdate = {
      peerIndex: g.peerIndex,
      peer: this.peers[g.peerIndex],
      timestamp: g.timestamp,
      afi: g.afi,
      safi: g.safi,
      addPath: g.addPath,
      prefixCount: g.count,
      message,
    };
    g.nlri.length = 0;
    g.count = 0;
    return u;
  }
}

/** Convert the RIB records of an MRT record stream (e.g. `readMrt(path)`); other records are ignored. */
export async function* ribToUpdates(
  records: AsyncIterable<MrtRecord> | Iterable<MrtRecord>,
  options: RibToUpdatesOptions = {},
): AsyncGenerator<PeerUpdate> {
  const conv = new RibToUpdates(options);
  const out: PeerUpdate[] = [];
  for await (const rec of records) {
    if (rec.kind !== 'rib') continue;
    conv.push(rec, out);
    if (out.length > 0) {
      yield* out;
      out.length = 0;
    }
  }
  yield* conv.flush();
}
