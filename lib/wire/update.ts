/**
 * UPDATE messages — RFC 4271 §4.3, with RFC 4760 (MP_REACH/MP_UNREACH), RFC 7911 (ADD-PATH),
 * RFC 7606 (revised error handling) and RFC 4724 §2 (End-of-RIB).
 *
 * Errors that leave the message unparseable (withdrawn/attribute lengths overrunning the message, bad
 * NLRI, bad MP attributes) throw `UpdateMessageError`/`MalformedAttribute` (session reset). Everything
 * RFC 7606 lets us survive is reported in `treatment`/`issues` and the caller applies it.
 */
import { Afi, AttrFlag, AttrType, MessageType, UpdateSubcode } from './iana.js';
import { UpdateMessageError, strongerTreatment, type Treatment } from './errors.js';
import { decodeNlri, encodeNlri, type PrefixKey } from './prefix.js';
import { ByteWriter } from './bytes.js';
import { encodeMessage } from './framing.js';
import { decodeAttributeEntries, decodeMpEntries, encodePathAttributes, scanAttributes, type AttributeEntry, type DecodedAttributes, type EncodeOptions } from './attributes.js';
import { AttributeInterner } from './intern.js';
import type { AttributeIssue, CodecContext, MpReach, MpUnreach, PathAttributes, UpdateMessage } from './types.js';

/** The process-wide interner used when a caller does not bring its own. */
export const defaultInterner = new AttributeInterner();

function contextTag(ctx: CodecContext): number {
  return (ctx.fourOctetAs ? 1 : 0) + (ctx.ebgp ? 2 : 0) + (ctx.mrtRibEntryAfi ?? 0) * 4;
}

/**
 * The interned blob is the attribute bytes with MP_REACH/MP_UNREACH replaced by a zero-length stand-in
 * (their flags and type), so UPDATEs that differ only in their MP NLRI share one decoded attribute set
 * while the MP attributes' position and flags (kept in `wire`) stay part of the key. The stand-in keeps
 * the Extended Length bit with a 2-octet zero length, so the key is still a self-delimiting attribute list.
 */
function internDecode(b: Uint8Array, start: number, end: number, entries: readonly AttributeEntry[], ctx: CodecContext, interner: AttributeInterner): DecodedAttributes {
  const decode = (): DecodedAttributes => decodeAttributeEntries(b, entries, ctx);
  const tag = contextTag(ctx);
  let mp = 0;
  for (let i = 0; i < entries.length; i++) if (entries[i].type === AttrType.MpReachNlri || entries[i].type === AttrType.MpUnreachNlri) mp++;
  if (mp === 0) return interner.intern(b, start, end, tag, decode);
  const parts: number[] = [];
  let from = start;
  for (const e of entries) {
    if (e.type !== AttrType.MpReachNlri && e.type !== AttrType.MpUnreachNlri) continue;
    for (let i = from; i < e.start; i++) parts.push(b[i]);
    parts.push(e.flags, e.type, 0);
    if (e.flags & AttrFlag.ExtendedLength) parts.push(0);
    from = e.end;
  }
  for (let i = from; i < end; i++) parts.push(b[i]);
  const key = Uint8Array.from(parts);
  return interner.intern(key, 0, key.length, tag, decode);
}

function missingMandatory(type: number, name: string): AttributeIssue {
  return { attrType: type, treatment: 'treat-as-withdraw', reason: `missing well-known mandatory ${name}`, code: 3, subcode: UpdateSubcode.MissingWellKnownAttribute };
}

/**
 * Decode an UPDATE body (the bytes after the 19-octet header). Pass `interner: null` to decode every
 * attribute set afresh (benchmarks, fuzzing).
 */
export function decodeUpdate(body: Uint8Array, ctx: CodecContext, interner: AttributeInterner | null = defaultInterner): UpdateMessage {
  if (body.length < 4) throw new UpdateMessageError(`UPDATE body of ${body.length} octets`, UpdateSubcode.MalformedAttributeList);
  const wl = (body[0] << 8) | body[1];
  // RFC 4271 §6.3: lengths exceeding the message → Malformed Attribute List (RFC 7606 §4: session reset).
  if (2 + wl + 2 > body.length) throw new UpdateMessageError(`withdrawn routes length ${wl} overruns the message`, UpdateSubcode.MalformedAttributeList);
  const tal = (body[2 + wl] << 8) | body[3 + wl];
  const attrStart = 4 + wl;
  const attrEnd = attrStart + tal;
  if (attrEnd > body.length) throw new UpdateMessageError(`total path attribute length ${tal} overruns the message`, UpdateSubcode.MalformedAttributeList);

  const addPath4 = !!ctx.addPathIpv4;
  const withdrawn: PrefixKey[] = [];
  const withdrawnPathIds: number[] | null = addPath4 ? [] : null;
  // RFC 7606 §5.3: a syntax error in either NLRI field is a session reset (Invalid Network Field).
  decodeNlri(Afi.Ipv4, body, 2, 2 + wl, addPath4, withdrawn, withdrawnPathIds);
  const nlri: PrefixKey[] = [];
  const nlriPathIds: number[] | null = addPath4 ? [] : null;
  decodeNlri(Afi.Ipv4, body, attrEnd, body.length, addPath4, nlri, nlriPathIds);

  let attributes: PathAttributes | null = null;
  let treatment: Treatment = 'none';
  let issues: AttributeIssue[] = [];
  let mp: { mpReach?: MpReach; mpUnreach?: MpUnreach } = {};
  if (tal > 0) {
    const scan = scanAttributes(body, attrStart, attrEnd);
    mp = decodeMpEntries(body, scan.entries, ctx);
    const dec = interner && !scan.framingError ? internDecode(body, attrStart, attrEnd, scan.entries, ctx, interner) : decodeAttributeEntries(body, scan.entries, ctx);
    attributes = dec.attributes;
    treatment = dec.treatment;
    issues = dec.issues;
    if (scan.framingError) {
      // RFC 7606 §4: attribute lengths in conflict with the Total Path Attribute Length → treat-as-withdraw.
      issues = [...issues, { attrType: 0, treatment: 'treat-as-withdraw', reason: scan.framingError, code: 3, subcode: UpdateSubcode.MalformedAttributeList }];
      treatment = strongerTreatment(treatment, 'treat-as-withdraw');
    }
  }

  // RFC 7606 §3 (d): well-known mandatory attributes missing when there is reachable NLRI → treat-as-withdraw.
  // RFC 4760 §3: NEXT_HOP is only mandatory for NLRI carried in the NLRI field.
  const hasMpNlri = !!mp.mpReach && (mp.mpReach.nlri.length > 0 || (mp.mpReach.rawNlri?.length ?? 0) > 0);
  if (nlri.length > 0 || hasMpNlri) {
    const missing: AttributeIssue[] = [];
    if (attributes?.origin === undefined && !issues.some((i) => i.attrType === AttrType.Origin)) missing.push(missingMandatory(AttrType.Origin, 'ORIGIN'));
    if (attributes?.asPath === undefined && !issues.some((i) => i.attrType === AttrType.AsPath)) missing.push(missingMandatory(AttrType.AsPath, 'AS_PATH'));
    if (nlri.length > 0 && attributes?.nextHop === undefined && !issues.some((i) => i.attrType === AttrType.NextHop)) missing.push(missingMandatory(AttrType.NextHop, 'NEXT_HOP'));
    if (missing.length > 0) {
      issues = [...issues, ...missing];
      treatment = strongerTreatment(treatment, 'treat-as-withdraw');
    }
  }

  // One object shape for every UPDATE (absent parts are undefined) keeps consumers monomorphic.
  return {
    withdrawn,
    withdrawnPathIds: withdrawnPathIds ?? undefined,
    attributes,
    nlri,
    nlriPathIds: nlriPathIds ?? undefined,
    mpReach: mp.mpReach,
    mpUnreach: mp.mpUnreach,
    treatment,
    issues,
  };
}

export interface UpdateInput {
  readonly withdrawn?: readonly PrefixKey[];
  readonly withdrawnPathIds?: readonly number[];
  readonly attributes?: PathAttributes | null;
  readonly nlri?: readonly PrefixKey[];
  readonly nlriPathIds?: readonly number[];
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
}

/** Encode an UPDATE into a whole message (header included). */
export function encodeUpdate(u: UpdateInput, ctx: CodecContext, opts: EncodeOptions = {}): Uint8Array {
  const w = new ByteWriter(512);
  const wlAt = w.reserve(2);
  encodeNlri(w, u.withdrawn ?? [], u.withdrawnPathIds);
  w.patchU16(wlAt, w.length - 2);
  const hasAttrs = !!u.attributes || !!u.mpReach || !!u.mpUnreach;
  const attrs = hasAttrs ? encodePathAttributes(u.attributes ?? null, ctx, { ...(u.mpReach ? { mpReach: u.mpReach } : {}), ...(u.mpUnreach ? { mpUnreach: u.mpUnreach } : {}) }, opts) : new Uint8Array(0);
  w.u16(attrs.length).bytes(attrs);
  encodeNlri(w, u.nlri ?? [], u.nlriPathIds);
  return encodeMessage(MessageType.Update, w.finish());
}

/** RFC 4724 §2: End-of-RIB is an UPDATE with nothing in it (IPv4) or only an empty MP_UNREACH_NLRI. */
export function endOfRibFamily(u: UpdateMessage): { afi: number; safi: number } | null {
  if (u.withdrawn.length > 0 || u.nlri.length > 0 || u.mpReach) return null;
  if (!u.attributes && !u.mpUnreach) return { afi: Afi.Ipv4, safi: 1 };
  const onlyMpUnreach = u.mpUnreach && u.mpUnreach.withdrawn.length === 0 && !(u.mpUnreach.rawNlri?.length) && (u.attributes?.wire?.length ?? 0) <= 1 && !u.attributes?.origin && !u.attributes?.asPath;
  return onlyMpUnreach ? { afi: u.mpUnreach!.afi, safi: u.mpUnreach!.safi } : null;
}

/**
 * End-of-RIB recognised from the raw UPDATE body without parsing attributes (RFC 4724 §2): the empty
 * UPDATE for IPv4 unicast, or an UPDATE whose only attribute is an MP_UNREACH_NLRI carrying just AFI and
 * SAFI. Used where the main thread must not parse UPDATEs (replicated mode, DESIGN principle 1).
 */
export function endOfRibFamilyRaw(body: Uint8Array): { afi: number; safi: number } | null {
  if (body.length === 4) return body[0] === 0 && body[1] === 0 && body[2] === 0 && body[3] === 0 ? { afi: Afi.Ipv4, safi: 1 } : null;
  if (body.length !== 10 && body.length !== 11) return null;
  if (body[0] !== 0 || body[1] !== 0 || ((body[2] << 8) | body[3]) !== body.length - 4) return null;
  const flags = body[4];
  const extended = (flags & 0x10) !== 0;
  if ((flags & 0x80) === 0 || body[5] !== 15 || body.length !== (extended ? 11 : 10)) return null;
  const len = extended ? (body[6] << 8) | body[7] : body[6];
  if (len !== 3) return null;
  const v = extended ? 8 : 7;
  return { afi: (body[v] << 8) | body[v + 1], safi: body[v + 2] };
}

/** Encode End-of-RIB for a family. */
export function encodeEndOfRib(afi: number, safi: number): Uint8Array {
  if (afi === Afi.Ipv4 && safi === 1) return encodeMessage(MessageType.Update, new Uint8Array(4));
  return encodeUpdate({ mpUnreach: { afi, safi, withdrawn: [] } }, { fourOctetAs: true });
}
