/**
 * OPEN message — RFC 4271 §4.2, Capabilities parameter RFC 5492 §4, extended optional parameters
 * length RFC 9072 §2.
 *
 * `decodeOpen` checks structure only (plus the version, because the layout after it is defined only
 * for version 4); the RFC 4271 §6.2 semantic checks that depend on configuration live in `validateOpen`.
 * The parameter layout (how capabilities were grouped into parameters, interleaving with other
 * parameters, the RFC 9072 encoding) is kept in `wire` so that encode(decode(bytes)) == bytes.
 */
import { ByteWriter, readU16, readU32 } from './bytes.js';
import { formatIpv4, parseIpv4 } from './address.js';
import { OpenMessageError } from './errors.js';
import { MessageType, OpenSubcode } from './iana.js';
import { encodeMessage } from './framing.js';
import { OPEN_SUBCODE_UNSPECIFIC, decodeCapabilities, findCapability, writeCapability, type Capability } from './capabilities.js';

export const BGP_VERSION = 4;
/** RFC 4271 §4.2: Version, My AS, Hold Time, BGP Identifier, Opt Parm Len. */
export const OPEN_FIXED_LENGTH = 10;
/** RFC 5492 §4: Optional Parameter type of the Capabilities parameter. */
export const PARAM_CAPABILITIES = 2;
/** RFC 9072 §2: the Non-Ext OP Type value that announces the extended format. */
export const PARAM_EXTENDED_LENGTH = 255;

/** An optional parameter btrd does not recognize (RFC 4271 §4.2), kept raw. */
export interface RawOptionalParameter {
  readonly type: number;
  readonly value: Uint8Array;
}

/**
 * One optional parameter as it appeared on the wire. For a Capabilities parameter (type 2), `count`
 * is how many entries of `OpenMessage.capabilities` it carried; any other type consumes the next entry
 * of `OpenMessage.optionalParameters`.
 */
export interface OpenParameterWire {
  readonly type: number;
  readonly count: number;
}

export interface OpenMessage {
  readonly version: number;
  /** The 2-octet My AS field (AS_TRANS when the speaker's AS needs 4 octets, RFC 6793 §4.1). See `peerAsOf`. */
  readonly myAs: number;
  readonly holdTime: number;
  /** Dotted quad. */
  readonly bgpId: string;
  /** All capabilities, in wire order, across every Capabilities parameter. */
  readonly capabilities: readonly Capability[];
  /** Non-capability optional parameters, in wire order. */
  readonly optionalParameters: readonly RawOptionalParameter[];
  /** RFC 9072: the optional parameters used the extended (2-octet length) encoding. */
  readonly extendedParameters?: boolean;
  /** Parameter layout as received; absent for OPENs built in code (then: one Capabilities parameter, then the rest). */
  readonly wire?: readonly OpenParameterWire[];
}

function malformed(reason: string): never {
  throw new OpenMessageError(`malformed OPEN: ${reason}`, OPEN_SUBCODE_UNSPECIFIC);
}

/** RFC 4271 §6.2: Unsupported Version Number; data = largest supported version below the bid, else the smallest (both 4). */
function unsupportedVersion(version: number): OpenMessageError {
  return new OpenMessageError(`unsupported BGP version ${version}`, OpenSubcode.UnsupportedVersionNumber, new Uint8Array([0, BGP_VERSION]));
}

/** Decode an OPEN body (the bytes after the 19-octet header). Throws OpenMessageError. */
export function decodeOpen(body: Uint8Array): OpenMessage {
  if (body.length < OPEN_FIXED_LENGTH) malformed(`body of ${body.length} octets is shorter than ${OPEN_FIXED_LENGTH}`);
  const version = body[0];
  // RFC 4271 §6.2 checks the version first; the rest of the layout is only defined for version 4.
  if (version !== BGP_VERSION) throw unsupportedVersion(version);
  const myAs = readU16(body, 1);
  const holdTime = readU16(body, 3);
  const bgpId = formatIpv4(readU32(body, 5));
  let optLength = body[9];
  let at = OPEN_FIXED_LENGTH;
  // RFC 9072 §2: Non-Ext OP Len = 255 and Non-Ext OP Type = 255 → 2-octet Extended Opt. Parm. Length,
  // and each parameter then has a 2-octet length.
  const extended = optLength === 255 && body.length > OPEN_FIXED_LENGTH && body[OPEN_FIXED_LENGTH] === PARAM_EXTENDED_LENGTH;
  if (extended) {
    if (body.length < OPEN_FIXED_LENGTH + 3) malformed('truncated extended optional parameters length (RFC 9072 §2)');
    optLength = readU16(body, OPEN_FIXED_LENGTH + 1);
    at += 3;
  }
  const end = at + optLength;
  if (end !== body.length) malformed(`optional parameters length ${optLength} does not match the ${body.length - at} octets present`);
  const headerLength = extended ? 3 : 2;
  const capabilities: Capability[] = [];
  const optionalParameters: RawOptionalParameter[] = [];
  const wire: OpenParameterWire[] = [];
  while (at < end) {
    if (end - at < headerLength) malformed('truncated optional parameter header');
    const type = body[at];
    const length = extended ? readU16(body, at + 1) : body[at + 1];
    const valueAt = at + headerLength;
    if (valueAt + length > end) malformed(`optional parameter ${type} of length ${length} overruns the parameters`);
    const value = body.subarray(valueAt, valueAt + length);
    if (type === PARAM_CAPABILITIES) {
      const caps = decodeCapabilities(value);
      capabilities.push(...caps);
      wire.push({ type, count: caps.length });
    } else {
      optionalParameters.push({ type, value: value.slice() });
      wire.push({ type, count: 1 });
    }
    at = valueAt + length;
  }
  const open = { version, myAs, holdTime, bgpId, capabilities, optionalParameters, wire };
  return extended ? { ...open, extendedParameters: true } : open;
}

/** The parameters to write, as (type, value) in order. */
function parameterValues(open: OpenMessage): { type: number; value: Uint8Array }[] {
  const layout: readonly OpenParameterWire[] = open.wire ?? [
    ...(open.capabilities.length > 0 ? [{ type: PARAM_CAPABILITIES, count: open.capabilities.length }] : []),
    ...open.optionalParameters.map((p) => ({ type: p.type, count: 1 })),
  ];
  const out: { type: number; value: Uint8Array }[] = [];
  let cap = 0;
  let raw = 0;
  for (const p of layout) {
    if (p.type === PARAM_CAPABILITIES) {
      const w = new ByteWriter(64);
      for (let i = 0; i < p.count; i++) {
        const c = open.capabilities[cap++];
        if (c === undefined) throw new RangeError('OPEN wire layout names more capabilities than the message has');
        writeCapability(w, c);
      }
      out.push({ type: PARAM_CAPABILITIES, value: w.finish() });
    } else {
      const r = open.optionalParameters[raw++];
      if (r === undefined || r.type !== p.type) throw new RangeError(`OPEN wire layout expects optional parameter ${p.type}`);
      out.push(r);
    }
  }
  if (cap !== open.capabilities.length || raw !== open.optionalParameters.length) {
    throw new RangeError('OPEN wire layout does not account for every capability and optional parameter');
  }
  return out;
}

/** Encode an OPEN as a whole message (header included). */
export function encodeOpen(open: OpenMessage): Uint8Array {
  const params = parameterValues(open);
  const plainLength = params.reduce((n, p) => n + 2 + p.value.length, 0);
  // RFC 9072 §2: use the extended encoding when asked to, or when the plain one cannot hold the parameters.
  const extended = open.extendedParameters === true || plainLength > 255 || params.some((p) => p.value.length > 255);
  const w = new ByteWriter(64);
  w.u8(open.version).u16(open.myAs).u16(open.holdTime).u32(parseIpv4(open.bgpId));
  if (extended) {
    const total = params.reduce((n, p) => n + 3 + p.value.length, 0);
    if (total > 0xffff) throw new RangeError(`optional parameters of ${total} octets exceed 65535 (RFC 9072 §2)`);
    w.u8(255).u8(PARAM_EXTENDED_LENGTH).u16(total);
    for (const p of params) w.u8(p.type).u16(p.value.length).bytes(p.value);
  } else {
    w.u8(plainLength);
    for (const p of params) w.u8(p.type).u8(p.value.length).bytes(p.value);
  }
  return encodeMessage(MessageType.Open, w.finish());
}

/**
 * The peer's AS: the 4-octet AS capability value when present (RFC 6793 §4.1: My AS then carries
 * AS_TRANS for ASNs above 65535), else the 2-octet My AS field.
 */
export function peerAsOf(open: OpenMessage): number {
  return findCapability(open.capabilities, 'four-octet-as')?.asn ?? open.myAs;
}

export interface OpenExpectations {
  /** The AS configured for this neighbour; a mismatch is Bad Peer AS (RFC 4271 §6.2). */
  readonly peerAs?: number;
  /** Our BGP Identifier (dotted quad), for the iBGP collision check of RFC 6286 §2.2. */
  readonly localBgpId?: string;
  /** Our AS; the session is internal when the peer's AS equals it (RFC 4271 §3). */
  readonly localAs?: number;
}

/**
 * RFC 4271 §6.2 checks, in the order the RFC lists them (version, peer AS, hold time, identifier,
 * optional parameters). Throws OpenMessageError with the prescribed subcode and data.
 * Unsupported Capability (RFC 5492 §5, 2/7) is a negotiation decision and is not checked here.
 */
export function validateOpen(open: OpenMessage, expect: OpenExpectations = {}): void {
  if (open.version !== BGP_VERSION) throw unsupportedVersion(open.version);
  const peerAs = peerAsOf(open);
  if (expect.peerAs !== undefined && peerAs !== expect.peerAs) {
    throw new OpenMessageError(`peer AS ${peerAs} is not the configured ${expect.peerAs}`, OpenSubcode.BadPeerAs);
  }
  // RFC 4271 §6.2: "An implementation MUST reject Hold Time values of one or two seconds."
  if (open.holdTime === 1 || open.holdTime === 2) {
    throw new OpenMessageError(`unacceptable hold time ${open.holdTime}`, OpenSubcode.UnacceptableHoldTime);
  }
  // RFC 6286 §2.2 (updating RFC 4271 §6.2): the identifier is any non-zero 4-octet value, and for an
  // internal peer it must differ from ours.
  const id = parseIpv4(open.bgpId);
  const internal = expect.localAs !== undefined && peerAs === expect.localAs;
  if (id === 0 || (internal && expect.localBgpId !== undefined && id === parseIpv4(expect.localBgpId))) {
    throw new OpenMessageError(`bad BGP identifier ${open.bgpId}`, OpenSubcode.BadBgpIdentifier);
  }
  // RFC 4271 §6.2: "If one of the Optional Parameters in the OPEN message is not recognized, then the
  // Error Subcode MUST be set to Unsupported Optional Parameters." Only Capabilities (RFC 5492) is recognized.
  const unsupported = open.optionalParameters[0];
  if (unsupported) {
    throw new OpenMessageError(`unsupported optional parameter ${unsupported.type}`, OpenSubcode.UnsupportedOptionalParameter);
  }
}
