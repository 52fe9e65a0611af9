/** Community text ↔ values — RFC 1997 (standard), RFC 8092 (large). */
import { PolicyError } from './errors.js';

/** RFC 1997 §"Well-known Communities" and later registrations (IANA "BGP Well-known Communities"). */
export const WELL_KNOWN_COMMUNITIES = {
  'no-export': 0xffffff01, // RFC 1997
  'no-advertise': 0xffffff02, // RFC 1997
  'no-export-subconfed': 0xffffff03, // RFC 1997
  'no-peer': 0xffffff04, // RFC 3765
  blackhole: 0xffff029a, // RFC 7999
  'graceful-shutdown': 0xffff0000, // RFC 8326
} as const;

export const NO_EXPORT = WELL_KNOWN_COMMUNITIES['no-export'];
export const NO_ADVERTISE = WELL_KNOWN_COMMUNITIES['no-advertise'];
export const NO_EXPORT_SUBCONFED = WELL_KNOWN_COMMUNITIES['no-export-subconfed'];

/** "65000:100" or a well-known name → u32 (asn << 16 | value). */
export function parseCommunity(text: string, path: string): number {
  const wk = (WELL_KNOWN_COMMUNITIES as Readonly<Record<string, number>>)[text.toLowerCase()];
  if (wk !== undefined) return wk;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  if (!m || Number(m[1]) > 0xffff || Number(m[2]) > 0xffff) throw new PolicyError(`not a community: ${JSON.stringify(text)}`, path);
  return (Number(m[1]) * 0x10000 + Number(m[2])) >>> 0;
}

export type LargeCommunity = readonly [number, number, number];

/** "1:2:3" → [global administrator, local data 1, local data 2]. */
export function parseLargeCommunity(text: string, path: string): LargeCommunity {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(text);
  const v = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [];
  if (!m || v.some((x) => x > 0xffffffff)) throw new PolicyError(`not a large community: ${JSON.stringify(text)}`, path);
  return [v[0], v[1], v[2]] as const;
}

export function largeCommunityKey(c: LargeCommunity): string {
  return `${c[0]}:${c[1]}:${c[2]}`;
}
