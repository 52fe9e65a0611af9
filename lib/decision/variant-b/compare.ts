/**
 * Variant B's reading of the RFC 4271 §9.1 decision order, written independently of variant A
 * (lib/decision/tie-breaks.ts, best-path.ts). It splits the order in three parts:
 *
 *   tier  — §9.1.2.1 next hop resolvable, §9.1.1 degree of preference (LOCAL_PREF), §9.1.2.2 (a) AS_PATH
 *           length, (b) ORIGIN: packed into ONE number (`tierKey`, lower = preferred), a total preorder.
 *   MED   — §9.1.2.2 (c): MULTI_EXIT_DISC, compared only between routes of the same neighbouring AS
 *           (`medGroup`; -1 for every route under always-compare-med). Not a total order across groups.
 *   tail  — §9.1.2.2 (d) eBGP over iBGP, (e) lowest interior cost to the next hop, (f) lowest BGP
 *           Identifier (ORIGINATOR_ID instead, RFC 4456 §9), RFC 4456 §9 shortest CLUSTER_LIST,
 *           (g) lowest peer address, then RFC 7911 path identifier and finally our peer id (only
 *           duplicates of one path reach it): a total order on distinct paths of one prefix.
 *
 * `compareOrdered` = (tierKey, medGroup, med, tail) is a strict total order used to keep each prefix's
 * candidates sorted (ordered-candidates.ts). It is NOT the preference order — that one is not total
 * because of MED — but it groups the candidates so that the preference can be read off cheaply.
 */

/**
 * What variant B compares, computed once per (peer, post-policy attribute set, next hop) and shared by
 * every path with that combination (path.ts PathBasis): flat numbers and one string, no nested objects.
 */
export interface OrderKey {
  /** §9.1.2.1, §9.1.1, §9.1.2.2 (a), (b), packed by `packTier`: lower is preferred. */
  readonly tierKey: number;
  /** §9.1.2.2 (c) neighbouring AS (0: local/aggregate, -1: always-compare-med). */
  readonly medGroup: number;
  /** §9.1.2.2 (c): MULTI_EXIT_DISC, 0 when missing. */
  readonly med: number;
  /** §9.1.2.2 (d). */
  readonly external: boolean;
  /** §9.1.2.2 (e). */
  readonly igpCost: number;
  /** §9.1.2.2 (f) / RFC 4456 §9: ORIGINATOR_ID if present, else the peer's BGP Identifier, as u32. */
  readonly bgpId: number;
  /** RFC 4456 §9. */
  readonly clusterLen: number;
  /** §9.1.2.2 (g): the peer address as 32 hex digits (IPv4 mapped), so string order is address order. */
  readonly addrKey: string;
  readonly peerId: number;
}

/** One path as the ordered structure sees it: its shared order key and its own RFC 7911 path id. */
export interface OrderedPath {
  readonly basis: OrderKey;
  readonly pathId: number;
}

const TWO_50 = 2 ** 50;
const TWO_18 = 2 ** 18;
/** RFC 4271 §4.3: an AS_PATH fits in one attribute (≤ 65535 octets), so its length is < 2^16. */
const MAX_LEN = 0xffff;

/**
 * Pack the tier criteria into one exact integer (< 2^51) so that a numeric comparison applies them in
 * RFC order: bit 50 = next hop unresolvable (§9.1.2.1: such routes are never selected), bits 18..49 =
 * 0xffffffff − LOCAL_PREF (§9.1.1: higher preferred), bits 2..17 = AS_PATH length (§9.1.2.2 (a)),
 * bits 0..1 = ORIGIN (§9.1.2.2 (b): IGP 0 < EGP 1 < INCOMPLETE 2).
 */
export function packTier(reachable: boolean, localPref: number, asPathLen: number, origin: number): number {
  const len = asPathLen > MAX_LEN ? MAX_LEN : asPathLen;
  return (reachable ? 0 : TWO_50) + (0xffffffff - localPref) * TWO_18 + len * 4 + origin;
}

/** The tier key of a route whose next hop is resolvable? (bit 50 clear). */
export function tierReachable(tierKey: number): boolean {
  return tierKey < TWO_50;
}

/** Tail order, §9.1.2.2 (d)–(g) + RFC 4456 §9 + RFC 7911: negative when `a` is preferred. */
export function compareTail(a: OrderedPath, b: OrderedPath): number {
  const x = a.basis;
  const y = b.basis;
  if (x !== y) {
    if (x.external !== y.external) return x.external ? -1 : 1; // (d)
    if (x.igpCost !== y.igpCost) return x.igpCost < y.igpCost ? -1 : 1; // (e)
    if (x.bgpId !== y.bgpId) return x.bgpId < y.bgpId ? -1 : 1; // (f), RFC 4456 §9
    if (x.clusterLen !== y.clusterLen) return x.clusterLen < y.clusterLen ? -1 : 1; // RFC 4456 §9
    if (x.addrKey !== y.addrKey) return x.addrKey < y.addrKey ? -1 : 1; // (g)
  }
  if (a.pathId !== b.pathId) return a.pathId < b.pathId ? -1 : 1; // RFC 7911: several paths of one peer
  return x.peerId - y.peerId; // duplicates of one path (same address): deterministic, order independent
}

/** The storage order (tierKey, medGroup, med, tail): strict and total on distinct (peer, path id). */
export function compareOrdered(a: OrderedPath, b: OrderedPath): number {
  const x = a.basis;
  const y = b.basis;
  if (x !== y) {
    if (x.tierKey !== y.tierKey) return x.tierKey < y.tierKey ? -1 : 1;
    if (x.medGroup !== y.medGroup) return x.medGroup < y.medGroup ? -1 : 1;
    if (x.med !== y.med) return x.med < y.med ? -1 : 1;
  }
  return compareTail(a, b);
}
