/**
 * THE decision order — RFC 4271 §9.1 with RFC 4456 §9 — as one table. Every selector (best-path.ts and
 * any N-version variant) is tested against this order. `compare(a, b)` is -1 when `a` is preferred,
 * 1 when `b` is, 0 when this step does not separate them.
 *
 * Every step but `med` is a total preorder over all candidates. `med` only orders routes of the same
 * `medGroup` (same neighbouring AS, RFC 4271 §9.1.2.2 (c)); `groupwise: true` tells selectors to apply it
 * by elimination ("remove from consideration routes with a higher MED than another route of the same
 * neighbour AS") over the whole surviving set. That is the RFC's own procedure, and it does not depend
 * on the order in which candidates are scanned: the deterministic-MED result (DESIGN principle 2).
 */
import type { Candidate } from './types.js';

export type TieBreakStep =
  | 'next-hop-reachable'
  | 'local-pref'
  | 'as-path-length'
  | 'origin'
  | 'med'
  | 'ebgp-over-ibgp'
  | 'igp-cost'
  | 'bgp-identifier'
  | 'cluster-list-length'
  | 'peer-address'
  | 'path-id';

export type Order = -1 | 0 | 1;

export interface TieBreak {
  readonly step: TieBreakStep;
  readonly rfc: string;
  /** True when `compare` only orders candidates of one group (MED); see the header. */
  readonly groupwise: boolean;
  compare(a: Candidate, b: Candidate): Order;
}

const lower = (x: number, y: number): Order => (x < y ? -1 : x > y ? 1 : 0);
const higher = (x: number, y: number): Order => (x > y ? -1 : x < y ? 1 : 0);

/** RFC 4456 §9: "a route that carries the ORIGINATOR_ID attribute ... the ORIGINATOR_ID SHOULD be treated as the BGP Identifier". */
const bgpIdentifier = (c: Candidate): number => (c.rank.originatorId >= 0 ? c.rank.originatorId : c.peer.routerId);

export const TIE_BREAKS: readonly TieBreak[] = Object.freeze([
  {
    step: 'next-hop-reachable', rfc: 'RFC 4271 §9.1.2.1', groupwise: false,
    // Routes whose NEXT_HOP cannot be resolved are excluded from the decision process.
    compare: (a, b) => (a.nh.reachable === b.nh.reachable ? 0 : a.nh.reachable ? -1 : 1),
  },
  { step: 'local-pref', rfc: 'RFC 4271 §9.1.1, §9.1.2.1', groupwise: false, compare: (a, b) => higher(a.rank.localPref, b.rank.localPref) },
  { step: 'as-path-length', rfc: 'RFC 4271 §9.1.2.2 (a)', groupwise: false, compare: (a, b) => lower(a.rank.asPathLength, b.rank.asPathLength) },
  { step: 'origin', rfc: 'RFC 4271 §9.1.2.2 (b)', groupwise: false, compare: (a, b) => lower(a.rank.origin, b.rank.origin) },
  {
    step: 'med', rfc: 'RFC 4271 §9.1.2.2 (c)', groupwise: true,
    // Only between routes from the same neighbouring AS (medGroup -1 = always-compare-med); missing MED = 0.
    compare: (a, b) => (a.rank.medGroup !== b.rank.medGroup ? 0 : lower(a.rank.med, b.rank.med)),
  },
  { step: 'ebgp-over-ibgp', rfc: 'RFC 4271 §9.1.2.2 (d)', groupwise: false, compare: (a, b) => (a.peer.ebgp === b.peer.ebgp ? 0 : a.peer.ebgp ? -1 : 1) },
  { step: 'igp-cost', rfc: 'RFC 4271 §9.1.2.2 (e)', groupwise: false, compare: (a, b) => lower(a.nh.igpCost, b.nh.igpCost) },
  { step: 'bgp-identifier', rfc: 'RFC 4271 §9.1.2.2 (f); RFC 4456 §9', groupwise: false, compare: (a, b) => lower(bgpIdentifier(a), bgpIdentifier(b)) },
  { step: 'cluster-list-length', rfc: 'RFC 4456 §9', groupwise: false, compare: (a, b) => lower(a.rank.clusterListLength, b.rank.clusterListLength) },
  {
    step: 'peer-address', rfc: 'RFC 4271 §9.1.2.2 (g)', groupwise: false,
    compare: (a, b) => (a.peer.addressKey < b.peer.addressKey ? -1 : a.peer.addressKey > b.peer.addressKey ? 1 : 0),
  },
  { step: 'path-id', rfc: 'RFC 7911 (ADD-PATH: paths from one peer)', groupwise: false, compare: (a, b) => lower(a.pathId, b.pathId) },
] satisfies TieBreak[]);

/** RFC 4271 §9.1.2.2 order check: `a` beats `b` lexicographically over the table (only a total order with always-compare-med). */
export function compareRoutes(a: Candidate, b: Candidate): Order {
  for (const t of TIE_BREAKS) {
    const r = t.compare(a, b);
    if (r !== 0) return r;
  }
  return 0;
}
