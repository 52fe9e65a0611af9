/**
 * Capabilities Optional Parameter — RFC 5492 §4: a list of <code (1 octet), length (1 octet), value>.
 *
 * Decoding is strict about the lengths the defining RFCs fix (a recognized capability with the wrong
 * length is malformed); capabilities btrd does not interpret are kept raw ('unknown') so that
 * encode(decode(bytes)) == bytes. Non-canonical bits that real speakers send (reserved octets and
 * flag bits) are kept as explicit fields, never as a raw blob, so that the encoder is always exercised.
 *
 * Error choice: a malformed capability is an OPEN Message Error with subcode 0 (Unspecific).
 * RFC 5492 defines no subcode for a malformed capability (its §5 only adds 7, Unsupported Capability,
 * for a capability the speaker requires but the peer lacks); the Capabilities parameter itself is
 * recognized, and RFC 4271 §6.2 says: "If one of the Optional Parameters in the OPEN message is
 * recognized, but is malformed, then the Error Subcode MUST be set to 0 (Unspecific)."
 */
import { ByteWriter, readU16, readU32 } from './bytes.js';
import { OpenMessageError } from './errors.js';
import { CapabilityCode } from './iana.js';

/** RFC 4271 §6.2: subcode for a recognized but malformed optional parameter. */
export const OPEN_SUBCODE_UNSPECIFIC = 0;

/** RFC 7911 §4: Send/Receive field. */
export type AddPathDirection = 1 | 2 | 3;
export const AddPathDirection = { Receive: 1, Send: 2, Both: 3 } as const;

export interface AddPathFamily {
  readonly afi: number;
  readonly safi: number;
  readonly sendReceive: AddPathDirection;
}

export interface GracefulRestartFamily {
  readonly afi: number;
  readonly safi: number;
  /** F bit: forwarding state was preserved across the restart (RFC 4724 §3). */
  readonly forwardingPreserved: boolean;
  /** The 7 reserved bits of the per-family flags octet, kept only when non-zero. */
  readonly reservedFlags?: number;
}

export type Capability =
  | { readonly kind: 'multiprotocol'; readonly afi: number; readonly safi: number; /** RFC 4760 §8 reserved octet, when non-zero. */ readonly reserved?: number }
  | { readonly kind: 'route-refresh' }
  | { readonly kind: 'enhanced-route-refresh' }
  | { readonly kind: 'four-octet-as'; readonly asn: number }
  | {
      readonly kind: 'graceful-restart';
      /** R bit (RFC 4724 §3): the sender has restarted. */
      readonly restartState: boolean;
      /** N bit (RFC 8538 §2): the sender supports Graceful Restart for NOTIFICATION messages. */
      readonly notification: boolean;
      /** 12 bits, seconds. */
      readonly restartTime: number;
      readonly families: readonly GracefulRestartFamily[];
      /** The 2 reserved bits of the Restart Flags nibble, kept only when non-zero. */
      readonly reservedFlags?: number;
    }
  | { readonly kind: 'add-path'; readonly families: readonly AddPathFamily[] }
  | { readonly kind: 'extended-message' }
  | { readonly kind: 'unknown'; readonly code: number; readonly value: Uint8Array };

export type CapabilityKind = Capability['kind'];

function malformed(code: number, reason: string): never {
  throw new OpenMessageError(`malformed capability ${code}: ${reason}`, OPEN_SUBCODE_UNSPECIFIC);
}

function expectLength(code: number, value: Uint8Array, length: number): void {
  if (value.length !== length) malformed(code, `length ${value.length}, expected ${length}`);
}

/** Decode one capability value (the bytes after code and length). */
export function decodeCapabilityValue(code: number, value: Uint8Array): Capability {
  switch (code) {
    case CapabilityCode.Multiprotocol: {
      // RFC 4760 §8: AFI (2), Reserved (1), SAFI (1).
      expectLength(code, value, 4);
      const reserved = value[2];
      return reserved === 0
        ? { kind: 'multiprotocol', afi: readU16(value, 0), safi: value[3] }
        : { kind: 'multiprotocol', afi: readU16(value, 0), safi: value[3], reserved };
    }
    case CapabilityCode.RouteRefresh:
      // RFC 2918 §2: capability length 0.
      expectLength(code, value, 0);
      return { kind: 'route-refresh' };
    case CapabilityCode.EnhancedRouteRefresh:
      // RFC 7313 §3: capability length 0.
      expectLength(code, value, 0);
      return { kind: 'enhanced-route-refresh' };
    case CapabilityCode.ExtendedMessage:
      // RFC 8654 §3: capability length 0.
      expectLength(code, value, 0);
      return { kind: 'extended-message' };
    case CapabilityCode.FourOctetAs:
      // RFC 6793 §3: the 4-octet AS number.
      expectLength(code, value, 4);
      return { kind: 'four-octet-as', asn: readU32(value, 0) };
    case CapabilityCode.GracefulRestart:
      return decodeGracefulRestart(value);
    case CapabilityCode.AddPath:
      return decodeAddPath(value);
    default:
      return { kind: 'unknown', code, value: value.slice() };
  }
}

/** RFC 4724 §3: Restart Flags (4 bits: R, N (RFC 8538), 2 reserved), Restart Time (12 bits), then 4-octet tuples. */
function decodeGracefulRestart(value: Uint8Array): Capability {
  const code = CapabilityCode.GracefulRestart;
  if (value.length < 2 || (value.length - 2) % 4 !== 0) malformed(code, `length ${value.length} is not 2 + 4n`);
  const head = readU16(value, 0);
  const families: GracefulRestartFamily[] = [];
  for (let at = 2; at < value.length; at += 4) {
    const flags = value[at + 3];
    const family = { afi: readU16(value, at), safi: value[at + 2], forwardingPreserved: (flags & 0x80) !== 0 };
    families.push((flags & 0x7f) === 0 ? family : { ...family, reservedFlags: flags & 0x7f });
  }
  const reservedFlags = (head >> 12) & 0x3;
  const cap = {
    kind: 'graceful-restart' as const,
    restartState: (head & 0x8000) !== 0,
    notification: (head & 0x4000) !== 0,
    restartTime: head & 0x0fff,
    families,
  };
  return reservedFlags === 0 ? cap : { ...cap, reservedFlags };
}

/** RFC 7911 §4: a non-empty list of AFI (2), SAFI (1), Send/Receive (1). */
function decodeAddPath(value: Uint8Array): Capability {
  const code = CapabilityCode.AddPath;
  if (value.length === 0 || value.length % 4 !== 0) malformed(code, `length ${value.length} is not a positive multiple of 4`);
  const families: AddPathFamily[] = [];
  for (let at = 0; at < value.length; at += 4) {
    const sendReceive = value[at + 3];
    // RFC 7911 §4: any other Send/Receive value "SHOULD be treated as not understood and ignored":
    // keep the capability raw so that negotiation ignores it and re-encoding stays exact.
    if (sendReceive < 1 || sendReceive > 3) return { kind: 'unknown', code, value: value.slice() };
    families.push({ afi: readU16(value, at), safi: value[at + 2], sendReceive: sendReceive as AddPathDirection });
  }
  return { kind: 'add-path', families };
}

/**
 * Decode the value of a Capabilities Optional Parameter (RFC 5492 §4): zero or more capabilities.
 * A capability whose length runs past the parameter is malformed (RFC 4271 §6.2 → 2/0).
 */
export function decodeCapabilities(b: Uint8Array): Capability[] {
  const out: Capability[] = [];
  let at = 0;
  while (at < b.length) {
    if (b.length - at < 2) malformed(b[at], 'truncated capability header');
    const code = b[at];
    const length = b[at + 1];
    if (at + 2 + length > b.length) malformed(code, `length ${length} overruns the parameter`);
    out.push(decodeCapabilityValue(code, b.subarray(at + 2, at + 2 + length)));
    at += 2 + length;
  }
  return out;
}

/** The capability code of a decoded or constructed capability. */
export function capabilityCode(cap: Capability): number {
  switch (cap.kind) {
    case 'multiprotocol':
      return CapabilityCode.Multiprotocol;
    case 'route-refresh':
      return CapabilityCode.RouteRefresh;
    case 'enhanced-route-refresh':
      return CapabilityCode.EnhancedRouteRefresh;
    case 'four-octet-as':
      return CapabilityCode.FourOctetAs;
    case 'graceful-restart':
      return CapabilityCode.GracefulRestart;
    case 'add-path':
      return CapabilityCode.AddPath;
    case 'extended-message':
      return CapabilityCode.ExtendedMessage;
    case 'unknown':
      return cap.code;
  }
}

function writeValue(w: ByteWriter, cap: Capability): void {
  switch (cap.kind) {
    case 'multiprotocol':
      w.u16(cap.afi).u8(cap.reserved ?? 0).u8(cap.safi);
      return;
    case 'route-refresh':
    case 'enhanced-route-refresh':
    case 'extended-message':
      return;
    case 'four-octet-as':
      w.u32(cap.asn);
      return;
    case 'graceful-restart': {
      if (cap.restartTime < 0 || cap.restartTime > 0xfff) throw new RangeError(`restart time ${cap.restartTime} does not fit 12 bits (RFC 4724 §3)`);
      const flags = (cap.restartState ? 0x8 : 0) | (cap.notification ? 0x4 : 0) | ((cap.reservedFlags ?? 0) & 0x3);
      w.u16((flags << 12) | cap.restartTime);
      for (const f of cap.families) w.u16(f.afi).u8(f.safi).u8((f.forwardingPreserved ? 0x80 : 0) | ((f.reservedFlags ?? 0) & 0x7f));
      return;
    }
    case 'add-path':
      for (const f of cap.families) w.u16(f.afi).u8(f.safi).u8(f.sendReceive);
      return;
    case 'unknown':
      w.bytes(cap.value);
      return;
  }
}

/** Write one capability as code, length, value (RFC 5492 §4). */
export function writeCapability(w: ByteWriter, cap: Capability): void {
  w.u8(capabilityCode(cap));
  const lengthAt = w.reserve(1);
  const start = w.length;
  writeValue(w, cap);
  const length = w.length - start;
  if (length > 255) throw new RangeError(`capability ${capabilityCode(cap)} value of ${length} octets exceeds 255 (RFC 5492 §4)`);
  w.patchU8(lengthAt, length);
}

/** Encode one capability as code, length, value (RFC 5492 §4). */
export function encodeCapability(cap: Capability): Uint8Array {
  const w = new ByteWriter(16);
  writeCapability(w, cap);
  return w.finish();
}

/** Encode a list of capabilities back to back (the value of one Capabilities parameter). */
export function encodeCapabilities(caps: readonly Capability[]): Uint8Array {
  const w = new ByteWriter(64);
  for (const cap of caps) writeCapability(w, cap);
  return w.finish();
}

/** The first capability of a kind, typed by that kind. */
export function findCapability<K extends CapabilityKind>(caps: readonly Capability[], kind: K): Extract<Capability, { kind: K }> | undefined {
  return caps.find((c): c is Extract<Capability, { kind: K }> => c.kind === kind);
}
