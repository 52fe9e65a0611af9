/** Syntax checks for configuration values: IP literals, prefixes, ASNs, communities, regexes, host:port. */
import { parseIpv4, parseIpv6, formatIpv4, formatIpv6 } from '../wire/address.js';
import { parsePrefix } from '../wire/prefix.js';

export type IpFamily = 4 | 6;

/** 4 or 6 for a valid IP literal (no zone, no brackets), undefined otherwise. */
export function ipFamily(text: string): IpFamily | undefined {
  try {
    if (text.includes(':')) {
      parseIpv6(text);
      return 6;
    }
    parseIpv4(text);
    return 4;
  } catch {
    return undefined;
  }
}

/** Canonical text of an IP literal (RFC 5952 for IPv6), so `::1` and `0:0::1` compare equal. */
export function canonicalIp(text: string): string {
  return text.includes(':') ? formatIpv6(parseIpv6(text)) : formatIpv4(parseIpv4(text));
}

export function isLoopback(text: string): boolean {
  const f = ipFamily(text);
  if (f === 4) return parseIpv4(text) >>> 24 === 127;
  if (f === 6) return canonicalIp(text) === '::1';
  return false;
}

/** The reason a prefix is rejected (parsePrefix from lib/wire/prefix.ts), or undefined when valid. */
export function prefixProblem(text: string): string | undefined {
  try {
    parsePrefix(text);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** A router id / cluster id: a dotted quad that is not 0.0.0.0 (RFC 4271 §4.2, RFC 6286 §2.1). */
export function isRouterId(text: string): boolean {
  try {
    return parseIpv4(text) !== 0;
  } catch {
    return false;
  }
}

export const MAX_ASN = 4294967295;

/** Well-known communities accepted by name (RFC 1997, RFC 3765, RFC 7999, RFC 8326). */
export const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, number>> = {
  'graceful-shutdown': 0xffff0000, // RFC 8326
  blackhole: 0xffff029a, // RFC 7999
  'no-export': 0xffffff01, // RFC 1997
  'no-advertise': 0xffffff02, // RFC 1997
  'no-export-subconfed': 0xffffff03, // RFC 1997
  'no-peer': 0xffffff04, // RFC 3765
};

/** RFC 1997 community text: `ASN16:VALUE16` (each 0..65535) or a well-known name. */
export function isCommunity(text: string): boolean {
  if (text in WELL_KNOWN_COMMUNITIES) return true;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  return m !== null && Number(m[1]) <= 0xffff && Number(m[2]) <= 0xffff;
}

/** RFC 8092 large community text: `GLOBAL:DATA1:DATA2`, each 0..4294967295. */
export function isLargeCommunity(text: string): boolean {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(text);
  return m !== null && [m[1], m[2], m[3]].every((x) => Number(x) <= MAX_ASN);
}

/** The reason a regex does not compile, or undefined. */
export function regexProblem(text: string): string | undefined {
  try {
    new RegExp(text);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Parse `ADDR:PORT` or `[V6ADDR]:PORT`; undefined on bad syntax, bad address or port outside 1..65535. */
export function parseHostPort(text: string): { address: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const address = m[1]!;
  const port = Number(m[2]);
  if (ipFamily(address) === undefined || port < 1 || port > 65535) return undefined;
  return { address, port };
}
