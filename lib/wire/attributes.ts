/**
 * Path attributes: ONE table of descriptors (type code → name, category, flags, decode, encode, format,
 * treatment when malformed) and the generic loops that enforce RFC 4271 §6.3 and RFC 7606 once
 * (BIRD's bgp_attr_table + bgp_decode_attr shape).
 *
 * Generic loop order per attribute (RFC 7606 §3): framing (§4) → duplicates (§3 g) → unknown
 * well-known (RFC 4271 §6.3) → O/T flag conflict (§3 c) → descriptor.decode → the strongest treatment
 * wins (GoBGP's severity order). Semantic checks that need the whole UPDATE (missing mandatory
 * attributes, §3 d) are done by update.ts, which knows whether NLRI are present.
 *
 * Documented choice: an unrecognized *well-known* attribute (Optional bit clear) resets the session with
 * 3/2 as RFC 4271 §6.3 says; RFC 7606 does not revise that case (BIRD withdraws instead).
 */
import { AS_TRANS, AttrFlag, AttrType, UpdateSubcode } from './iana.js';
import { ByteWriter, readU32, toHex } from './bytes.js';
import { formatIpv4, parseIpv4 } from './address.js';
import { MalformedAttribute, strongerTreatment, type Treatment } from './errors.js';
import { AsPathSegmentType, type Aggregator, type AttributeIssue, type AttributeWire, type CodecContext, type MpReach, type MpUnreach, type PathAttributes, type RawAttribute } from './types.js';
import { AttrFault, discard, malformed, withdraw } from './attributes/fault.js';
import { decodeAsPath, encodeAsPath, formatAsPath, hasFourOctetAsn, mergeAs4Path } from './attributes/as-path.js';
import { decodeMpReach, decodeMpUnreach, encodeMpReach, encodeMpUnreach } from './attributes/mp-reach.js';

/** RFC 4271 §5 categories: well-known mandatory/discretionary, optional non-transitive/transitive. */
export type AttrCategory = 'WM' | 'WD' | 'ON' | 'OT';

/** Expected Optional/Transitive bits per category (RFC 4271 §4.3: well-known ⇒ Transitive set). */
const CATEGORY_FLAGS: Readonly<Record<AttrCategory, number>> = {
  WM: AttrFlag.Transitive,
  WD: AttrFlag.Transitive,
  ON: AttrFlag.Optional,
  OT: AttrFlag.Optional | AttrFlag.Transitive,
};

type ValueKey = Exclude<keyof PathAttributes, 'unknown' | 'wire' | 'asPathEffective' | 'aggregatorEffective'>;

export interface AttrDescriptor<K extends ValueKey = ValueKey> {
  readonly code: number;
  readonly name: string;
  readonly category: AttrCategory;
  /** Where the standard defines the attribute and its error handling. */
  readonly rfc: string;
  /** Treatment when malformed (including O/T flag conflicts, RFC 7606 §3 c). */
  readonly onMalformed: Treatment;
  /** NOTIFICATION subcode to use if escalated to a reset (RFC 4271 §6.3). */
  readonly subcode: number;
  readonly key: K;
  decode(v: Uint8Array, ctx: CodecContext): NonNullable<PathAttributes[K]>;
  encode(value: NonNullable<PathAttributes[K]>, ctx: CodecContext, w: ByteWriter): void;
  format(value: NonNullable<PathAttributes[K]>): string;
}

/** Expected O/T flag bits of a descriptor. */
export function expectedFlags(d: AttrDescriptor): number {
  return CATEGORY_FLAGS[d.category];
}

function define<K extends ValueKey>(d: AttrDescriptor<K>): AttrDescriptor {
  return d as unknown as AttrDescriptor;
}

function u32Of(v: Uint8Array, name: string, subcode: number = UpdateSubcode.AttributeLengthError): number {
  if (v.length !== 4) malformed(`${name} length ${v.length} ≠ 4`, subcode);
  return readU32(v, 0);
}

/**
 * Dotted-quad text of recently decoded IPv4 values (direct-mapped, 256 entries): a peer sends one NEXT_HOP
 * in all its UPDATEs, so every attribute set of the peer shares one string instead of formatting its own.
 */
const ipv4TextKeys = new Float64Array(256).fill(-1);
const ipv4Texts: string[] = new Array<string>(256).fill('');

function ipv4Of(v: Uint8Array, name: string): string {
  const x = u32Of(v, name);
  const i = (x ^ (x >>> 8) ^ (x >>> 16) ^ (x >>> 24)) & 255;
  if (ipv4TextKeys[i] === x) return ipv4Texts[i];
  const text = formatIpv4(x);
  ipv4TextKeys[i] = x;
  ipv4Texts[i] = text;
  return text;
}

function decodeAggregator(v: Uint8Array, asnSize: 2 | 4, name: string): Aggregator {
  // RFC 7606 §7.7 / RFC 6793 §6: a wrong length means attribute discard (descriptor default).
  if (v.length !== asnSize + 4) malformed(`${name} length ${v.length} ≠ ${asnSize + 4}`, UpdateSubcode.AttributeLengthError);
  const asn = asnSize === 4 ? readU32(v, 0) : (v[0] << 8) | v[1];
  return { asn, address: formatIpv4(readU32(v, asnSize)) };
}

function encodeAggregator(a: Aggregator, asnSize: 2 | 4, w: ByteWriter): void {
  if (asnSize === 4) w.u32(a.asn);
  else w.u16(a.asn > 0xffff ? AS_TRANS : a.asn);
  w.u32(parseIpv4(a.address));
}

const asnSizeOf = (ctx: CodecContext): 2 | 4 => (ctx.fourOctetAs ? 4 : 2);

const ORIGIN_NAMES = ['IGP', 'EGP', 'INCOMPLETE'] as const;

/** The descriptor table, indexed by type code. */
export const ATTRIBUTES: ReadonlyMap<number, AttrDescriptor> = new Map(
  [
    define({
      code: AttrType.Origin, name: 'ORIGIN', category: 'WM', rfc: 'RFC 4271 §5.1.1; RFC 7606 §7.1',
      onMalformed: 'treat-as-withdraw', subcode: UpdateSubcode.InvalidOriginAttribute, key: 'origin',
      decode(v) {
        if (v.length !== 1) malformed(`ORIGIN length ${v.length} ≠ 1`, UpdateSubcode.AttributeLengthError);
        if (v[0] > 2) malformed(`undefined ORIGIN value ${v[0]}`, UpdateSubcode.InvalidOriginAttribute);
        return v[0] as 0 | 1 | 2;
      },
      encode: (o, _c, w) => void w.u8(o),
      format: (o) => ORIGIN_NAMES[o],
    }),
    define({
      code: AttrType.AsPath, name: 'AS_PATH', category: 'WM', rfc: 'RFC 4271 §5.1.2; RFC 7606 §7.2',
      onMalformed: 'treat-as-withdraw', subcode: UpdateSubcode.MalformedAsPath, key: 'asPath',
      decode: (v, ctx) => decodeAsPath(v, asnSizeOf(ctx)),
      encode: (p, ctx, w) => encodeAsPath(p, asnSizeOf(ctx), w),
      format: formatAsPath,
    }),
    define({
      code: AttrType.NextHop, name: 'NEXT_HOP', category: 'WM', rfc: 'RFC 4271 §5.1.3; RFC 7606 §7.3',
      onMalformed: 'treat-as-withdraw', subcode: UpdateSubcode.InvalidNextHopAttribute, key: 'nextHop',
      decode: (v) => ipv4Of(v, 'NEXT_HOP'),
      encode: (nh, _c, w) => void w.u32(parseIpv4(nh)),
      format: (nh) => nh,
    }),
    define({
      code: AttrType.MultiExitDisc, name: 'MULTI_EXIT_DISC', category: 'ON', rfc: 'RFC 4271 §5.1.4; RFC 7606 §7.4',
      onMalformed: 'treat-as-withdraw', subcode: UpdateSubcode.OptionalAttributeError, key: 'med',
      decode: (v) => u32Of(v, 'MULTI_EXIT_DISC'),
      encode: (m, _c, w) => void w.u32(m),
      format: String,
    }),
    define({
      code: AttrType.LocalPref, name: 'LOCAL_PREF', category: 'WD', rfc: 'RFC 4271 §5.1.5; RFC 7606 §7.5',
      onMalformed: 'treat-as-withdraw', subcode: UpdateSubcode.AttributeLengthError, key: 'localPref',
      decode(v, ctx) {
        // RFC 4271 §5.1.5: a BGP speaker MUST ignore LOCAL_PREF received from an external peer.
        if (ctx.ebgp) discard('LOCAL_PREF from an external peer is ignored');
        return u32Of(v, 'LOCAL_PREF');
      },
      encode: (lp, _c, w) => void w.u32(lp),
      format: String,
    }),
    define({
      code: AttrType.AtomicAggregate, name: 'ATOMIC_AGGREGATE', category: 'WD', rfc: 'RFC 4271 §5.1.6; RFC 7606 §7.6',
      onMalformed: 'attribute-discard', subcode: UpdateSubcode.AttributeLengthError, key: 'atomicAggregate',
      decode(v) {
        if (v.length !== 0) malformed(`ATOMIC_AGGREGATE length ${v.length} ≠ 0`);
        return true;
      },
      encode: () => undefined,
      format: () => 'AG',
    }),
    define({
      code: AttrType.Aggregator, name: 'AGGREGATOR', category: 'OT', rfc: 'RFC 4271 §5.1.7; RFC 7606 §7.7',
      onMalformed: 'attribute-discard', subcode: UpdateSubcode.AttributeLengthError, key: 'aggregator',
      decode: (v, ctx) => decodeAggregator(v, asnSizeOf(ctx), 'AGGREGATOR'),
      encode: (a, ctx, w) => encodeAggregator(a, asnSizeOf(ctx), w),
      format: (a) => `AS${a.asn} ${a.address}`,
    }),
    define({
      code: AttrType.Communities, name: 'COMMUNITIES', category: 'OT', rfc: 'RFC 1997; RFC 7606 §7.8',
      onMalformed: 'treat-as-withdraw', subcode: UpdateSubcode.OptionalAttributeError, key: 'communities',
      decode(v) {
        if (v.length === 0 || v.length % 4 !== 0) malformed(`COMMUNITIES length ${v.length} is not a non-zero multiple of 4`);
        const out = new Array<number>(v.length / 4);
        for (let i = 0; i < out.length; i++) out[i] = readU32(v, i * 4);
        return out;
      },
      encode: (cs, _c, w) => void cs.forEach((c) => w.u32(c)),
      format: (cs) => cs.map((c) => `${c >>> 16}:${c & 0xffff}`).join(' '),
    }),
    define({
      code: AttrType.OriginatorId, name: 'ORIGINATOR_ID', category: 'ON', rfc: 'RFC 4456 §8; RFC 7606 §7.9',
      onMalformed: 'treat-as-withdraw', subcode: UpdateSubcode.AttributeLengthError, key: 'originatorId',
      decode(v, ctx) {
        if (ctx.ebgp) discard('ORIGINATOR_ID from an external peer is discarded');
        return ipv4Of(v, 'ORIGINATOR_ID');
      },
      encode: (id, _c, w) => void w.u32(parseIpv4(id)),
      format: (id) => id,
    }),
    define({
      code: AttrType.ClusterList, name: 'CLUSTER_LIST', category: 'ON', rfc: 'RFC 4456 §8; RFC 7606 §7.10',
      onMalformed: 'treat-as-withdraw', subcode: UpdateSubcode.AttributeLengthError, key: 'clusterList',
      decode(v, ctx) {
        if (ctx.ebgp) discard('CLUSTER_LIST from an external peer is discarded');
        if (v.length === 0 || v.length % 4 !== 0) malformed(`CLUSTER_LIST length ${v.length} is not a non-zero multiple of 4`);
        const out: string[] = [];
        for (let i = 0; i < v.length; i += 4) out.push(formatIpv4(readU32(v, i)));
        return out;
      },
      encode: (ids, _c, w) => void ids.forEach((id) => w.u32(parseIpv4(id))),
      format: (ids) => ids.join(' '),
    }),
    define({
      code: AttrType.ExtendedCommunities, name: 'EXTENDED_COMMUNITIES', category: 'OT', rfc: 'RFC 4360 §2; RFC 7606 §7.14',
      onMalformed: 'treat-as-withdraw', subcode: UpdateSubcode.OptionalAttributeError, key: 'extCommunities',
      decode(v) {
        if (v.length === 0 || v.length % 8 !== 0) malformed(`EXTENDED_COMMUNITIES length ${v.length} is not a non-zero multiple of 8`);
        const out: string[] = [];
        for (let i = 0; i < v.length; i += 8) out.push(toHex(v.subarray(i, i + 8)));
        return out;
      },
      encode: (cs, _c, w) => void cs.forEach((c) => w.bytes(Uint8Array.from(Buffer.from(c, 'hex')))),
      format: (cs) => cs.map(formatExtCommunity).join(' '),
    }),
    define({
      code: AttrType.As4Path, name: 'AS4_PATH', category: 'OT', rfc: 'RFC 6793 §3, §6',
      onMalformed: 'attribute-discard', subcode: UpdateSubcode.MalformedAsPath, key: 'as4Path',
      decode(v, ctx) {
        // RFC 6793 §6: a NEW speaker discards AS4_PATH received from a NEW speaker.
        if (ctx.fourOctetAs) discard('AS4_PATH on a 4-octet AS session is discarded');
        const segs = decodeAsPath(v, 4);
        if (segs.some((s) => s.type === AsPathSegmentType.ConfedSequence || s.type === AsPathSegmentType.ConfedSet)) {
          malformed('AS4_PATH carries confederation segments');
        }
        return segs;
      },
      encode: (p, _c, w) => encodeAsPath(p, 4, w),
      format: formatAsPath,
    }),
    define({
      code: AttrType.As4Aggregator, name: 'AS4_AGGREGATOR', category: 'OT', rfc: 'RFC 6793 §3, §6',
      onMalformed: 'attribute-discard', subcode: UpdateSubcode.AttributeLengthError, key: 'as4Aggregator',
      decode(v, ctx) {
        if (ctx.fourOctetAs) discard('AS4_AGGREGATOR on a 4-octet AS session is discarded');
        return decodeAggregator(v, 4, 'AS4_AGGREGATOR');
      },
      encode: (a, _c, w) => encodeAggregator(a, 4, w),
      format: (a) => `AS${a.asn} ${a.address}`,
    }),
    define({
      code: AttrType.LargeCommunity, name: 'LARGE_COMMUNITY', category: 'OT', rfc: 'RFC 8092 §3, §6',
      onMalformed: 'treat-as-withdraw', subcode: UpdateSubcode.OptionalAttributeError, key: 'largeCommunities',
      decode(v) {
        if (v.length === 0 || v.length % 12 !== 0) malformed(`LARGE_COMMUNITY length ${v.length} is not a non-zero multiple of 12`);
        const out: (readonly [number, number, number])[] = [];
        for (let i = 0; i < v.length; i += 12) out.push([readU32(v, i), readU32(v, i + 4), readU32(v, i + 8)] as const);
        return out;
      },
      encode: (cs, _c, w) => void cs.forEach(([a, b, c]) => w.u32(a).u32(b).u32(c)),
      format: (cs) => cs.map(([a, b, c]) => `${a}:${b}:${c}`).join(' '),
    }),
  ].map((d) => [d.code, d] as const),
);

/** MP_REACH/MP_UNREACH are per-UPDATE NLRI carriers: decoded by update.ts, outside the interned part. */
export const MP_ATTRIBUTES: ReadonlyMap<number, { name: string; category: AttrCategory; rfc: string }> = new Map([
  [AttrType.MpReachNlri, { name: 'MP_REACH_NLRI', category: 'ON' as const, rfc: 'RFC 4760 §3; RFC 7606 §7.11' }],
  [AttrType.MpUnreachNlri, { name: 'MP_UNREACH_NLRI', category: 'ON' as const, rfc: 'RFC 4760 §4; RFC 7606 §7.12' }],
]);

/** Text form of an extended community (RFC 4360 §3, RFC 7153 types). */
export function formatExtCommunity(hex: string): string {
  const b = Buffer.from(hex, 'hex');
  const type = b[0] & 0x3f;
  const sub = b[1];
  const name = sub === 2 ? 'rt' : sub === 3 ? 'ro' : `0x${b[0].toString(16)}:0x${sub.toString(16)}`;
  if (type === 0x00) return `${name} ${b.readUInt16BE(2)}:${b.readUInt32BE(4)}`;
  if (type === 0x01) return `${name} ${formatIpv4(b.readUInt32BE(2))}:${b.readUInt16BE(6)}`;
  if (type === 0x02) return `${name} ${b.readUInt32BE(2)}:${b.readUInt16BE(6)}`;
  return `ext ${hex}`;
}

/** One attribute's location in a message: flags, type, and its value range. */
export interface AttributeEntry {
  readonly flags: number;
  readonly type: number;
  readonly start: number; // start of the attribute header
  readonly valueStart: number;
  readonly end: number;
}

export interface AttributeScan {
  readonly entries: AttributeEntry[];
  /** RFC 7606 §4: set when the attribute lengths conflict with Total Path Attribute Length. */
  readonly framingError?: string;
}

/** Walk attribute headers only (cheap; no value is looked at). */
export function scanAttributes(b: Uint8Array, start: number, end: number): AttributeScan {
  const entries: AttributeEntry[] = [];
  let p = start;
  while (p < end) {
    if (p + 3 > end) return { entries, framingError: `${end - p} trailing octets cannot hold an attribute header` };
    const flags = b[p];
    const type = b[p + 1];
    let len: number;
    let vs: number;
    if (flags & AttrFlag.ExtendedLength) {
      if (p + 4 > end) return { entries, framingError: `extended-length header of type ${type} truncated` };
      len = (b[p + 2] << 8) | b[p + 3];
      vs = p + 4;
    } else {
      len = b[p + 2];
      vs = p + 3;
    }
    if (vs + len > end) return { entries, framingError: `attribute type ${type} of length ${len} overruns the attribute section by ${vs + len - end} octets` };
    entries.push({ flags, type, start: p, valueStart: vs, end: vs + len });
    p = vs + len;
  }
  return { entries };
}

export interface DecodedAttributes {
  readonly attributes: PathAttributes;
  readonly treatment: Treatment;
  readonly issues: AttributeIssue[];
}

function issueOf(type: number, treatment: Treatment, reason: string, subcode: number): AttributeIssue {
  return { attrType: type, treatment, reason, code: 3, subcode };
}

/**
 * Shared, frozen `wire` layouts. Every decoded attribute set keeps its wire order and flags, but a peer
 * uses a handful of layouts (ORIGIN, AS_PATH, NEXT_HOP[, MED][, COMMUNITIES]…): one array of one
 * frozen entry per (type, flags) instead of an array and an object per attribute of every set — ~40 %
 * of what a decoded set kept alive, all of it copied by the young-generation GC and traced by the old.
 * Bounded: once MAX_WIRE_LAYOUTS distinct layouts are held, new ones are built per set as before.
 */
const MAX_WIRE_LAYOUTS = 4096;
const wireLayouts = new Map<string, readonly AttributeWire[]>();
const wireEntries: (AttributeWire | undefined)[] = [];
const NO_ISSUES: readonly AttributeIssue[] = Object.freeze([]);

function wireEntry(type: number, flags: number): AttributeWire {
  const k = (flags << 8) | type;
  return (wireEntries[k] ??= Object.freeze({ type, flags }));
}

/** The shared layout for `n` (type, flags) pairs packed as (flags << 8 | type) char codes in `codes`. */
function wireLayout(codes: string, n: number, types: readonly number[]): readonly AttributeWire[] {
  const known = wireLayouts.get(codes);
  if (known !== undefined) return known;
  const layout = new Array<AttributeWire>(n);
  for (let i = 0; i < n; i++) layout[i] = wireEntry(types[i] & 0xff, types[i] >>> 8);
  Object.freeze(layout);
  if (wireLayouts.size < MAX_WIRE_LAYOUTS) wireLayouts.set(codes, layout);
  return layout;
}

/**
 * b[start, end) as a plain Uint8Array view. `b` is often a Buffer, whose subarray builds a Buffer through
 * its species constructor — measurably slower for the several small attribute values of every UPDATE.
 */
function view(b: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset + start, end - start);
}

/** Scratch for the (flags << 8 | type) of the attributes being decoded (reused: decoding is synchronous). */
const wireScratch: number[] = [];

/**
 * Decode the non-MP attributes among `entries` (MP entries only keep their place in `wire`).
 * Throws MalformedAttribute for session-reset cases; other problems become issues.
 */
export function decodeAttributeEntries(b: Uint8Array, entries: readonly AttributeEntry[], ctx: CodecContext): DecodedAttributes {
  const attrs: PathAttributes = {};
  const rec = attrs as Record<string, unknown>;
  const wire = wireScratch;
  let nWire = 0;
  let wireCodes = '';
  const unknown: RawAttribute[] = [];
  const issues: AttributeIssue[] = [];
  let treatment: Treatment = 'none';
  let seenLow = 0; // bitmask of type codes < 32 seen
  let seenHigh: Set<number> | null = null;
  for (const e of entries) {
    const { type, flags } = e;
    // RFC 7606 §3 (g): occurrences after the first are discarded (MP duplicates are handled by update.ts).
    const dup = type < 32 ? (seenLow & (1 << type)) !== 0 : seenHigh !== null && seenHigh.has(type);
    if (dup) {
      if (!MP_ATTRIBUTES.has(type)) {
        issues.push(issueOf(type, 'attribute-discard', `duplicate attribute type ${type} discarded`, UpdateSubcode.MalformedAttributeList));
        treatment = strongerTreatment(treatment, 'attribute-discard');
      }
      continue;
    }
    if (type < 32) seenLow |= 1 << type;
    else (seenHigh ??= new Set()).add(type);
    if (MP_ATTRIBUTES.has(type)) {
      wire[nWire++] = (flags << 8) | type;
      wireCodes += String.fromCharCode((flags << 8) | type);
      continue;
    }
    const d = ATTRIBUTES.get(type);
    const value = view(b, e.valueStart, e.end);
    if (!d) {
      if (!(flags & AttrFlag.Optional)) {
        // RFC 4271 §6.3: unrecognized well-known attribute → 3/2, data = the attribute.
        throw new MalformedAttribute(`unrecognized well-known attribute type ${type}`, type, 'session-reset', UpdateSubcode.UnrecognizedWellKnownAttribute, b.slice(e.start, e.end));
      }
      // RFC 4271 §5: unrecognized optional attributes are kept (transitive ones are passed on with Partial).
      unknown.push({ flags, type, value: b.slice(e.valueStart, e.end) });
      wire[nWire++] = (flags << 8) | type;
      wireCodes += String.fromCharCode((flags << 8) | type);
      continue;
    }
    let fault: AttrFault | null = null;
    if ((flags & (AttrFlag.Optional | AttrFlag.Transitive)) !== expectedFlags(d)) {
      // RFC 7606 §3 (c): O/T conflict → malformed, handled as the attribute's own malformation rule.
      fault = new AttrFault(`${d.name} flags 0x${flags.toString(16)} conflict with ${d.category}`, UpdateSubcode.AttributeFlagsError, undefined);
    } else {
      try {
        rec[d.key] = d.decode(value, ctx);
        wire[nWire++] = (flags << 8) | type;
      wireCodes += String.fromCharCode((flags << 8) | type);
      } catch (err) {
        if (!(err instanceof AttrFault)) throw err;
        fault = err;
      }
    }
    if (fault) {
      const t = fault.treatment ?? d.onMalformed;
      const subcode = fault.subcode ?? d.subcode;
      if (t === 'session-reset') throw new MalformedAttribute(`${d.name}: ${fault.reason}`, type, t, subcode, b.slice(e.start, e.end));
      issues.push(issueOf(type, t, `${d.name}: ${fault.reason}`, subcode));
      treatment = strongerTreatment(treatment, t);
    }
  }
  if (unknown.length > 0) attrs.unknown = unknown;
  attrs.wire = wireLayout(wireCodes, nWire, wire);
  finishAttributes(attrs, ctx);
  return { attributes: attrs, treatment, issues: issues.length === 0 ? (NO_ISSUES as AttributeIssue[]) : issues };
}

/** RFC 6793 §4.2.3: derive the effective AS path and aggregator once per (interned) attribute set. */
function finishAttributes(attrs: PathAttributes, ctx: CodecContext): void {
  if (attrs.asPath) attrs.asPathEffective = ctx.fourOctetAs ? attrs.asPath : mergeAs4Path(attrs.asPath, attrs.as4Path, attrs.aggregator, attrs.as4Aggregator);
  if (attrs.aggregator) {
    const useAs4 = !ctx.fourOctetAs && attrs.aggregator.asn === AS_TRANS && attrs.as4Aggregator;
    attrs.aggregatorEffective = useAs4 ? attrs.as4Aggregator : attrs.aggregator;
  }
}

export interface DecodedSection extends DecodedAttributes {
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
}

/** Decode MP_REACH/MP_UNREACH entries; RFC 7606 §3 (g): a duplicate is a session reset (3/1). */
export function decodeMpEntries(b: Uint8Array, entries: readonly AttributeEntry[], ctx: CodecContext): { mpReach?: MpReach; mpUnreach?: MpUnreach } {
  let mpReach: MpReach | undefined;
  let mpUnreach: MpUnreach | undefined;
  for (const e of entries) {
    if (e.type !== AttrType.MpReachNlri && e.type !== AttrType.MpUnreachNlri) continue;
    const name = MP_ATTRIBUTES.get(e.type)!.name;
    const raw = (): Uint8Array => b.slice(e.start, e.end);
    if ((e.type === AttrType.MpReachNlri ? mpReach : mpUnreach) !== undefined) {
      throw new MalformedAttribute(`duplicate ${name}`, e.type, 'session-reset', UpdateSubcode.MalformedAttributeList);
    }
    if ((e.flags & (AttrFlag.Optional | AttrFlag.Transitive)) !== AttrFlag.Optional) {
      throw new MalformedAttribute(`${name} flags 0x${e.flags.toString(16)} conflict with ON`, e.type, 'session-reset', UpdateSubcode.AttributeFlagsError, raw());
    }
    const v = b.subarray(e.valueStart, e.end);
    try {
      if (e.type === AttrType.MpReachNlri) mpReach = decodeMpReach(v, ctx);
      else mpUnreach = decodeMpUnreach(v, ctx);
    } catch (err) {
      if (!(err instanceof AttrFault)) throw err;
      throw new MalformedAttribute(`${name}: ${err.reason}`, e.type, 'session-reset', err.subcode ?? UpdateSubcode.OptionalAttributeError, raw());
    }
  }
  return { ...(mpReach ? { mpReach } : {}), ...(mpUnreach ? { mpUnreach } : {}) };
}

/**
 * Decode a whole attribute section b[start, end) — for callers outside an UPDATE (MRT RIB entries).
 * A framing conflict (RFC 7606 §4) yields treat-as-withdraw over the attributes found before it.
 */
export function decodePathAttributes(b: Uint8Array, start: number, end: number, ctx: CodecContext): DecodedSection {
  const scan = scanAttributes(b, start, end);
  const mp = decodeMpEntries(b, scan.entries, ctx);
  const dec = decodeAttributeEntries(b, scan.entries, ctx);
  if (!scan.framingError) return { ...dec, ...mp };
  return {
    ...dec,
    ...mp,
    treatment: strongerTreatment(dec.treatment, 'treat-as-withdraw'),
    issues: [...dec.issues, issueOf(0, 'treat-as-withdraw', scan.framingError, UpdateSubcode.MalformedAttributeList)],
  };
}

export interface EncodeOptions {
  /**
   * Encode for sending to another peer rather than byte-exact reproduction: canonical order (MP first,
   * RFC 7606 §5.1), canonical flags, unknown optional transitive attributes with Partial set and
   * non-transitive ones dropped (RFC 4271 §5), AS4_PATH/AS4_AGGREGATOR regenerated for 2-octet peers
   * (RFC 6793 §4.2.2).
   */
  readonly propagate?: boolean;
}

function writeAttribute(w: ByteWriter, flags: number, type: number, body: (w: ByteWriter) => void): void {
  // Write the value first into a scratch writer so that the length width can follow it.
  const scratch = new ByteWriter(64);
  body(scratch);
  const value = scratch.finish();
  const ext = value.length > 255 || (flags & AttrFlag.ExtendedLength) !== 0;
  w.u8(ext ? flags | AttrFlag.ExtendedLength : flags & ~AttrFlag.ExtendedLength).u8(type);
  if (ext) w.u16(value.length);
  else w.u8(value.length);
  w.bytes(value);
}

/** Encode an attribute section (with the UPDATE's MP attributes, if any). */
export function encodePathAttributes(attrs: PathAttributes | null, ctx: CodecContext, mp: { mpReach?: MpReach; mpUnreach?: MpUnreach } = {}, opts: EncodeOptions = {}): Uint8Array {
  const w = new ByteWriter(256);
  const a: PathAttributes = attrs ? (opts.propagate ? propagationView(attrs, ctx) : attrs) : {};
  const rec = a as Record<string, unknown>;
  const written = new Set<number>();
  const writeOne = (type: number, flags: number | null): void => {
    if (written.has(type)) return;
    if (type === AttrType.MpReachNlri || type === AttrType.MpUnreachNlri) {
      const m = type === AttrType.MpReachNlri ? mp.mpReach : mp.mpUnreach;
      if (!m) return;
      written.add(type);
      writeAttribute(w, flags ?? AttrFlag.Optional, type, (s) => (type === AttrType.MpReachNlri ? encodeMpReach(m as MpReach, s) : encodeMpUnreach(m as MpUnreach, s)));
      return;
    }
    const d = ATTRIBUTES.get(type);
    if (d) {
      const value = rec[d.key];
      if (value === undefined) return;
      written.add(type);
      writeAttribute(w, flags ?? expectedFlags(d), type, (s) => d.encode(value as never, ctx, s));
      return;
    }
    const u = a.unknown?.find((x) => x.type === type);
    if (!u) return;
    written.add(type);
    writeAttribute(w, flags ?? u.flags, type, (s) => s.bytes(u.value));
  };
  if (a.wire && !opts.propagate) for (const { type, flags } of a.wire) writeOne(type, flags);
  // Canonical order for the rest: MP attributes first (RFC 7606 §5.1), then ascending type code.
  writeOne(AttrType.MpUnreachNlri, null);
  writeOne(AttrType.MpReachNlri, null);
  for (const code of [...ATTRIBUTES.keys()].sort((x, y) => x - y)) writeOne(code, null);
  for (const u of [...(a.unknown ?? [])].sort((x, y) => x.type - y.type)) writeOne(u.type, null);
  return w.finish();
}

/** What is sent on to another peer (see EncodeOptions.propagate). */
function propagationView(attrs: PathAttributes, ctx: CodecContext): PathAttributes {
  const out: PathAttributes = { ...attrs };
  delete out.wire;
  delete out.as4Path;
  delete out.as4Aggregator;
  delete out.asPathEffective;
  delete out.aggregatorEffective;
  const path = attrs.asPathEffective ?? attrs.asPath;
  if (path) out.asPath = path;
  const agg = attrs.aggregatorEffective ?? attrs.aggregator;
  if (agg) out.aggregator = agg;
  if (!ctx.fourOctetAs) {
    // RFC 6793 §4.2.2: towards an OLD speaker, 4-octet ASNs become AS_TRANS and AS4_* carry the truth.
    if (path && hasFourOctetAsn(path)) out.as4Path = path.filter((s) => s.type === AsPathSegmentType.AsSequence || s.type === AsPathSegmentType.AsSet);
    if (agg && agg.asn > 0xffff) out.as4Aggregator = agg;
  }
  const unknown = (attrs.unknown ?? []).filter((u) => u.flags & AttrFlag.Transitive).map((u) => ({ ...u, flags: (u.flags | AttrFlag.Partial) & ~AttrFlag.ExtendedLength }));
  if (unknown.length > 0) out.unknown = unknown;
  else delete out.unknown;
  return out;
}

/** Human-readable lines, one per attribute, using each descriptor's `format`. */
export function formatPathAttributes(attrs: PathAttributes): string[] {
  const rec = attrs as Record<string, unknown>;
  const lines: string[] = [];
  for (const d of ATTRIBUTES.values()) {
    const v = rec[d.key];
    if (v !== undefined) lines.push(`${d.name}: ${d.format(v as never)}`);
  }
  for (const u of attrs.unknown ?? []) lines.push(`type ${u.type} (flags 0x${u.flags.toString(16)}): ${toHex(u.value)}`);
  return lines;
}

export { formatAsPath, mergeAs4Path };
export { asPathLength } from './attributes/as-path.js';
