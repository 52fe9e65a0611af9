/**
 * Declarative routing policy — the shape the config loader produces and the engine compiles
 * (`compilePolicy`). Terms are tried in order; the first whose `match` holds decides (`action`) and,
 * when it accepts, applies `set`. No term matching → `default`.
 *
 * Match semantics (documented choices): every condition given must hold (AND); inside a list any entry
 * may match (OR) — `prefixes` any, `asPathContains` any ASN, `communities` any, `largeCommunities` any.
 * `asPathRegex` is tested against the AS path text as `formatAsPath` prints it ("1 2 {3,4}"), using the
 * RFC 6793 §4.2.3 effective path.
 */
export interface PrefixMatch {
  /** "10.0.0.0/8" or "2001:db8::/32". */
  prefix: string;
  /** Prefix-list semantics: no ge/le = exact length; ge only = [ge, max]; le only = [len, le]; both = [ge, le]. */
  ge?: number;
  le?: number;
}

export interface PolicyMatch {
  prefixes?: PrefixMatch[];
  asPathRegex?: string;
  asPathContains?: number[];
  /** "65000:100" or a well-known name: no-export, no-advertise, no-export-subconfed (RFC 1997), no-peer (RFC 3765), blackhole (RFC 7999), graceful-shutdown (RFC 8326). */
  communities?: string[];
  /** "1:2:3" (RFC 8092). */
  largeCommunities?: string[];
}

export interface PolicyActions {
  localPref?: number;
  med?: number;
  /** Times to prepend: on export our AS towards the peer; on import the neighbour's AS (eBGP only). */
  prepend?: number;
  addCommunities?: string[];
  removeCommunities?: string[];
  addLargeCommunities?: string[];
  removeLargeCommunities?: string[];
  /** Export only: next hop = our address on the session. */
  nextHopSelf?: boolean;
}

export interface PolicyTerm {
  name?: string;
  match?: PolicyMatch;
  action: 'accept' | 'reject';
  set?: PolicyActions;
}

export interface Policy {
  terms: PolicyTerm[];
  default: 'accept' | 'reject';
}

/** Accept everything, change nothing. */
export const ACCEPT_ALL: Policy = Object.freeze({ terms: [], default: 'accept' }) as Policy;
