/**
 * Import limits that keep one peer's routes from exhausting the daemon or its neighbours: a maximum
 * AS_PATH length (FRR's `bgp maxas-limit`, BIRD's `bgp_path.len` filters; the long-AS-path incidents that
 * crashed or reset routers) and a maximum size of the path attribute set.
 *
 * One function, called by both decision implementations where they run loop detection and import
 * policy (lib/rib/import.ts, lib/decision/variant-b/import-filter.ts), so replicas never disagree on it,
 * and by the speaker only to log and count (it never decides there: DESIGN principle 1). A route over a
 * limit is not a candidate — the announcement replaces the peer's previous path for that prefix, so it
 * acts as a withdraw of that NLRI ("treat-as-withdraw", as RFC 7606 does for malformed attributes).
 */
import { encodePathAttributes } from '../wire/attributes.js';
import type { AsPathSegment, CodecContext, PathAttributes } from '../wire/types.js';

export interface ImportLimits {
  /** Most ASNs an AS_PATH (or AS4_PATH) may hold; undefined = no limit. */
  readonly maxAsPathLength?: number;
  /** Most octets the path attributes may take on the wire (MP_REACH/MP_UNREACH excluded); undefined = no limit. */
  readonly maxAttributeBytes?: number;
}

export type LimitVerdict = 'within-limits' | 'as-path-too-long' | 'attributes-too-large';

/**
 * Every ASN counts, in AS_SET and confederation segments too: the limit guards resources, so a 1,000-ASN
 * AS_SET is as long as a 1,000-hop sequence (FRR counts an AS_SET as one hop; this is stricter).
 */
export function asPathAsnCount(path: readonly AsPathSegment[] | undefined): number {
  if (path === undefined) return 0;
  let n = 0;
  for (const s of path) n += s.asns.length;
  return n;
}

/**
 * The attribute set's size as encoded with the session's codec (2- or 4-octet ASNs as received), without
 * the per-UPDATE MP_REACH/MP_UNREACH carriers, which the set does not include.
 */
export function attributeBytes(a: PathAttributes, codec: CodecContext): number {
  try {
    return encodePathAttributes(a, codec).length;
  } catch {
    // Not encodable with this codec: it could not be re-advertised either; count it as over any limit.
    return Number.POSITIVE_INFINITY;
  }
}

/** Whether `a` is within `limits` (cheap first: the AS count; the encoding only when a byte limit is set). */
export function checkImportLimits(a: PathAttributes, limits: ImportLimits | undefined, codec: CodecContext): LimitVerdict {
  if (limits === undefined) return 'within-limits';
  const maxLen = limits.maxAsPathLength;
  if (maxLen !== undefined && Math.max(asPathAsnCount(a.asPath), asPathAsnCount(a.as4Path), asPathAsnCount(a.asPathEffective)) > maxLen) {
    return 'as-path-too-long';
  }
  if (limits.maxAttributeBytes !== undefined && attributeBytes(a, codec) > limits.maxAttributeBytes) return 'attributes-too-large';
  return 'within-limits';
}
