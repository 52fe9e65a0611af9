/**
 * Compact prefix keys, the key used everywhere downstream (RIBs, voter digests, FIB).
 *
 * - IPv4: a number, `address * 64 + length` (< 2^38, an exact double). Numeric order is address order,
 *   then length, so a sorted key array is a pre-order walk of the prefix space.
 * - IPv6: a string of 32 lowercase hex digits (host bits zeroed), '/', length. Lexicographic order is
 *   again address-then-length for equal-width strings.
 *
 * Host bits beyond the prefix length are always cleared (BIRD does the same): two encodings of the
 * same prefix yield one key.
 */
import { Afi } from './iana.js';
import { UpdateMessageError } from './errors.js';
import { UpdateSubcode } from './iana.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from './address.js';

export type Ipv4PrefixKey = number;
export type Ipv6PrefixKey = string;
export type PrefixKey = Ipv4PrefixKey | Ipv6PrefixKey;

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const ZERO_HEX = '00000000000000000000000000000000';

export function ipv4Key(address: number, length: number): Ipv4PrefixKey {
  const masked = length === 0 ? 0 : (address & (0xffffffff << (32 - length))) >>> 0;
  return masked * 64 + length;
}

export function ipv4KeyAddress(key: Ipv4PrefixKey): number {
  return Math.floor(key / 64);
}

export function prefixAfi(key: PrefixKey): Afi {
  return typeof key === 'number' ? Afi.Ipv4 : Afi.Ipv6;
}

export function prefixLength(key: PrefixKey): number {
  return typeof key === 'number' ? key % 64 : Number(key.slice(33));
}

/** Build an IPv6 key from (at least) the first ceil(length/8) bytes of an address. */
export function ipv6Key(bytes: Uint8Array, start: number, length: number): Ipv6PrefixKey {
  const n = (length + 7) >> 3;
  let s = '';
  for (let i = 0; i < n; i++) {
    let b = bytes[start + i];
    if (i === n - 1 && (length & 7) !== 0) b &= (0xff << (8 - (length & 7))) & 0xff;
    s += HEX[b];
  }
  return s + ZERO_HEX.slice(s.length) + '/' + length;
}

/** The address bytes of a prefix, padded to 4 or 16 bytes. */
export function prefixAddressBytes(key: PrefixKey): Uint8Array {
  if (typeof key === 'number') {
    const a = ipv4KeyAddress(key);
    return new Uint8Array([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255]);
  }
  return new Uint8Array(Buffer.from(key.slice(0, 32), 'hex'));
}

export function formatPrefix(key: PrefixKey): string {
  if (typeof key === 'number') return `${formatIpv4(ipv4KeyAddress(key))}/${key % 64}`;
  return `${formatIpv6(prefixAddressBytes(key))}/${prefixLength(key)}`;
}

/** Parse "a.b.c.d/len" or "x:y::/len" into a key. Throws TypeError on bad text. */
export function parsePrefix(text: string): PrefixKey {
  const slash = text.indexOf('/');
  if (slash < 0) throw new TypeError(`prefix without length: ${JSON.stringify(text)}`);
  const addr = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) throw new TypeError(`bad prefix length: ${JSON.stringify(text)}`);
  const len = Number(lenText);
  if (addr.includes(':')) {
    if (len > 128) throw new TypeError(`IPv6 prefix length > 128: ${JSON.stringify(text)}`);
    return ipv6Key(parseIpv6(addr), 0, len);
  }
  if (len > 32) throw new TypeError(`IPv4 prefix length > 32: ${JSON.stringify(text)}`);
  return ipv4Key(parseIpv4(addr), len);
}

/**
 * Decode an NLRI list (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3 when `addPath`) from b[start, end).
 * Keys go to `keys`; with ADD-PATH, path identifiers go to `pathIds` (same index).
 * A syntax error throws UpdateMessageError with `subcode` (RFC 7606 §5.3: session reset).
 */
export function decodeNlri(
  afi: Afi,
  b: Uint8Array,
  start: number,
  end: number,
  addPath: boolean,
  keys: PrefixKey[],
  pathIds: number[] | null,
  subcode: number = UpdateSubcode.InvalidNetworkField,
): void {
  const maxLen = afi === Afi.Ipv4 ? 32 : 128;
  let p = start;
  while (p < end) {
    if (addPath) {
      if (p + 4 > end) throw new UpdateMessageError(`truncated ADD-PATH path identifier at offset ${p}`, subcode);
      pathIds?.push(((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0);
      p += 4;
    }
    if (p >= end) throw new UpdateMessageError(`truncated NLRI: path identifier without a prefix at offset ${p}`, subcode);
    const len = b[p++];
    if (len > maxLen) throw new UpdateMessageError(`NLRI prefix length ${len} > ${maxLen}`, subcode);
    const n = (len + 7) >> 3;
    if (p + n > end) throw new UpdateMessageError(`truncated NLRI: prefix /${len} needs ${n} bytes, ${end - p} left`, subcode);
    if (afi === Afi.Ipv4) {
      let a = 0;
      if (n > 0) a = b[p] << 24;
      if (n > 1) a |= b[p + 1] << 16;
      if (n > 2) a |= b[p + 2] << 8;
      if (n > 3) a |= b[p + 3];
      keys.push(ipv4Key(a, len));
    } else {
      keys.push(ipv6Key(b, p, len));
    }
    p += n;
  }
}

/** Append the NLRI encoding of `keys` (with path ids when given) to `out`. */
export function encodeNlri(out: { u8(v: number): unknown; u32(v: number): unknown }, keys: readonly PrefixKey[], pathIds?: readonly number[] | null): void {
  for (let i = 0; i < keys.length; i++) {
    if (pathIds) out.u32(pathIds[i]);
    const key = keys[i];
    const len = prefixLength(key);
    out.u8(len);
    const n = (len + 7) >> 3;
    if (typeof key === 'number') {
      const a = ipv4KeyAddress(key);
      for (let j = 0; j < n; j++) out.u8((a >>> (24 - 8 * j)) & 255);
    } else {
      for (let j = 0; j < n; j++) out.u8(parseInt(key.slice(j * 2, j * 2 + 2), 16));
    }
  }
}

/** Does `outer` contain `inner` (same family, outer no longer, same leading bits)? */
export function prefixContains(outer: PrefixKey, inner: PrefixKey): boolean {
  if (typeof outer !== typeof inner) return false;
  const ol = prefixLength(outer);
  const il = prefixLength(inner);
  if (ol > il) return false;
  if (typeof outer === 'number') {
    return ipv4Key(ipv4KeyAddress(inner as number), ol) === outer;
  }
  return ipv6Key(prefixAddressBytes(inner), 0, ol) === outer;
}
