/**
 * MP_REACH_NLRI / MP_UNREACH_NLRI — RFC 4760 §3, §4; IPv6 next hops RFC 2545 §3; ADD-PATH RFC 7911 §3.
 * Only IPv4/IPv6 unicast and multicast NLRI are decoded into prefix keys; other families keep raw NLRI.
 * RFC 4760 §7 / RFC 7606 §7.11: errors here reset the session with 3/9 (Optional Attribute Error),
 * since treat-as-withdraw needs the NLRI and a bad MP attribute hides it.
 */
import { Afi, UpdateSubcode } from '../iana.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../address.js';
import type { ByteWriter } from '../bytes.js';
import { toHex } from '../bytes.js';
import { decodeNlri, encodeNlri, type PrefixKey } from '../prefix.js';
import type { CodecContext, MpNextHop, MpReach, MpUnreach } from '../types.js';
import { reset } from './fault.js';
import { UpdateMessageError } from '../errors.js';

function isIpFamily(afi: number, safi: number): afi is Afi {
  return (afi === Afi.Ipv4 || afi === Afi.Ipv6) && (safi === 1 || safi === 2);
}

function addPathFor(ctx: CodecContext, afi: number, safi: number): boolean {
  if (safi !== 1) return false;
  return afi === Afi.Ipv4 ? !!ctx.addPathIpv4 : afi === Afi.Ipv6 ? !!ctx.addPathIpv6 : false;
}

export function decodeNextHop(afi: number, safi: number, nh: Uint8Array): MpNextHop {
  if (isIpFamily(afi, safi)) {
    // RFC 4760 §3 + RFC 2545 §3 (IPv6: 16, or 32 with link-local) + RFC 8950 (IPv4 NLRI over an IPv6 next hop).
    if (nh.length === 4) return { global: formatIpv4(((nh[0] << 24) | (nh[1] << 16) | (nh[2] << 8) | nh[3]) >>> 0) };
    if (nh.length === 16) return { global: formatIpv6(nh) };
    if (nh.length === 32) return { global: formatIpv6(nh.subarray(0, 16)), linkLocal: formatIpv6(nh.subarray(16)) };
    reset(`next hop length ${nh.length} is inconsistent with AFI ${afi}/SAFI ${safi}`, UpdateSubcode.OptionalAttributeError);
  }
  return { global: toHex(nh) };
}

export function encodeNextHop(nh: MpNextHop): Uint8Array {
  if (!nh.global.includes(':') && nh.global.includes('.')) {
    const v = parseIpv4(nh.global);
    return new Uint8Array([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
  }
  const g = parseIpv6(nh.global);
  if (!nh.linkLocal) return g;
  const out = new Uint8Array(32);
  out.set(g);
  out.set(parseIpv6(nh.linkLocal), 16);
  return out;
}

function decodeFamilyNlri(afi: number, safi: number, v: Uint8Array, start: number, ctx: CodecContext): { nlri: PrefixKey[]; pathIds?: number[]; rawNlri?: Uint8Array } {
  if (!isIpFamily(afi, safi)) return { nlri: [], rawNlri: v.subarray(start) };
  const nlri: PrefixKey[] = [];
  const addPath = addPathFor(ctx, afi, safi);
  const pathIds: number[] | null = addPath ? [] : null;
  try {
    decodeNlri(afi, v, start, v.length, addPath, nlri, pathIds, UpdateSubcode.OptionalAttributeError);
  } catch (e) {
    // RFC 7606 §5.3: an NLRI that cannot be parsed leaves no way to withdraw it: session reset.
    if (e instanceof UpdateMessageError) reset(e.message, UpdateSubcode.OptionalAttributeError);
    throw e;
  }
  return pathIds ? { nlri, pathIds } : { nlri };
}

export function decodeMpReach(v: Uint8Array, ctx: CodecContext): MpReach {
  if (ctx.mrtRibEntryAfi !== undefined && v.length >= 1 && v[0] === v.length - 1) {
    // RFC 6396 §4.3.4: TABLE_DUMP_V2 RIB entries abbreviate MP_REACH to (next hop length, next hop).
    const nextHopBytes = v.subarray(1);
    return { afi: ctx.mrtRibEntryAfi, safi: 1, nextHop: decodeNextHop(ctx.mrtRibEntryAfi, 1, nextHopBytes), nextHopBytes, nlri: [], reserved: 0 };
  }
  if (v.length < 5) reset(`MP_REACH_NLRI of ${v.length} octets is shorter than its fixed part`, UpdateSubcode.OptionalAttributeError);
  const afi = (v[0] << 8) | v[1];
  const safi = v[2];
  const nhLen = v[3];
  if (4 + nhLen + 1 > v.length) reset(`next hop length ${nhLen} overruns MP_REACH_NLRI`, UpdateSubcode.OptionalAttributeError);
  const nextHopBytes = v.subarray(4, 4 + nhLen);
  const nextHop = decodeNextHop(afi, safi, nextHopBytes);
  const reserved = v[4 + nhLen];
  return { afi, safi, nextHop, nextHopBytes, reserved, ...decodeFamilyNlri(afi, safi, v, 5 + nhLen, ctx) };
}

export function decodeMpUnreach(v: Uint8Array, ctx: CodecContext): MpUnreach {
  if (v.length < 3) reset(`MP_UNREACH_NLRI of ${v.length} octets is shorter than its fixed part`, UpdateSubcode.OptionalAttributeError);
  const afi = (v[0] << 8) | v[1];
  const safi = v[2];
  const { nlri, pathIds, rawNlri } = decodeFamilyNlri(afi, safi, v, 3, ctx);
  return { afi, safi, withdrawn: nlri, ...(pathIds ? { pathIds } : {}), ...(rawNlri ? { rawNlri } : {}) };
}

export function encodeMpReach(m: MpReach, w: ByteWriter): void {
  const nh = m.nextHopBytes ?? encodeNextHop(m.nextHop);
  w.u16(m.afi).u8(m.safi).u8(nh.length).bytes(nh).u8(m.reserved);
  if (m.rawNlri) w.bytes(m.rawNlri);
  else encodeNlri(w, m.nlri, m.pathIds);
}

export function encodeMpUnreach(m: MpUnreach, w: ByteWriter): void {
  w.u16(m.afi).u8(m.safi);
  if (m.rawNlri) w.bytes(m.rawNlri);
  else encodeNlri(w, m.withdrawn, m.pathIds);
}
