/**
 * Policy shapes as the configuration produces them. The owner of these types is lib/policy/types.ts (another
 * engineer's area); until that file exists they are declared here with EXACTLY the agreed shape, and this
 * file is the only place to switch to `export type { ... } from '../policy/types.js'`.
 */
export interface PrefixMatch {
  prefix: string;
  ge?: number;
  le?: number;
}

export interface PolicyMatch {
  prefixes?: PrefixMatch[];
  asPathRegex?: string;
  asPathContains?: number[];
  communities?: string[];
  largeCommunities?: string[];
}

export interface PolicyActions {
  localPref?: number;
  med?: number;
  prepend?: number;
  addCommunities?: string[];
  removeCommunities?: string[];
  addLargeCommunities?: string[];
  removeLargeCommunities?: string[];
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
